"""What one request contributes to the audit log, gathered as the request runs.

The middleware puts a RequestAudit on every request as `request.audit`; the token authentication
notes the token or the reason it failed, the permission classes note what they checked. The
middleware writes the events once the response status is known.
"""

import ipaddress
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from audit.sanitize import capped

REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def client_ip(request) -> str | None:
    """The caller's address: the socket's, or the X-Forwarded-For hop TRUSTED_PROXY_COUNT names."""
    trusted = settings.TRUSTED_PROXY_COUNT
    candidate = request.META.get("REMOTE_ADDR")
    if trusted > 0:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= trusted:
            candidate = hops[-trusted]
        elif hops:
            candidate = hops[0]
    try:
        return str(ipaddress.ip_address((candidate or "").strip()))
    except ValueError:
        return None


@dataclass
class RequestAudit:
    request_id: str
    ip: str | None
    user_agent: str
    method: str
    path: str
    started: float = field(default_factory=time.perf_counter)
    token: Any = None
    failure_reason: str | None = None
    failed_token: Any = None
    permissions: set[str] = field(default_factory=set)
    # {permission: {"app_label.model:pk", ...}}: the object a permission was checked on (and
    # its container), so an object grant counts only the uses on what it covers.
    objects: dict[str, set[str]] = field(default_factory=dict)
    denied: set[str] = field(default_factory=set)  # permissions a check refused

    @classmethod
    def from_request(cls, request) -> "RequestAudit":
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        # fullmatch: `$` alone lets a trailing newline through, and a header cannot carry one.
        request_id = incoming if REQUEST_ID_RE.fullmatch(incoming) else uuid.uuid4().hex
        return cls(
            request_id=request_id,
            ip=client_ip(request),
            user_agent=capped(request.META.get("HTTP_USER_AGENT", ""), 512),
            method=capped(request.method, 16),
            path=capped(request.path, 1024),
        )

    def note_permission(self, codename: str, on: tuple[str, ...] = ()) -> None:
        self.permissions.add(codename)
        if on:
            self.objects.setdefault(codename, set()).update(on)

    def note_denied(self, codename: str) -> None:
        self.permissions.add(codename)
        self.denied.add(codename)

    def usage_details(self) -> dict:
        """What a `token.used` event records of the checks: every permission exercised, and
        only when there are any, the objects each was checked on and those refused."""
        details: dict = {"permissions": sorted(self.permissions)}
        if self.objects:
            details["objects"] = {name: sorted(refs) for name, refs in sorted(self.objects.items())}
        if self.denied:
            details["denied"] = sorted(self.denied)
        return details

    def elapsed_ms(self) -> float:
        return round((time.perf_counter() - self.started) * 1000, 3)


def note_permission(request, codename: str, on: tuple[str, ...] = ()) -> None:
    """Record that this request exercised `codename` (app_label.codename), on the objects named
    by `on` ("app_label.model:pk": the object and its container) when it is about one."""
    audit = getattr(request, "audit", None)
    if audit is not None:
        audit.note_permission(codename, on)


def note_denied(request, codename: str) -> None:
    """Record that a check of `codename` refused this request."""
    audit = getattr(request, "audit", None)
    if audit is not None:
        audit.note_denied(codename)
