"""Request guards that apply before any view."""

from django.conf import settings
from django.http import JsonResponse


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
            return JsonResponse(
                {"detail": "Invalid Content-Length header.", "code": "parse_error"}, status=400
            )
        if length > limit:
            return JsonResponse(
                {
                    "detail": f"Request body too large (limit {limit} bytes).",
                    "code": "request_too_large",
                },
                status=413,
            )
        return self.get_response(request)
