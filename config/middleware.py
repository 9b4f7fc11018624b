"""Request guards that apply before any view, and the answer to a lost database."""

import logging

from django.conf import settings
from django.http import Http404

from common.http import DATABASE_ERRORS, database_unavailable, field_error, is_api, json_error
from common.ids import INVALID_ID, parse_id
from common.parsers import NULL_CHARACTER

logger = logging.getLogger(__name__)
MAX_QUERY_VALUE_LENGTH = 1000
MAX_QUERY_NAME_LENGTH = 100
QUERY_VALUE_TOO_LONG = f"Ensure this value has at most {MAX_QUERY_VALUE_LENGTH} characters."
QUERY_NAME_TOO_LONG = f"Ensure parameter names have at most {MAX_QUERY_NAME_LENGTH} characters."


class BodySizeLimitMiddleware:
    """Refuse bodies over MAX_REQUEST_BODY_BYTES with 413 before anything reads them.

    DRF's parsers read the raw stream and so bypass DATA_UPLOAD_MAX_MEMORY_SIZE.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.MAX_REQUEST_BODY_BYTES
        raw = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(raw)
        except ValueError:
            return json_error(request, 400, "Invalid Content-Length header.", "parse_error")
        if length > limit:
            return json_error(request, 413, f"Request body too large (limit {limit} bytes).",
                              "request_too_large")
        return self.get_response(request)


def is_id_parameter(name: str) -> bool:
    """Whether a URL parameter names an id (`pk`, `object_id`, `user_id`, ...)."""
    return name in {"pk", "id"} or name.endswith(("_id", "_pk"))


def answers(view_func, method: str) -> bool:
    """Whether the view has a handler for `method` (DRF views say; any other view may)."""
    view_class = getattr(view_func, "cls", None)  # a DRF view
    if view_class is None:
        return True
    method = method.lower()
    if method not in view_class.http_method_names:
        return False
    actions = getattr(view_func, "actions", None)  # a viewset's {method: action}
    return method in actions if actions is not None else hasattr(view_class, method)


class ApiGuardMiddleware:
    """What no view should see: a NUL or an over-long value in an API query string, an id in an
    address that is not an id (API: 400 naming it; elsewhere, such as the admin: 404)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if is_api(request):
            refusal = self.refuse_query(request)
            if refusal is not None:
                return refusal
        return self.get_response(request)

    @staticmethod
    def refuse_query(request):
        for name, values in request.GET.lists():
            if "\x00" in name or len(name) > MAX_QUERY_NAME_LENGTH:
                message = NULL_CHARACTER if "\x00" in name else QUERY_NAME_TOO_LONG
                return field_error(request, 400, "non_field_errors", message)
            for value in values:
                if "\x00" in value:
                    return field_error(request, 400, name, NULL_CHARACTER)
                if len(value) > MAX_QUERY_VALUE_LENGTH:
                    return field_error(request, 400, name, QUERY_VALUE_TOO_LONG)
        return None

    @staticmethod
    def process_view(request, view_func, view_args, view_kwargs):
        if not answers(view_func, request.method):
            return None  # the view's own 405 comes first
        for name, value in view_kwargs.items():
            if is_id_parameter(name) and parse_id(value) is None:
                if is_api(request):
                    return field_error(request, 400, "id" if name == "pk" else name, INVALID_ID)
                raise Http404
        return None


class DatabaseUnavailableMiddleware:
    """A view that loses the database answers 503 with Retry-After, not a 500 page.

    (DRF views answer it in the API's exception handler; whatever a middleware raises reaches
    `config.error_views.server_error`, which maps it the same way.)
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    @staticmethod
    def process_exception(request, exception):
        if not isinstance(exception, DATABASE_ERRORS):
            return None
        logger.warning("Database unavailable (%s: %s): answered 503.",
                       type(exception).__name__, exception)
        return database_unavailable(request)
