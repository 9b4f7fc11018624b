"""`Authorization: Bearer <token>`: the project's default authentication (API.md §1).

DRF's contract: `None` when the header is not ours, an exception when it is ours and wrong,
`(user, token)` otherwise. Every failure answers the same 401; the reason goes to the audit log.
An address past AUTH_FAILURE_RATE gets 429 before any database work, and a token past its request
limit 429 with its `X-RateLimit-*` headers (`tokens.limits`). A rotated-out token presented after
its grace period revokes its family (`tokens.reuse`) and still answers the same 401.
"""

import hmac
import logging
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied, Throttled
from rest_framework.permissions import SAFE_METHODS

from audit.context import client_ip
from permissions.engine import bind_scope
from tokens import crypto, limits
from tokens.conf import REUSE_DETECTION_DELAY_SECONDS, token_settings
from tokens.exceptions import READ_ONLY
from tokens.models import ApiToken
from tokens.reuse import token_family_revoke_on_reuse
from tokens.services import token_touch

logger = logging.getLogger(__name__)

KEYWORD = "bearer"
OWS = " \t"  # HTTP's optional whitespace; nothing else is stripped from the token
# Far more than any token of ours; a longer header is refused before it is split or hashed.
MAX_HEADER_LENGTH = 512
QUOTA_ATTRIBUTE = "token_quota"  # where the X-RateLimit-* middleware finds a limited token's


class InvalidToken(AuthenticationFailed):
    """Any failure of a Bearer credential: one answer, whatever the reason (API.md §1)."""

    default_detail = _("Invalid or expired token.")
    default_code = "invalid_token"


class BearerTokenAuthentication(BaseAuthentication):
    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _, credentials = header.strip(OWS).partition(" ")
        if scheme.lower() != KEYWORD:
            return None
        audit = getattr(request._request, "audit", None)
        ip = audit.ip if audit is not None else client_ip(request)
        wait = limits.check_address(ip)
        if wait is not None:
            raise Throttled(wait=wait)
        if len(header) > MAX_HEADER_LENGTH:
            self._fail(audit, ip, "malformed")
        plaintext = credentials.strip(OWS)
        try:
            crypto.parse(plaintext)
        except crypto.TokenFormatError as error:
            self._fail(audit, ip, error.reason)
        digest = crypto.digest(plaintext)
        token = ApiToken.objects.authenticating(digest)
        if token is None or not hmac.compare_digest(token.digest, digest):
            self._fail(audit, ip, "unknown")
        reason = self.refusal(token, ip)
        if reason is not None:
            if reason == "rotated" and self.reused(token):
                self._revoke_family_of_reused(token, ip, request)
            self._fail(audit, ip, reason, token)
        if audit is not None:
            audit.token = token
        self._count_request(request, token)
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
        if token.suspended_at is not None:
            return "suspended"
        user = token.user
        # A personal user's token cannot exist (the services refuse it); refuse it anyway.
        if not user.is_active or user.category != user.Category.PROGRAMMATIC:
            return "user_inactive"
        if not token.allows_ip(ip):
            return "ip_not_allowed"
        return None

    @staticmethod
    def reused(token: ApiToken) -> bool:
        """A rotated-out token presented well after its grace period: a copy in other hands."""
        if not token_settings.reuse_detection:
            return False
        delay = timedelta(seconds=REUSE_DETECTION_DELAY_SECONDS)
        return timezone.now() >= token.expires_at + delay

    @staticmethod
    def _count_request(request, token: ApiToken) -> None:
        """Count a request against the token's limit, if it has one (429 past it)."""
        rate = limits.token_rate(token)
        if rate is None:
            return
        quota = limits.consume(token, rate)
        setattr(request._request, QUOTA_ATTRIBUTE, quota)
        if quota.retry_after is not None:
            raise Throttled(wait=quota.retry_after)

    @staticmethod
    def _revoke_family_of_reused(token: ApiToken, ip: str | None, request) -> None:
        try:
            token_family_revoke_on_reuse(token=token, ip=ip, request=request)
        except Exception:  # the answer stays the same 401 whatever went wrong (API.md §1)
            logger.exception("Reuse detection failed for token %s; its family may still work.",
                             token.pk)

    @staticmethod
    def _fail(audit, ip: str | None, reason: str, token: ApiToken | None = None):
        if limits.note_failure(ip) and audit is not None:
            audit.failure_reason = reason
            audit.failed_token = token
        raise InvalidToken
