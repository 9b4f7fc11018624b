"""DRF permission classes for the accounts endpoints (each notes what it checks)."""

from rest_framework.permissions import BasePermission

from audit.context import note_permission
from audit.permissions import RequiresPermission

CONFIGURE_USERS = "accounts.configure_users"
VIEW_USER = "accounts.view_user"


class CanConfigureUsers(RequiresPermission):
    """The caller holds `accounts.configure_users` (the "User configurator" role)."""

    permission = CONFIGURE_USERS
    message = "You need the User configurator permission (accounts.configure_users)."


class CanPickUsers(BasePermission):
    """Any authenticated person; a programmatic user needs `accounts.view_user`."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        if getattr(user, "is_programmatic", False):
            note_permission(request, VIEW_USER)
            return user.has_perm(VIEW_USER)
        return True
