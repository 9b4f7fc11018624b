"""The audit app's settings, read at use (never captured at import)."""

from django.conf import settings

from audit.keys import SigningKey, signing_key


class AuditSettings:
    @property
    def signing_key(self) -> SigningKey:
        """The loaded Ed25519 key of AUDIT_SIGNING_KEY (or AUDIT_SIGNING_KEY_FILE)."""
        return signing_key(settings.AUDIT_SIGNING_KEY)

    @property
    def usage_commit(self) -> str:
        return settings.AUDIT_USAGE_COMMIT


audit_settings = AuditSettings()
