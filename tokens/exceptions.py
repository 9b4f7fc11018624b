"""Errors of the token services, with the messages the tests assert."""

from common import errors


class TokenConflict(errors.Conflict):
    """The token's state does not allow the action (revoked, expired, already rotated)."""

    default_message = "The token's state does not allow this."


ALREADY_REVOKED = "This token is already revoked."
NOT_ROTATABLE = "Only an active token that was not rotated before can be rotated."
READ_ONLY = "This token is read-only: it may only use GET, HEAD and OPTIONS."
PERSONAL_USER = "Tokens can only be issued for programmatic users."
INACTIVE_USER = "This programmatic user is inactive; reactivate it before issuing tokens."
SESSION_SELF_ROTATE = "Self-rotation rotates the token the request uses; this request uses none."
