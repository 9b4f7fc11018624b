"""Roles (Django groups) and their model-wide permissions (API.md §7), as the group admin has them.

Who may: reading needs `auth.view_group` or `auth.change_group` (the group admin's view) or the
User configurator permission; creating needs `auth.add_group`, changing `auth.change_group`, and
both pass the no-escalation rule through `accounts.services.groups`, exactly as the admin does.
"""

from django.contrib.auth.models import Group, Permission
from django.db.models import Count, Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from accounts import services
from accounts.permissions import CanAddRoles, CanChangeRoles, CanViewRoles
from accounts.serializers import RoleSerializer, RoleUpdateSerializer

REFUSED = OpenApiResponse(
    response=OpenApiTypes.OBJECT,
    description="Refused by the no-escalation rule: a permission the caller does not hold, a "
                "member holding one, accounts.configure_users or tokens.issue_token for a role "
                "with programmatic members (superusers only), or no User configurator "
                "permission.")


def roles():
    """Groups with their permissions (one prefetch) and member counts."""
    return Group.objects.annotate(member_count=Count("user", distinct=True)).prefetch_related(
        Prefetch("permissions", queryset=Permission.objects.select_related("content_type")))


@extend_schema_view(
    create=extend_schema(request=RoleSerializer, responses={201: RoleSerializer, 403: REFUSED}),
    partial_update=extend_schema(request=RoleUpdateSerializer,
                                 responses={200: RoleSerializer, 403: REFUSED}),
)
class RoleViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, mixins.RetrieveModelMixin,
                  mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Roles: list, create (name and permissions), change their permissions."""

    serializer_class = RoleSerializer
    lookup_value_regex = r"[0-9]+"  # anything else is not an id: the API's 404
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_permissions(self):
        if self.action == "create":
            return [CanAddRoles()]
        if self.action in {"update", "partial_update"}:
            return [CanChangeRoles()]
        return [CanViewRoles()]

    def get_queryset(self):
        return roles()

    def get_serializer_class(self):
        if self.action in {"update", "partial_update"}:
            return RoleUpdateSerializer
        return RoleSerializer

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        group = services.group_create(actor=request.user, request=request,
                                      **serializer.validated_data)
        return Response(RoleSerializer(roles().get(pk=group.pk)).data,
                        status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        kwargs.pop("partial", None)
        group = self.get_object()
        serializer = self.get_serializer(group, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        if "permissions" in serializer.validated_data:
            group = services.group_update(actor=request.user, group=group, request=request,
                                          permissions=serializer.validated_data["permissions"])
        return Response(RoleSerializer(roles().get(pk=group.pk)).data)
