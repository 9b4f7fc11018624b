"""People (personal accounts) for configurators: list, create, deactivate (API.md §7).

Every write goes through `accounts.services.people`: the no-escalation rule first, the audit
event in the same transaction. Programmatic users never appear here (programmatic-users/).
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from accounts import services
from accounts.models import User
from accounts.permissions import CanConfigureUsers
from accounts.serializers import PersonAccountSerializer, PersonCreateSerializer

DEACTIVATE_REFUSED = OpenApiResponse(
    response=OpenApiTypes.OBJECT,
    description="Refused: the account holds a permission the caller lacks (only a superuser, "
                "or someone holding all of them, may change it).")
OWN_ACCOUNT = OpenApiResponse(response=OpenApiTypes.OBJECT,
                              description="The caller's own account cannot be deactivated.")
ALREADY_INACTIVE = OpenApiResponse(response=OpenApiTypes.OBJECT,
                                   description="The account is already inactive.")


def _active_filter(request) -> bool | None:
    """`?is_active=` as a boolean (None when absent); anything but a boolean is 400."""
    value = request.query_params.get("is_active")
    if value is None:
        return None
    try:
        return serializers.BooleanField().to_internal_value(value)
    except ValidationError as error:
        raise ValidationError({"is_active": error.detail}) from None


@extend_schema_view(
    list=extend_schema(parameters=[
        OpenApiParameter("search", str,
                         description="Matches username, first and last name (contains, any case)."),
        OpenApiParameter("is_active", bool, description="Only active (true) or inactive (false) "
                                                        "people."),
    ]),
    create=extend_schema(request=PersonCreateSerializer,
                         responses={201: PersonAccountSerializer}),
)
class PeopleViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, mixins.RetrieveModelMixin,
                    viewsets.GenericViewSet):
    """Personal accounts, active or not (needs accounts.configure_users)."""

    serializer_class = PersonAccountSerializer
    permission_classes = [CanConfigureUsers]
    lookup_value_regex = r"[0-9]+"  # anything else is not an id: the API's 404

    def get_queryset(self):
        people = User.objects.people().prefetch_related("groups")
        if self.action != "list":
            return people
        active = _active_filter(self.request)
        if active is not None:
            people = people.filter(is_active=active)
        return people.search(self.request.query_params.get("search", ""))

    def create(self, request, *args, **kwargs):
        serializer = PersonCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        person = services.person_create(actor=request.user, request=request,
                                        **serializer.validated_data)
        body = PersonAccountSerializer(self.get_queryset().get(pk=person.pk)).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: PersonAccountSerializer, 400: OWN_ACCOUNT,
                                            403: DEACTIVATE_REFUSED, 409: ALREADY_INACTIVE})
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        """Deactivate a person: no more logins or session requests; nothing else is taken."""
        person = services.person_deactivate(actor=request.user, person=self.get_object(),
                                            request=request)
        return Response(PersonAccountSerializer(self.get_queryset().get(pk=person.pk)).data)
