"""The tokens app's settings, read at use (never captured at import)."""

from django.conf import settings


class TokenSettings:
    @property
    def prefix(self) -> str:
        return settings.TOKEN_PREFIX

    @property
    def hash_key(self) -> bytes:
        return settings.TOKEN_HASH_KEY.encode()

    @property
    def default_lifetime_days(self) -> int:
        return settings.TOKEN_DEFAULT_LIFETIME_DAYS

    @property
    def max_lifetime_days(self) -> int:
        return settings.TOKEN_MAX_LIFETIME_DAYS

    @property
    def leak_report_rate(self) -> str:
        return settings.LEAK_REPORT_RATE

    @property
    def auth_failure_rate(self) -> str:
        return settings.AUTH_FAILURE_RATE

    @property
    def default_token_rate(self) -> str | None:
        return settings.TOKEN_RATE

    @property
    def max_per_user(self) -> int:
        return settings.TOKEN_MAX_PER_USER

    @property
    def reuse_detection(self) -> bool:
        return settings.TOKEN_REUSE_DETECTION

    @property
    def secret_scanning_keys(self) -> dict[str, str]:
        """{key_identifier: PEM} of the secret-scanning partner; {}: the endpoint is off."""
        return getattr(settings, "SECRET_SCANNING_KEYS", None) or {}


token_settings = TokenSettings()

# Not settings: the product's fixed rules.
SECRET_LENGTH = 40  # base62 characters: about 238 bits
MAX_SECRET_LENGTH = 128  # what the parser accepts, so a longer secret is refused as malformed
CHECKSUM_LENGTH = 6
LAST_USED_INTERVAL_SECONDS = 60
# A rotated-out token presented this soon after its grace period ended is a request that was
# already on its way (another worker of the integration, a retry), not a copy in other hands: it
# is refused like any rotated-out token, but does not revoke the family.
REUSE_DETECTION_DELAY_SECONDS = 60
MAX_GRACE_HOURS = 168
DEFAULT_GRACE_HOURS = 24
MAX_ALLOWED_NETWORKS = 50
