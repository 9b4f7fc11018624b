"""Explicit extension points, filled by apps that build on accounts (permissions, tokens).

`accounts` may not import `tokens` or `permissions` (dependencies point one way), yet
deactivating a programmatic user must revoke its tokens, creating one may issue its first token,
and every change of an account or a group must pass the no-escalation rule, which needs object
permissions (`permissions.policy`). Those apps register their functions here in their
AppConfig.ready(); the accounts services call them inside their own transaction.
"""

from collections.abc import Callable
from typing import Any

_deactivation_hooks: list[Callable[..., None]] = []
_initial_token_issuer: list[Callable[..., Any]] = []
_initial_token_representation: list[Callable[..., dict]] = []
_escalation_guard: list[Any] = []

NO_GUARD = "No escalation guard is registered (is the permissions app installed?)."


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


def set_escalation_guard(guard: Any) -> None:
    """Register the no-escalation rule: an object (the `permissions.policy` module) with
    `ensure_may_change_account`, `ensure_may_change_group`, `ensure_may_delete_group`,
    `may_change_account`, `may_change_group`, `may_delete_group` and `group_grants`."""
    _escalation_guard[:] = [guard]


def escalation_guard() -> Any:
    """The registered rule; without one every change is refused (fails closed)."""
    if not _escalation_guard:
        raise RuntimeError(NO_GUARD)
    return _escalation_guard[0]
