"""Counters for the abuse limits in Django's default cache (Redis when REDIS_URL is set, shared by
every process), with a fallback: when the cache fails, each process counts in its own memory.

A cache that is down must not take authentication with it: the limits then hold per process (as
they do without Redis), one warning goes to the log for the outage, and the shared cache is tried
again every RETRY_SECONDS. Nothing here raises for a cache error.
"""

import contextlib
import ipaddress
import logging
import threading
import time

from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache

logger = logging.getLogger(__name__)

RETRY_SECONDS = 30
FALLBACK_ENTRIES = 10_000
IPV6_BLOCK = 64


def address_key(ip: str | None) -> str:
    """What an abuse limit counts an address by: the address, an IPv6 address's /64 (the block
    one subscriber usually holds); "unknown" when there is none."""
    if ip is None:
        return "unknown"
    address = ipaddress.ip_address(ip)
    if address.version == 4:
        return str(address)
    if address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(ipaddress.ip_network(f"{address}/{IPV6_BLOCK}", strict=False))


class Counters:
    def __init__(self):
        self._fallback = LocMemCache("abuse-counters-fallback",
                                     {"OPTIONS": {"MAX_ENTRIES": FALLBACK_ENTRIES}})
        self._lock = threading.Lock()
        self._down_until: float | None = None

    def _run(self, operation):
        """`operation(cache)` on the shared cache, or on this process's memory while it fails."""
        down_until = self._down_until
        if down_until is not None and time.monotonic() < down_until:
            return operation(self._fallback)
        try:
            result = operation(caches["default"])
        except Exception as error:  # any backend's error (connection, timeout, protocol)
            self._mark_down(error)
            return operation(self._fallback)
        if down_until is not None:
            self._mark_up()
        return result

    def _mark_down(self, error: Exception) -> None:
        with self._lock:
            first = self._down_until is None
            self._down_until = time.monotonic() + RETRY_SECONDS
        if first:
            logger.warning("The shared cache failed (%s: %s): abuse limits are counted per "
                           "process until it answers again.", type(error).__name__, error)

    def _mark_up(self) -> None:
        with self._lock:
            self._down_until = None
        logger.info("The shared cache answers again: abuse limits are shared again.")

    def hit(self, key: str, timeout: int) -> int:
        """Add one to `key` (created with `timeout` seconds to live); the new count."""

        def increment(cache) -> int:
            try:
                return cache.incr(key)
            except ValueError:  # no such key yet: create it, unless another request just did
                return 1 if cache.add(key, 1, timeout) else cache.incr(key)

        return self._run(increment)

    def release(self, key: str) -> None:
        """Take one back from `key` (something counted that turned out not to count); nothing
        when it is gone."""

        def decrement(cache) -> None:
            with contextlib.suppress(ValueError):  # expired meanwhile: nothing to give back
                cache.decr(key)

        self._run(decrement)

    def get_many(self, keys: list[str]) -> dict:
        return self._run(lambda cache: cache.get_many(keys))

    def get(self, key: str, default=None):
        return self._run(lambda cache: cache.get(key, default))

    def set(self, key: str, value, timeout: int) -> None:
        self._run(lambda cache: cache.set(key, value, timeout))

    def touch(self, key: str, timeout: int) -> bool:
        return self._run(lambda cache: cache.touch(key, timeout))

    def delete(self, key: str) -> bool:
        """Delete `key`; True for the one caller that deleted it (a claim)."""
        return self._run(lambda cache: cache.delete(key))

    def reset(self) -> None:
        """Forget the fallback's counts and any outage (tests)."""
        self._fallback.clear()
        with self._lock:
            self._down_until = None


counters = Counters()
