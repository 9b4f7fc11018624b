"""What a caller asks of a new token, checked against the product's rules (Invalid otherwise).

The services apply these; the API's serializers and the admin's forms call them too, so a bad value
is refused with the same message wherever it comes from.
"""

import ipaddress
from datetime import datetime, timedelta

from django.utils import timezone

from common.errors import Invalid
from common.rates import RATE_FORMAT, parse_rate
from tokens.conf import MAX_ALLOWED_NETWORKS, MAX_GRACE_HOURS, token_settings

BOTH_EXPIRIES = "Give expires_in_days or expires_at, not both."
EXPIRY_PAST = "The expiry must be in the future."
EXPIRY_TOO_FAR = "A token may live at most {days} days."
DAYS_RANGE = "Give a whole number of days from 1 to {days}."
GRACE_RANGE = f"The grace period is a whole number of hours from 0 to {MAX_GRACE_HOURS}."
NETWORK_INVALID = "{value!r} is not an IP address or network such as 203.0.113.0/24."
NETWORK_HOST_BITS = "{value!r} has host bits set; did you mean {network}?"
TOO_MANY_NETWORKS = f"At most {MAX_ALLOWED_NETWORKS} networks."
RATE_INVALID = f"Give {RATE_FORMAT}, or nothing for no limit of its own."


def resolve_expiry(
    *, expires_in_days: int | None = None, expires_at: datetime | None = None, now=None
) -> datetime:
    """The expiry asked for, checked against the lifetime rules (Invalid otherwise)."""
    now = now or timezone.now()
    maximum = token_settings.max_lifetime_days
    if expires_in_days is not None and expires_at is not None:
        raise Invalid.field("expires_at", BOTH_EXPIRIES)
    if expires_at is not None:
        if expires_at <= now:
            raise Invalid.field("expires_at", EXPIRY_PAST)
        if expires_at > now + timedelta(days=maximum):
            raise Invalid.field("expires_at", EXPIRY_TOO_FAR.format(days=maximum))
        return expires_at
    if expires_in_days is None:
        expires_in_days = token_settings.default_lifetime_days
    if (
        isinstance(expires_in_days, bool)
        or not isinstance(expires_in_days, int)
        or not 1 <= expires_in_days <= maximum
    ):
        raise Invalid.field("expires_in_days", DAYS_RANGE.format(days=maximum))
    return now + timedelta(days=expires_in_days)


def normalize_networks(values) -> list[str]:
    """Networks in canonical form, duplicates dropped; a bare address means that address only."""
    if len(values) > MAX_ALLOWED_NETWORKS:
        raise Invalid.field("allowed_ips", TOO_MANY_NETWORKS)
    networks: list[str] = []
    for value in values:
        text = str(value).strip()
        try:
            network = ipaddress.ip_network(text)
        except ValueError:
            try:
                suggestion = ipaddress.ip_network(text, strict=False)
            except ValueError:
                raise Invalid.field(
                    "allowed_ips", NETWORK_INVALID.format(value=text[:64])) from None
            raise Invalid.field(
                "allowed_ips", NETWORK_HOST_BITS.format(value=text, network=suggestion)
            ) from None
        if str(network) not in networks:
            networks.append(str(network))
    return networks


def normalize_rate(value) -> str | None:
    """A request limit in canonical form (`100/minute`); None or blank: no limit of its own."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return str(parse_rate(value))
    except ValueError:
        raise Invalid.field("rate_limit", RATE_INVALID) from None
