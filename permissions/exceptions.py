"""Errors and messages of the permissions app (the tests assert these constants)."""

from rest_framework import exceptions

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


class NotGrantable(exceptions.PermissionDenied):
    """The actor may not hand out (or take back) this permission: no escalation (rule 8)."""

    default_detail = "You can only grant or revoke permissions you hold yourself."
    default_code = "not_grantable"


class NotHeld(exceptions.NotFound):
    """Revoking a permission the user does not hold directly."""

    default_detail = NOT_HELD
    default_code = "not_held"


def invalid(field: str, message: str) -> exceptions.ValidationError:
    """A 400 with DRF's field-error shape: {field: [message]}."""
    return exceptions.ValidationError({field: [message]}, code="invalid")
