"""API error bodies: DRF's, plus a machine-readable `code` for non-field errors and the request id.

The product's own errors (`common.errors`) are translated here, by kind: invalid 400 (field
errors, or `{"detail", "code"}`), denied 403, not_found 404, conflict 409. Django's own
ValidationError (model validation) becomes a 400 with field errors, like a serializer's; Http404
becomes one `not_found` body that names no model. A lost database is a 503 with Retry-After.
Every error body carries `request_id` (the response's X-Request-ID).
"""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from common import errors
from common.http import (
    DATABASE_ERRORS,
    DATABASE_UNAVAILABLE,
    RETRY_AFTER_SECONDS,
    with_request_id,
)

logger = logging.getLogger(__name__)


class _Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


_BY_KIND = {
    "denied": exceptions.PermissionDenied,
    "not_found": exceptions.NotFound,
    "conflict": _Conflict,
}


def as_api_exception(exc: errors.ProductError) -> exceptions.APIException:
    """The DRF exception that answers a product error."""
    if isinstance(exc, errors.Invalid) and exc.fields:
        return exceptions.ValidationError(detail=exc.fields, code=exc.code)
    if exc.kind == "invalid":
        return exceptions.ValidationError(detail={"non_field_errors": [exc.message]},
                                          code=exc.code)
    return _BY_KIND[exc.kind](detail=exc.message, code=exc.code)


def database_unavailable(exc: Exception, request) -> Response:
    """503 with Retry-After: the database is unreachable (the request did nothing)."""
    logger.warning("Database unavailable (%s: %s): answered 503.", type(exc).__name__, exc)
    body = with_request_id({"detail": DATABASE_UNAVAILABLE, "code": "service_unavailable"},
                           request)
    return Response(body, status=status.HTTP_503_SERVICE_UNAVAILABLE,
                    headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def exception_handler(exc, context):
    request = context.get("request")
    if isinstance(exc, DATABASE_ERRORS):
        return database_unavailable(exc, request)
    if isinstance(exc, errors.ProductError):
        exc = as_api_exception(exc)
    elif isinstance(exc, Http404):
        # One body for "missing" and "not yours", naming no model (API.md §2).
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    elif isinstance(exc, DjangoValidationError):
        invalid = errors.invalid_from(exc)
        exc = exceptions.ValidationError(detail=invalid.fields)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # unexpected: Django logs it once and answers 500 (config.error_views)
    if isinstance(response.data, list):
        # `raise ValidationError("...")` (DRF's own filters do) gives a bare list: keep the one
        # documented shape, an object of field errors.
        response.data = {"non_field_errors": response.data}
    if isinstance(exc, exceptions.APIException) and isinstance(response.data, dict):
        detail = response.data.get("detail")
        if detail is not None and "code" not in response.data:
            code = exc.get_codes()
            if isinstance(code, str):
                response.data["code"] = code
    if isinstance(response.data, dict):
        with_request_id(response.data, request)
    return response
