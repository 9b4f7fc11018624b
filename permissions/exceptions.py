"""Errors and messages of the permissions app (the tests assert these constants)."""

from django.utils.translation import gettext_lazy as _

from common import errors

BAD_PERMISSION_FORMAT = _('Use the form "app_label.codename", for example "projects.view_project".')
UNKNOWN_PERMISSION = _("Unknown permission.")
BAD_OBJECT_TYPE = _(
    'Use the form "app_label.model" of a model with object permissions, for example '
    '"projects.project".'
)
NO_SUCH_OBJECT = _("No such object.")
NOT_FOR_TYPE = _("This permission does not apply to objects of type {type}.")
NOT_HELD = _("The user does not hold this permission directly.")

# The no-escalation rule (DESIGN rule 8, `permissions.policy`).
NOT_A_CONFIGURATOR = _(
    "Only a User configurator (accounts.configure_users) can grant permissions or change "
    "accounts and groups."
)
NOT_GRANTABLE = _("You can only grant or revoke permissions you hold yourself: {permission}.")
SUPERUSER_ONLY = _("Only a superuser can give {permission} to a programmatic user.")
GROUPS_NOT_GRANTABLE = _(
    "You can only add a user to groups whose permissions you hold yourself: {names}."
)
GROUP_PERMISSIONS_NOT_GRANTABLE = _(
    "You can only put into a group, or take out of it, permissions you hold yourself: {names}."
)
GROUP_SUPERUSER_ONLY = _(
    "Only a superuser can give {permission} to a group that has programmatic members."
)
MORE_PRIVILEGED = _(
    "{username} holds permissions you do not hold: only a superuser, or someone who holds all "
    "of them, can change this account or its credentials."
)
MEMBER_MORE_PRIVILEGED = _(
    "{username}, a member of this group, holds permissions you do not hold: only a superuser, "
    "or someone who holds all of them, can change this group."
)
SUPERUSER_FLAG = _("Only a superuser can make an account a superuser or take that away.")
OWN_FLAGS = _("You cannot change your own staff or active status.")


class Refused(errors.Denied):
    """A refusal of the no-escalation rule; `field` names the form field it concerns, if any."""

    def __init__(self, message: str | None = None, *, field: str | None = None,
                 code: str | None = None):
        super().__init__(message, code=code)
        self.field = field


class NotGrantable(Refused):
    """The actor may not hand out (or take back) this permission: no escalation (rule 8)."""

    code = "not_grantable"
    default_message = _("You can only grant or revoke permissions you hold yourself.")


class NotAConfigurator(Refused):
    """Granting, and changing accounts or groups, needs `accounts.configure_users`."""

    code = "configure_users_required"
    default_message = NOT_A_CONFIGURATOR


class MorePrivileged(Refused):
    """The account (or a member of the group) holds a permission the actor lacks."""

    code = "more_privileged"


class NotHeld(errors.NotFound):
    """Revoking a permission the user does not hold directly."""

    code = "not_held"
    default_message = NOT_HELD


def invalid(field: str, message: str) -> errors.Invalid:
    """A bad name or object: {field: [message]} (400 in the API)."""
    return errors.Invalid.field(field, message)
