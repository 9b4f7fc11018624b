"""GET audit-events/ and GET audit-events/export/ (API.md §3). No write method, for anyone."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.exceptions import MethodNotAllowed
from rest_framework.permissions import SAFE_METHODS
from rest_framework.views import APIView

from audit import selectors
from audit.export import export_response
from audit.permissions import CanViewAuditLog
from audit.serializers import AuditEventSerializer, AuditExportSerializer, AuditFilterSerializer
from common.pagination import CursorPagination


class NewestFirst(CursorPagination):
    """By time, then id: every filter has an (x, occurred_at) index, so a page is an index range
    at any size (ordering by id alone made PostgreSQL walk the primary key past every other
    token's events; bench/RESULTS.md has the figures)."""

    ordering = ("-occurred_at", "-id")


class ReadOnlyAuditView:
    """Refuses every write method with 405 before authentication: none exists for anyone."""

    permission_classes = [CanViewAuditLog]

    def initial(self, request, *args, **kwargs):
        if request.method not in SAFE_METHODS:
            raise MethodNotAllowed(request.method)
        super().initial(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        """Nothing of the log is kept by a browser or a proxy."""
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        return response

    def filters(self, serializer_class=AuditFilterSerializer) -> dict:
        # A plain dict, not the QueryDict: DRF reads an empty HTML-form value as "not given",
        # so ?event= would silently mean every event. Here it is refused like any bad value.
        serializer = serializer_class(data=self.request.query_params.dict())
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


@extend_schema(parameters=[AuditFilterSerializer])
class AuditEventList(ReadOnlyAuditView, generics.ListAPIView):
    """Audit events, newest first, cursor-paginated."""

    serializer_class = AuditEventSerializer
    pagination_class = NewestFirst

    def get_queryset(self):
        return selectors.audit_events(**self.filters())


@extend_schema(
    parameters=[AuditExportSerializer],
    responses={200: OpenApiResponse(description="CSV or JSON Lines, streamed.")},
)
class AuditEventExport(ReadOnlyAuditView, APIView):
    """The filtered events as CSV or JSON Lines, streamed in constant memory."""

    def get(self, request):
        filters = dict(self.filters(AuditExportSerializer))
        fmt = filters.pop("format")
        return export_response(selectors.audit_events(**filters), fmt)
