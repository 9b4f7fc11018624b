"""Answers the API gives outside a view's own flow: the request id, JSON errors, a lost database.

Imports no app: the request id is read from `request.audit` (set by the audit middleware) by
duck typing, so the bottom layer stays at the bottom.
"""

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

API_PREFIX = "/api/"
# What the database driver raises when the server is gone, restarting, unreachable or locked.
DATABASE_ERRORS = (OperationalError, InterfaceError)
DATABASE_UNAVAILABLE = "The service is temporarily unavailable; retry later."
RETRY_AFTER_SECONDS = 5
PROBES = ("/healthz", "/readyz")
UNAVAILABLE_PAGE = defaults.ERROR_PAGE_TEMPLATE % {
    "title": "Service Unavailable",
    "details": "The service is temporarily unavailable. Try again in a few seconds.",
}


def is_api(request: HttpRequest) -> bool:
    """Whether `request` is addressed to the API (its answers are JSON, never HTML)."""
    return request.path.startswith(API_PREFIX)


def request_id_of(request) -> str | None:
    """The request's id (X-Request-ID), if the audit middleware gave it one."""
    return getattr(getattr(request, "audit", None), "request_id", None)


def with_request_id(body: dict, request) -> dict:
    """`body` with the request's id under `request_id` (API.md §1 allows it on any error)."""
    request_id = request_id_of(request)
    if request_id is not None:
        body["request_id"] = request_id
    return body


def json_error(request, status: int, detail: str, code: str,
               headers: dict[str, str] | None = None) -> JsonResponse:
    """`{"detail", "code", "request_id"}` with `status`."""
    body = with_request_id({"detail": detail, "code": code}, request)
    return JsonResponse(body, status=status, headers=headers)


def field_error(request, status: int, field: str, message: str) -> JsonResponse:
    """`{field: [message], "request_id"}` with `status`: DRF's shape of a field error."""
    return JsonResponse(with_request_id({field: [message]}, request), status=status)


def database_unavailable_json(request) -> JsonResponse:
    """503 with Retry-After: the database is unreachable; nothing was done."""
    return json_error(request, 503, DATABASE_UNAVAILABLE, "service_unavailable",
                      headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def database_unavailable(request) -> HttpResponse:
    """503 with Retry-After: JSON for the API and the probes, a plain page for the admin.

    Built without templates or the session: nothing here may need the database.
    """
    if is_api(request) or request.path in PROBES:
        return database_unavailable_json(request)
    return HttpResponse(UNAVAILABLE_PAGE, status=503,
                        headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
