"""The permission engine: every permission read of the product, and nothing else.

- `sql`: the one statement builder (and the one place identifiers are quoted);
- `access`: the one per-request cache, on the request's user object, with its scope;
- `checks`: model-wide and object checks, and the permitted rows of a queryset, whole or as a
  page of ids for a cursor paginator;
- `scope`: what part of its user's permissions a credential may use.

`permissions.backends.PermissionBackend` answers Django's `user.has_perm` from it, and the DRF
classes, the filter, the paginator, the selectors and the admin pages ask it directly.
"""

from permissions.engine.access import bind_scope, scope_of
from permissions.engine.checks import (
    has_model_permission,
    has_object_permission,
    is_active_user,
    model_permissions,
    object_permissions,
    permission_name,
    permitted,
    permitted_page,
)
from permissions.engine.scope import FULL, READ_ONLY, Scope

__all__ = [
    "FULL",
    "READ_ONLY",
    "Scope",
    "bind_scope",
    "has_model_permission",
    "has_object_permission",
    "is_active_user",
    "model_permissions",
    "object_permissions",
    "permission_name",
    "permitted",
    "permitted_page",
    "scope_of",
]
