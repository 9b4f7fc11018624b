"""The abuse limits of the token path (issue 19), counted in fixed windows (`common.counters`).

Failed Bearer authentications per client address (AUTH_FAILURE_RATE): each failure below the limit
is its own `auth.failed`. Past it, every Bearer request from that address is refused (429) before
any database work until the window ends; those requests, and any failure that raced past the
check, are counted, and become one `auth.failed` (reason `throttled`, `details.count`) written by
the address's next request after the window: a flood adds at most one row per address per
window beyond the limit. IPv6 addresses count per /64, the block one subscriber usually holds.

A token's own request limit (its `rate_limit`, else TOKEN_RATE): a token with neither costs
nothing here, not even a cache round trip.
"""

import logging
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import DatabaseError

from audit.models import AuditEvent
from audit.services import build_event, record_many
from common.counters import address_key, counters
from common.rates import Rate, parse_rate
from tokens.conf import token_settings

logger = logging.getLogger(__name__)

clock = time.time  # epoch seconds; the tests move it
MARGIN_SECONDS = 5  # a window's counter outlives the window by this much
SUMMARY_HOLD_SECONDS = 86_400  # how long an overflowed window waits for its summary
THROTTLED = "throttled"


@dataclass(frozen=True)
class Window:
    rate: Rate
    index: int

    @classmethod
    def at(cls, rate: Rate, moment: float) -> "Window":
        return cls(rate=rate, index=int(moment // rate.seconds))

    @property
    def start(self) -> int:
        return self.index * self.rate.seconds

    @property
    def end(self) -> int:
        return self.start + self.rate.seconds

    def wait(self, moment: float) -> int:
        """Whole seconds until the window ends (at least 1): the `Retry-After`."""
        return max(1, math.ceil(self.end - moment))


def _failures_key(address: str, window: Window) -> str:
    return f"tokens:auth-failures:{address}:{window.rate.seconds}:{window.index}"


def _pending_key(address: str) -> str:
    return f"tokens:auth-failures-pending:{address}"


def check_address(ip: str | None) -> int | None:
    """Before any database work: the seconds to wait when `ip` is past AUTH_FAILURE_RATE in this
    window (this request is counted as one more), else None. The first request after a window
    that went past the limit writes that window's summary."""
    rate = parse_rate(token_settings.auth_failure_rate)
    moment = clock()
    window = Window.at(rate, moment)
    address = address_key(ip)
    key, pending = _failures_key(address, window), _pending_key(address)
    values = counters.get_many([key, pending])
    if values.get(key, 0) >= rate.count:
        _count(address, ip, window)
        return window.wait(moment)
    overflowed = values.get(pending)
    if overflowed is not None:
        past = Window(rate=parse_rate(overflowed["rate"]), index=overflowed["window"])
        if past.end <= moment and counters.delete(pending):  # one request writes it
            _write_summary(address, past, overflowed["ip"])
    return None


def note_failure(ip: str | None) -> bool:
    """Count a failed Bearer authentication from `ip`; whether it gets its own `auth.failed`
    (False: it is past the limit, and part of the window's summary)."""
    rate = parse_rate(token_settings.auth_failure_rate)
    return _count(address_key(ip), ip, Window.at(rate, clock())) <= rate.count


def _count(address: str, ip: str | None, window: Window) -> int:
    key = _failures_key(address, window)
    count = counters.hit(key, window.rate.seconds + MARGIN_SECONDS)
    if count == window.rate.count + 1:  # the one request that goes past the limit
        counters.touch(key, window.rate.seconds + SUMMARY_HOLD_SECONDS)
        counters.set(_pending_key(address),
                     {"rate": str(window.rate), "window": window.index, "ip": ip},
                     window.rate.seconds + SUMMARY_HOLD_SECONDS)
        logger.warning("%s went past AUTH_FAILURE_RATE (%s): its Bearer requests answer 429 "
                       "until %s.", address, window.rate, _iso(window.end))
    return count


def _write_summary(address: str, window: Window, ip: str | None) -> None:
    total = counters.get(_failures_key(address, window))
    details = {"reason": THROTTLED, "count": None if total is None else total - window.rate.count,
               "rate": str(window.rate), "window_start": _iso(window.start),
               "window_end": _iso(window.end)}
    if address != ip:
        details["address"] = address
    event = build_event(AuditEvent.Event.AUTH_FAILED, status=429, details=details)
    event.ip = ip
    try:
        record_many([event])
    except DatabaseError:  # the request goes on (and fails, if the database is gone) as any other
        logger.error("Could not write the summary of the failed Bearer authentications from %s: "
                     "%s.", address, details)


def _iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).isoformat()


@dataclass(frozen=True)
class Quota:
    """Where a limited token stands in its window: the `X-RateLimit-*` headers' values."""

    limit: int
    remaining: int
    reset: int
    retry_after: int | None  # None: this request is within the limit

    def headers(self) -> dict[str, str]:
        return {"X-RateLimit-Limit": str(self.limit),
                "X-RateLimit-Remaining": str(self.remaining),
                "X-RateLimit-Reset": str(self.reset)}


def token_rate(token) -> Rate | None:
    """The token's request limit: its own, else TOKEN_RATE, else None (unlimited)."""
    text = token.rate_limit or token_settings.default_token_rate
    return parse_rate(text) if text else None


def consume(token, rate: Rate) -> Quota:
    """Count one request of a limited token in its window."""
    moment = clock()
    window = Window.at(rate, moment)
    used = counters.hit(f"tokens:token-requests:{token.pk}:{window.index}",
                        rate.seconds + MARGIN_SECONDS)
    return Quota(limit=rate.count, remaining=max(0, rate.count - used), reset=window.end,
                 retry_after=None if used <= rate.count else window.wait(moment))
