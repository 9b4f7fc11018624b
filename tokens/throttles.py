"""The leak-report and lookup throttles: per client address, rate read at use (LEAK_REPORT_RATE),
counted in the shared cache or, while it fails, in each process (`common.counters`)."""

from rest_framework.throttling import SimpleRateThrottle

from audit.context import client_ip
from common.counters import counters
from tokens.conf import token_settings


class LeakReportThrottle(SimpleRateThrottle):
    scope = "leak_report"
    cache = counters

    def get_rate(self) -> str:
        return token_settings.leak_report_rate

    def get_cache_key(self, request, view) -> str:
        # A DRF request wraps the HttpRequest; the admin's lookup page passes the HttpRequest.
        audit = getattr(getattr(request, "_request", request), "audit", None)
        ip = audit.ip if audit is not None else client_ip(request)
        return self.cache_format % {"scope": self.scope, "ident": ip or "unknown"}


class TokenLookupThrottle(LeakReportThrottle):
    """`tokens/lookup/`: the same rate, counted apart (lookups do not use up leak reports)."""

    scope = "token_lookup"
