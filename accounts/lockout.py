"""The login limit (issue 19): LOGIN_FAILURE_LIMIT failed password logins for one username, or
from one address, within a window of LOGIN_LOCKOUT_MINUTES lock that username, or that address,
for LOGIN_LOCKOUT_MINUTES from the failure that reached the limit.

Every password login passes through the authentication backend, which calls `begin()` before it
looks at the password and `Attempt.end()` after. An attempt is counted before its password is
checked and given back when it succeeds, so guesses sent all at once get no more password checks
than the limit. While locked, every attempt is refused, the right password too, without a look at
the database: the same answer whether the username exists or not. Usernames count
case-insensitively (they are unique so), addresses as `common.counters.address_key` counts them
(an IPv6 address by its /64). The counts live in the shared cache, or in each process while it
fails (`common.counters`). Each lock-out is one `login.locked` event.

Not django-axes: it counts a failure after the password check (from `user_login_failed`), so a
burst sent at once gets through; it refuses LocMemCache, the cache without REDIS_URL; its cache
handler has no fallback when Redis fails; its database handler writes a row per attempt. These
counters share the Bearer failure limit's cache and fallback instead.
"""

import hashlib
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.conf import settings

from audit.context import client_ip
from audit.models import AuditEvent
from audit.sanitize import capped
from audit.services import record
from common.counters import address_key, counters

logger = logging.getLogger(__name__)

clock = time.time  # epoch seconds; the tests move it
LOCKED_MESSAGE = "Too many failed login attempts. Try again later."
USERNAME, ADDRESS = "username", "address"
MARGIN_SECONDS = 5  # a count or a lock outlives its window by this much
_REFUSED = "_login_locked_out"  # set on the request whose attempt the limit refused


@dataclass(frozen=True)
class Subject:
    """What a limit counts: a username (lower-cased) or an address."""

    kind: str
    value: str

    @property
    def key(self) -> str:
        # A username is whatever was typed: a digest keeps any text out of the cache key.
        ident = self.value if self.kind == ADDRESS else hashlib.sha256(
            self.value.encode("utf-8", "surrogatepass")).hexdigest()
        return f"accounts:login:{self.kind}:{ident}"


@dataclass
class Attempt:
    """One password login: what it counted, and whether the limit refused it."""

    request: Any
    moment: float
    refused: bool
    counted: dict[Subject, tuple[str, int]] = field(default_factory=dict)

    def end(self, *, succeeded: bool) -> None:
        """Give the counts back after a success; after a failure, lock what reached the limit."""
        if succeeded:
            for key, _count in self.counted.values():
                counters.release(key)
            return
        limit, seconds = _limits()
        for subject, (_key, count) in self.counted.items():
            if count == limit:  # the one failure that reaches the limit in this window
                _lock(subject, self, limit=limit, seconds=seconds)


def _limits() -> tuple[int, int]:
    """(LOGIN_FAILURE_LIMIT, LOGIN_LOCKOUT_MINUTES in seconds), read at use."""
    return settings.LOGIN_FAILURE_LIMIT, settings.LOGIN_LOCKOUT_MINUTES * 60


def _subjects(request, username: str) -> list[Subject]:
    """The username, and the request's address (none without a request)."""
    found = [Subject(USERNAME, str(username).lower())]
    if request is not None:
        found.append(Subject(ADDRESS, address_key(client_ip(request))))
    return found


def begin(request, username: str) -> Attempt:
    """Count a password login for `username` from `request`'s address, before its password is
    checked; refused (nothing counted) while either is locked, or past the limit."""
    limit, seconds = _limits()
    moment = clock()
    counted_subjects = _subjects(request, username)
    locks = counters.get_many([f"{subject.key}:locked" for subject in counted_subjects])
    if any(until > moment for until in locks.values()):
        return _refuse(request, moment)
    index = int(moment // seconds)
    attempt = Attempt(request=request, moment=moment, refused=False)
    for subject in counted_subjects:
        key = f"{subject.key}:failures:{seconds}:{index}"
        attempt.counted[subject] = (key, counters.hit(key, seconds + MARGIN_SECONDS))
    if any(count > limit for _key, count in attempt.counted.values()):
        # Past the limit while the attempt that reached it is still running: its lock is coming.
        return _refuse(request, moment)
    return attempt


def _refuse(request, moment: float) -> Attempt:
    if request is not None:
        setattr(request, _REFUSED, True)
    return Attempt(request=request, moment=moment, refused=True)


def refused(request) -> bool:
    """Whether the login limit refused this request's attempt (the form's message says so)."""
    return getattr(request, _REFUSED, False)


def _lock(subject: Subject, attempt: Attempt, *, limit: int, seconds: int) -> None:
    until = attempt.moment + seconds
    counters.set(f"{subject.key}:locked", until, seconds + MARGIN_SECONDS)
    until_text = datetime.fromtimestamp(until, tz=UTC).isoformat()
    record(
        AuditEvent.Event.LOGIN_LOCKED, request=attempt.request,
        details={"locked": subject.kind, subject.kind: capped(subject.value, 150),
                 "failures": limit, "minutes": seconds // 60, "until": until_text},
    )
    shown = subject.value if subject.kind == ADDRESS else "a username"
    logger.warning("Password logins for %s are locked until %s after %d failures (see the "
                   "login.locked audit event).", shown, until_text, limit)
