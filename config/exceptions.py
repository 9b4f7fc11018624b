"""API error bodies: DRF's, plus a machine-readable `code` for non-field errors.

Django's own ValidationError (raised by model validation inside services) becomes a 400 with
field errors, like a serializer's; Http404 becomes one `not_found` body that names no model.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    if isinstance(exc, Http404):
        # One body for "missing" and "not yours", naming no model (API.md §2).
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    elif isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = exc.message_dict
        else:
            detail = {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
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
    return response
