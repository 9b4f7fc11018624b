"""The engine's one per-request cache: what it knows of a user for the length of a request.

It lives on the user object, which Django (session) and the token authentication build afresh
for every request, so a grant or a revocation applies to the next request. It holds the
request's scope and the model-wide permissions read once (as held, and within the scope).
"""

from dataclasses import dataclass

from permissions.engine.scope import FULL, Scope

ATTRIBUTE = "_permissions_access"


@dataclass
class Access:
    scope: Scope = FULL
    held: frozenset[str] | None = None  # the user's model-wide permissions, once read
    model_permissions: frozenset[str] | None = None  # those within the scope


def access_of(user) -> Access:
    """The cache on `user`, created empty on first use."""
    access = user.__dict__.get(ATTRIBUTE)
    if access is None:
        access = user.__dict__[ATTRIBUTE] = Access()
    return access


def bind_scope(user, scope: Scope) -> None:
    """Narrow what this request's `user` object may use to `scope` (the credential's)."""
    access = access_of(user)
    access.scope = scope
    access.model_permissions = None


def scope_of(user) -> Scope:
    """The scope bound to `user` for this request (`FULL` if none was)."""
    access = getattr(user, "__dict__", {}).get(ATTRIBUTE)
    return access.scope if access is not None else FULL
