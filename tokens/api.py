"""Token endpoints (API.md §3). Views validate, call one service, serialize the result."""

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from audit.stats import token_daily_status_counts
from common.ids import INVALID_ID, parse_id
from permissions.permissions import IsActiveUser
from tokens import selectors, services, suspension
from tokens.exceptions import SESSION_SELF_ROTATE
from tokens.models import ApiToken
from tokens.permissions import CanIssueTokens, CanViewTokens, for_method
from tokens.serializers import (
    ApiTokenSerializer,
    IssuedTokenSerializer,
    MeSerializer,
    TokenIssueSerializer,
    TokenRevokeSerializer,
    TokenRotateSerializer,
    TokenUsageQuerySerializer,
    TokenUsageSerializer,
    me_body,
    usage_body,
)

NO_STORE = {"Cache-Control": "no-store"}
SWITCH_CONFLICT = OpenApiResponse(
    response=OpenApiTypes.OBJECT,
    description="The token's state does not allow this: only an active or rotating token can be "
                "suspended, only a suspended one resumed.")


def issued_response(issued: services.IssuedToken, context: dict) -> Response:
    body = IssuedTokenSerializer(issued, context=context).data
    return Response(body, status=status.HTTP_201_CREATED, headers=NO_STORE)


def _tokens():
    return ApiToken.objects.select_related("user", "replaced_by")


class ProgrammaticUserTokensView(generics.ListCreateAPIView):
    """A user's tokens (GET, needs tokens.view_apitoken); issue one (POST, tokens.issue_token)."""

    serializer_class = ApiTokenSerializer

    def get_permissions(self):
        return [for_method(self.request)()]

    def get_user(self) -> User:
        return get_object_or_404(User.objects.accounts(), pk=self.kwargs["user_id"])

    def get_queryset(self):
        return _tokens().filter(user=self.get_user())

    @extend_schema(request=TokenIssueSerializer, responses={201: IssuedTokenSerializer})
    def post(self, request, user_id: int):
        user = self.get_user()
        serializer = TokenIssueSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        issued = services.token_issue(actor=request.user, user=user, request=request,
                                      **serializer.validated_data)
        return issued_response(issued, self.get_serializer_context())


class ApiTokenViewSet(viewsets.ReadOnlyModelViewSet):
    """Every token (never its plaintext or digest); revoke and rotate."""

    serializer_class = ApiTokenSerializer
    lookup_value_regex = r"[0-9]+"

    def get_permissions(self):
        if self.action in {"revoke", "rotate", "suspend", "resume"}:
            return [CanIssueTokens()]
        return [CanViewTokens()]

    def get_queryset(self):
        queryset = _tokens()
        if self.action != "list":
            return queryset
        params = self.request.query_params
        user = params.get("user")
        if user is not None:
            user_id = parse_id(user)
            if user_id is None:
                raise ValidationError({"user": [INVALID_ID]})
            queryset = queryset.filter(user_id=user_id)
        return selectors.with_status_filter(queryset, params.get("status"),
                                            params.get("expiring_within"))

    @extend_schema(parameters=[
        OpenApiParameter("user", int, description="Only this user's tokens."),
        OpenApiParameter(
            "status", str,
            description="Only tokens with this status (the `status` field: `active` does not "
                        "include `rotating`); or `expiring`: active tokens that expire within "
                        "`expiring_within` days (14 by default); `never_used`: working tokens "
                        "that have never authenticated a request; `needs_attention`: either of "
                        "those two (the admin's \"needs attention\" lists). Several, "
                        "comma-separated, match any of them; an unknown value is 400. One of: "
                        + ", ".join(selectors.STATUS_FILTERS) + "."),
        OpenApiParameter(
            "expiring_within", int,
            description="With `status=expiring` or `status=needs_attention`: the window in "
                        "days, 1 to 365 (default 14)."),
    ])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=None, responses={200: ApiTokenSerializer, 409: SWITCH_CONFLICT})
    @action(detail=True, methods=["post"])
    def suspend(self, request, pk=None):
        """Switch the token off (401 for every request) until it is resumed; it still expires."""
        token = suspension.token_suspend(actor=request.user, token=self.get_object(),
                                         request=request)
        return Response(ApiTokenSerializer(_tokens().get(pk=token.pk)).data)

    @extend_schema(request=None, responses={200: ApiTokenSerializer, 409: SWITCH_CONFLICT})
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        """Switch a suspended token back on, with the expiry it always had."""
        token = suspension.token_resume(actor=request.user, token=self.get_object(),
                                        request=request)
        return Response(ApiTokenSerializer(_tokens().get(pk=token.pk)).data)

    @extend_schema(parameters=[TokenUsageQuerySerializer], responses={200: TokenUsageSerializer})
    @action(detail=True, methods=["get"])
    def usage(self, request, pk=None):
        """Requests made with the token per day (UTC) and per status class (its token.used
        events)."""
        token = self.get_object()
        query = TokenUsageQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        days = query.validated_data["days"]
        return Response(usage_body(token, days,
                                   token_daily_status_counts(token_id=token.pk, days=days)))

    @extend_schema(request=TokenRevokeSerializer, responses={200: ApiTokenSerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        token = self.get_object()
        serializer = TokenRevokeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token = services.token_revoke(actor=request.user, token=token, request=request,
                                      **serializer.validated_data)
        return Response(ApiTokenSerializer(_tokens().get(pk=token.pk)).data)

    @extend_schema(request=TokenRotateSerializer, responses={201: IssuedTokenSerializer})
    @action(detail=True, methods=["post"])
    def rotate(self, request, pk=None):
        token = self.get_object()
        serializer = TokenRotateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        issued = services.token_rotate(actor=request.user, token=token, request=request,
                                       grace_hours=serializer.validated_data["grace_hours"])
        return issued_response(issued, self.get_serializer_context())


class MeView(APIView):
    """Who the caller is, and the token it uses (null for a session)."""

    permission_classes = [IsActiveUser]

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        user = request.user
        token = request.auth if isinstance(request.auth, ApiToken) else None
        return Response(me_body(user, token))


class SelfRotateView(APIView):
    """The token in use replaces itself; the old one stops working at once."""

    permission_classes = [IsActiveUser]

    @extend_schema(request=None, responses={201: IssuedTokenSerializer})
    def post(self, request):
        if not isinstance(request.auth, ApiToken):
            raise ValidationError({"non_field_errors": [SESSION_SELF_ROTATE]})
        issued = services.token_self_rotate(token=request.auth, request=request)
        return issued_response(issued, {"request": request})
