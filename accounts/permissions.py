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


VIEW_GROUP = "auth.view_group"
ADD_GROUP = "auth.add_group"
CHANGE_GROUP = "auth.change_group"
ROLE_READERS = (VIEW_GROUP, CHANGE_GROUP, CONFIGURE_USERS)


class CanViewRoles(BasePermission):
    """The caller may see the roles: as in the group admin, `auth.view_group` or
    `auth.change_group`; or it is a User configurator (`accounts.configure_users`)."""

    message = ("You need auth.view_group, auth.change_group or the User configurator "
               "permission (accounts.configure_users).")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        held = next((name for name in ROLE_READERS if user.has_perm(name)), None)
        note_permission(request, held or VIEW_GROUP)
        return held is not None


class CanAddRoles(RequiresPermission):
    """`auth.add_group`, as the group admin's Add page (the no-escalation rule comes next)."""

    permission = ADD_GROUP
    message = "You need the auth.add_group permission."


class CanChangeRoles(RequiresPermission):
    """`auth.change_group`, as the group admin's change page (the rule comes next)."""

    permission = CHANGE_GROUP
    message = "You need the auth.change_group permission."
