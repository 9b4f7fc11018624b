"""Errors and messages of the permissions app (the tests assert these constants)."""

from common import errors

BAD_PERMISSION_FORMAT = 'Use the form "app_label.codename", for example "projects.view_project".'
UNKNOWN_PERMISSION = "Unknown permission."
BAD_OBJECT_TYPE = (
    'Use the form "app_label.model" of a model with object permissions, for example '
    '"projects.project".'
)
NO_SUCH_OBJECT = "No such object."
NOT_FOR_TYPE = "This permission does not apply to objects of type {type}."
NOT_GRANTABLE = "You can only grant or revoke permissions you hold yourself: {permission}."
SUPERUSER_ONLY = "Only a superuser can give {permission} to a programmatic user."
NOT_HELD = "The user does not hold this permission directly."


class NotGrantable(errors.Denied):
    """The actor may not hand out (or take back) this permission: no escalation (rule 8)."""

    code = "not_grantable"
    default_message = "You can only grant or revoke permissions you hold yourself."


class NotHeld(errors.NotFound):
    """Revoking a permission the user does not hold directly."""

    code = "not_held"
    default_message = NOT_HELD


def invalid(field: str, message: str) -> errors.Invalid:
    """A bad name or object: {field: [message]} (400 in the API)."""
    return errors.Invalid.field(field, message)
