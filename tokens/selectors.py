"""Reads of tokens for people: what needs a configurator's attention."""

from datetime import timedelta

from django.utils import timezone

from tokens.models import ApiToken

EXPIRING_DAYS = 14


def expiring_soon(now=None, days: int = EXPIRING_DAYS):
    """Tokens that still work and expire within `days`."""
    now = now or timezone.now()
    return ApiToken.objects.expiring_between(now, now + timedelta(days=days))


def never_used(now=None):
    """Tokens that still work and have never authenticated a request."""
    return ApiToken.objects.usable(now or timezone.now()).filter(last_used_at__isnull=True)
