"""Grants of a programmatic user, and the caller's own effective permissions (API.md §3)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from permissions import selectors, services
from permissions.lookups import object_ref
from permissions.permissions import (
    IsActiveUser,
    any_permission_required,
    model_permission_required,
)
from permissions.serializers import (
    GrantListSerializer,
    GrantOutSerializer,
    GrantSerializer,
    MyPermissionsSerializer,
    PermissionUsageSerializer,
    UsageQuerySerializer,
)
from permissions.usage import permission_usage

CONFIGURE_USERS = "accounts.configure_users"
VIEW_AUDIT_LOG = "audit.view_auditevent"  # auditors read the advice too


class ProgrammaticUserPermissionsView(APIView):
    """List, grant (POST) and revoke (DELETE, same body) a programmatic user's permissions."""

    permission_classes = [model_permission_required(CONFIGURE_USERS)]

    def get_user(self, user_id: int) -> User:
        user = User.objects.programmatic().filter(pk=user_id).first()
        if user is None:
            raise NotFound()
        return user

    def _validated(self, request) -> dict:
        serializer = GrantSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @extend_schema(responses=GrantListSerializer)
    def get(self, request, user_id: int):
        user = self.get_user(user_id)
        return Response({"next": None, "previous": None, "results": selectors.grant_list(user)})

    @extend_schema(request=GrantSerializer, responses={201: GrantOutSerializer,
                                                       200: GrantOutSerializer})
    def post(self, request, user_id: int):
        user = self.get_user(user_id)
        data = self._validated(request)
        created = services.permission_grant(
            actor=request.user, user=user, permission=data["permission"], obj=data["obj"],
            request=request,
        )
        body = {"permission": data["permission"], "object": object_ref(data["obj"]),
                "group": None}
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(request=GrantSerializer, responses={204: None})
    def delete(self, request, user_id: int):
        user = self.get_user(user_id)
        data = self._validated(request)
        services.permission_revoke(
            actor=request.user, user=user, permission=data["permission"], obj=data["obj"],
            request=request,
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class MyPermissionsView(APIView):
    """The caller's effective permissions: model-wide, and per object grouped by type."""

    permission_classes = [IsActiveUser]

    @extend_schema(responses=MyPermissionsSerializer)
    def get(self, request):
        return Response(selectors.my_permissions(request.user))


class PermissionUsageView(APIView):
    """Least-privilege advice: every permission the user holds, and its tokens' use of it.
    Read by configurators and auditors."""

    permission_classes = [any_permission_required(CONFIGURE_USERS, VIEW_AUDIT_LOG)]

    @extend_schema(parameters=[OpenApiParameter("days", int, description="Window, 1 to 365 "
                                                "days (default 90).")],
                   responses=PermissionUsageSerializer)
    def get(self, request, user_id: int):
        user = User.objects.programmatic().filter(pk=user_id).first()
        if user is None:
            raise NotFound()
        query = UsageQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        report = permission_usage(user, days=query.validated_data["days"])
        return Response(PermissionUsageSerializer(report).data)
