"""Errors of the token services, with the messages the tests assert."""

from django.utils.translation import gettext_lazy as _

from common import errors


class TokenConflict(errors.Conflict):
    """The token's state does not allow the action (revoked, expired, rotated, suspended)."""

    default_message = _("The token's state does not allow this.")


ALREADY_REVOKED = _("This token is already revoked.")
FAMILY_ALREADY_REVOKED = _("This token and every other token of its family are already revoked.")
TOO_MANY_TOKENS = _("This programmatic user already has {maximum} active tokens, the most "
                   "TOKEN_MAX_PER_USER allows. Revoke one it no longer needs, or rotate one "
                   "instead of issuing another.")
NOT_ROTATABLE = _("Only an active token that was not rotated before can be rotated.")
SUSPENDED_NOT_ROTATABLE = _("This token is suspended: resume it before rotating it.")
NOT_SUSPENDABLE = _("Only an active token (or one in its rotation grace period) can be suspended.")
NOT_SUSPENDED = _("This token is not suspended.")
READ_ONLY = _("This token is read-only: it may only use GET, HEAD and OPTIONS.")
PERSONAL_USER = _("Tokens can only be issued for programmatic users.")
INACTIVE_USER = _("This programmatic user is inactive; reactivate it before issuing tokens.")
SESSION_SELF_ROTATE = _("Self-rotation rotates the token the request uses; this request uses none.")
