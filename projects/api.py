"""The business data endpoints: lists and objects narrowed to what the caller may use."""

from rest_framework import filters, viewsets

from permissions.filters import ObjectPermissionsFilter
from permissions.pagination import PermittedCursorPagination
from permissions.permissions import ObjectPermissions
from projects import services
from projects.models import Invoice, Project
from projects.serializers import InvoiceSerializer, ProjectSerializer


class ProtectedViewSet(viewsets.ModelViewSet):
    """A model viewset whose every read and write goes through object permissions."""

    permission_classes = [ObjectPermissions]
    lookup_value_regex = r"[0-9]+"  # anything else is not an id: the API's 404
    filter_backends = [ObjectPermissionsFilter, filters.SearchFilter, filters.OrderingFilter]
    pagination_class = PermittedCursorPagination
    ordering = ("-id",)


class ProjectViewSet(ProtectedViewSet):
    queryset = Project.objects.all()
    serializer_class = ProjectSerializer
    search_fields = ["code", "name"]
    ordering_fields = ["id", "code", "name", "created_at"]

    def perform_create(self, serializer):
        serializer.instance = services.project_create(
            actor=self.request.user, request=self.request, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.project_update(
            actor=self.request.user, project=serializer.instance, request=self.request,
            **serializer.validated_data,
        )

    def perform_destroy(self, instance):
        services.project_delete(actor=self.request.user, project=instance, request=self.request)


class InvoiceViewSet(ProtectedViewSet):
    queryset = Invoice.objects.all()
    serializer_class = InvoiceSerializer
    search_fields = ["number"]
    ordering_fields = ["id", "number", "issued_on", "amount"]

    def perform_create(self, serializer):
        serializer.instance = services.invoice_create(
            actor=self.request.user, request=self.request, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.invoice_update(
            actor=self.request.user, invoice=serializer.instance, request=self.request,
            **serializer.validated_data,
        )

    def perform_destroy(self, instance):
        services.invoice_delete(actor=self.request.user, invoice=instance, request=self.request)
