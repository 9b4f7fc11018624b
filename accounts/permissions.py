"""DRF permission classes for the accounts endpoints."""

from rest_framework.permissions import BasePermission


class CanConfigureUsers(BasePermission):
    """The caller holds `accounts.configure_users` (the "User configurator" role)."""

    message = "You need the User configurator permission (accounts.configure_users)."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm("accounts.configure_users"))


class CanPickUsers(BasePermission):
    """Any authenticated person; a programmatic user needs `accounts.view_user`."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        if getattr(user, "is_programmatic", False):
            return user.has_perm("accounts.view_user")
        return True
