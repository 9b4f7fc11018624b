"""Reads of tokens, named for intent."""

from django.db import models
from django.utils import timezone


class ApiTokenQuerySet(models.QuerySet):
    def for_authentication(self, digest: str):
        """The one indexed query of authentication: the token and its user together."""
        return self.select_related("user").filter(digest=digest)

    def revoked(self):
        return self.filter(revoked_at__isnull=False)

    def not_revoked(self):
        return self.filter(revoked_at__isnull=True)

    def expired(self, now=None):
        return self.not_revoked().filter(expires_at__lte=now or timezone.now())

    def usable(self, now=None):
        """Tokens that authenticate now (their user's state aside)."""
        return self.not_revoked().filter(expires_at__gt=now or timezone.now())

    def with_status(self, status: str, now=None):
        """`status` is one of ApiToken.Status; an unknown value matches nothing."""
        by_status = {"active": self.usable, "expired": self.expired, "revoked": self.revoked}
        query = by_status.get(status)
        if query is None:
            return self.none()
        return query(now) if status != "revoked" else query()

    def expiring_between(self, start, end):
        return self.usable(start).filter(expires_at__lte=end)
