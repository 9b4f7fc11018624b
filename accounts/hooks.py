"""Two explicit extension points, filled by apps that build on accounts (tokens).

`accounts` may not import `tokens` (dependencies point one way), yet deactivating a programmatic
user must revoke its tokens, and creating one may issue its first token. The tokens app registers
its functions here in its AppConfig.ready(); the accounts services call them inside their own
transaction.
"""

from collections.abc import Callable
from typing import Any

_deactivation_hooks: list[Callable[..., None]] = []
_initial_token_issuer: list[Callable[..., Any]] = []
_initial_token_representation: list[Callable[..., dict]] = []


def on_deactivation(func: Callable[..., None]) -> Callable[..., None]:
    """Register `func(*, user, actor, request)`; called when a programmatic user is deactivated."""
    if func not in _deactivation_hooks:
        _deactivation_hooks.append(func)
    return func


def run_deactivation_hooks(*, user, actor, request=None) -> None:
    for hook in _deactivation_hooks:
        hook(user=user, actor=actor, request=request)


def set_initial_token_issuer(func: Callable[..., Any], *,
                             represent: Callable[..., dict]) -> None:
    """Register `func(*, user, actor, request)` issuing a user's first token (a service: it
    returns the issued token), and `represent(issued, context) -> dict`, the API's shape of it."""
    _initial_token_issuer[:] = [func]
    _initial_token_representation[:] = [represent]


def initial_token_issuer() -> Callable[..., Any] | None:
    return _initial_token_issuer[0] if _initial_token_issuer else None


def initial_token_representation() -> Callable[..., dict]:
    return _initial_token_representation[0]
