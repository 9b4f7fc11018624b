"""Errors of the token services and API, with the messages the tests assert."""

from rest_framework import status
from rest_framework.exceptions import APIException, AuthenticationFailed


class InvalidToken(AuthenticationFailed):
    """Any failure of a Bearer credential: one answer, whatever the reason (API.md §1)."""

    default_detail = "Invalid or expired token."
    default_code = "invalid_token"


class TokenConflict(APIException):
    """The token's state does not allow the action (revoked, expired, already rotated)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The token's state does not allow this."
    default_code = "conflict"


ALREADY_REVOKED = "This token is already revoked."
NOT_ROTATABLE = "Only an active token that was not rotated before can be rotated."
READ_ONLY = "This token is read-only: it may only use GET, HEAD and OPTIONS."
PERSONAL_USER = "Tokens can only be issued for programmatic users."
INACTIVE_USER = "This programmatic user is inactive; reactivate it before issuing tokens."
SESSION_SELF_ROTATE = "Self-rotation rotates the token the request uses; this request uses none."
