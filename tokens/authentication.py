"""`Authorization: Bearer <token>`: the project's default authentication (API.md §1).

DRF's contract: `None` when the header is not ours, an exception when it is ours and wrong,
`(user, token)` otherwise. Every failure answers the same 401; the reason goes to the audit log.
"""

import hmac

from django.utils import timezone
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied
from rest_framework.permissions import SAFE_METHODS

from audit.context import client_ip
from permissions.engine import bind_scope
from tokens import crypto
from tokens.exceptions import READ_ONLY
from tokens.models import ApiToken
from tokens.services import token_touch

KEYWORD = "bearer"
OWS = " \t"  # HTTP's optional whitespace; nothing else is stripped from the token
# Far more than any token of ours; a longer header is refused before it is split or hashed.
MAX_HEADER_LENGTH = 512


class InvalidToken(AuthenticationFailed):
    """Any failure of a Bearer credential: one answer, whatever the reason (API.md §1)."""

    default_detail = "Invalid or expired token."
    default_code = "invalid_token"


class BearerTokenAuthentication(BaseAuthentication):
    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _, credentials = header.strip(OWS).partition(" ")
        if scheme.lower() != KEYWORD:
            return None
        audit = getattr(request._request, "audit", None)
        if len(header) > MAX_HEADER_LENGTH:
            self._fail(audit, "malformed")
        plaintext = credentials.strip(OWS)
        try:
            crypto.parse(plaintext)
        except crypto.TokenFormatError as error:
            self._fail(audit, error.reason)
        digest = crypto.digest(plaintext)
        token = ApiToken.objects.authenticating(digest)
        if token is None or not hmac.compare_digest(token.digest, digest):
            self._fail(audit, "unknown")
        ip = audit.ip if audit is not None else client_ip(request)
        reason = self.refusal(token, ip)
        if reason is not None:
            self._fail(audit, reason, token)
        if audit is not None:
            audit.token = token
        token_touch(token=token, ip=ip)
        if token.read_only and request.method not in SAFE_METHODS:
            raise PermissionDenied(READ_ONLY)
        bind_scope(token.user, token.permission_scope)  # the request's permissions: narrowed
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'

    @staticmethod
    def refusal(token: ApiToken, ip: str | None) -> str | None:
        """Why `token` may not authenticate a request from `ip` now, or None."""
        now = timezone.now()
        if token.revoked_at is not None:
            return "revoked"
        if token.expires_at <= now:
            return "rotated" if token.is_rotated else "expired"
        user = token.user
        # A personal user's token cannot exist (the services refuse it); refuse it anyway.
        if not user.is_active or user.category != user.Category.PROGRAMMATIC:
            return "user_inactive"
        if not token.allows_ip(ip):
            return "ip_not_allowed"
        return None

    @staticmethod
    def _fail(audit, reason: str, token: ApiToken | None = None):
        if audit is not None:
            audit.failure_reason = reason
            audit.failed_token = token
        raise InvalidToken
