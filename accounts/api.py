"""The user selector and the programmatic-user endpoints (API.md §3). Views stay thin."""

from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from accounts import hooks, services
from accounts.models import User
from accounts.permissions import CanConfigureUsers, CanPickUsers
from accounts.serializers import (
    PersonSerializer,
    ProgrammaticUserSerializer,
    ProgrammaticUserUpdateSerializer,
)

ISSUE_TOKEN_NEEDED = "Issuing a token needs the Token configurator permission (tokens.issue_token)."


@extend_schema_view(list=extend_schema(parameters=[OpenApiParameter(
    "search", str, description="Matches username, first and last name (contains, any case).")]))
class UserPickerViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Active personal users: what any picker of people offers."""

    serializer_class = PersonSerializer
    permission_classes = [CanPickUsers]

    def get_queryset(self):
        return User.objects.personal().search(self.request.query_params.get("search", ""))


def _flag(request, name: str) -> bool:
    """A boolean query parameter (true/false, 1/0, yes/no, on/off); anything else is 400."""
    value = request.query_params.get(name)
    if value is None:
        return False
    try:
        return serializers.BooleanField().to_internal_value(value)
    except ValidationError as error:
        raise ValidationError({name: error.detail}) from None


class ProgrammaticUserViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [CanConfigureUsers]
    lookup_value_regex = r"[0-9]+"  # anything else is not an id: the API's 404
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return User.objects.programmatic().prefetch_related("groups")

    def get_serializer_class(self):
        if self.action in {"update", "partial_update"}:
            return ProgrammaticUserUpdateSerializer
        return ProgrammaticUserSerializer

    @extend_schema(parameters=[OpenApiParameter("include_token", bool, description=(
        "Also issue a first token named `initial` (needs tokens.issue_token); its plaintext is "
        "returned once under `token`."))])
    def create(self, request, *args, **kwargs):
        include_token = _flag(request, "include_token")
        if include_token and not request.user.has_perm("tokens.issue_token"):
            raise PermissionDenied(ISSUE_TOKEN_NEEDED)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            user = services.programmatic_user_create(
                actor=request.user, request=request, **serializer.validated_data
            )
            token = None
            if include_token:
                token = services.issue_initial_token(actor=request.user, user=user,
                                                     request=request)
        body = ProgrammaticUserSerializer(user, context=self.get_serializer_context()).data
        headers = {}
        if token is not None:
            body["token"] = hooks.initial_token_representation()(
                token, self.get_serializer_context())
            headers["Cache-Control"] = "no-store"
        return Response(body, status=status.HTTP_201_CREATED, headers=headers)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        user = self.get_object()
        serializer = self.get_serializer(user, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        user = services.programmatic_user_update(
            actor=request.user, user=user, request=request, **serializer.validated_data
        )
        user = self.get_queryset().get(pk=user.pk)
        return Response(ProgrammaticUserSerializer(user).data)
