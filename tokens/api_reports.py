"""Endpoints for tokens found where they should not be (API.md §3, §7): anyone's leak report,
a secret-scanning partner's signed alert, and an auditor's "whose token is this?"."""

import logging
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import (
    AuthenticationFailed,
    MethodNotAllowed,
    NotFound,
    Throttled,
)
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.context import client_ip
from audit.permissions import VIEW_PERMISSION
from permissions.permissions import model_permission_required
from tokens import leaks, limits, lookup, scanning
from tokens.conf import token_settings
from tokens.serializers import (
    LeakReportReceivedSerializer,
    LeakReportSerializer,
    ScanningFeedbackSerializer,
    ScanningItemSerializer,
    TokenLookupResultSerializer,
    TokenLookupSerializer,
)
from tokens.throttles import LeakReportThrottle, TokenLookupThrottle

logger = logging.getLogger(__name__)

NO_STORE = {"Cache-Control": "no-store"}
LEAK_RECEIVED = {"detail": "Thank you. If this was a valid token, it no longer works."}
BAD_SIGNATURE = "The alert is not signed by a configured secret-scanning key."
SIGNATURE_FAILURE_REASON = "bad_signature"
MAX_ALERT_ITEMS = 1000


class LeakReportView(APIView):
    """Anyone who finds a leaked token can kill it; the answer never tells whether it matched."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [LeakReportThrottle]

    @extend_schema(request=LeakReportSerializer, responses={202: LeakReportReceivedSerializer},
                   auth=[])
    def post(self, request):
        serializer = LeakReportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        leaks.token_report_leak(plaintext=serializer.validated_data["token"], request=request)
        return Response(LEAK_RECEIVED, status=status.HTTP_202_ACCEPTED)


class TokenLookupView(APIView):
    """Whose token is this? The token's owner and state for an auditor; it is not revoked."""

    permission_classes = [model_permission_required(VIEW_PERMISSION)]
    throttle_classes = [TokenLookupThrottle]

    @extend_schema(request=TokenLookupSerializer,
                   responses={200: TokenLookupResultSerializer,
                              404: OpenApiResponse(description="Not one of this server's tokens.")})
    def post(self, request):
        serializer = TokenLookupSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token = lookup.token_lookup(actor=request.user, request=request,
                                    plaintext=serializer.validated_data["token"])
        if token is None:
            raise NotFound
        return Response(TokenLookupResultSerializer(token).data, headers=NO_STORE)


@dataclass(frozen=True)
class PartnerSignature:
    """`request.auth` of an alert whose signature verified."""

    key_id: str


class PartnerSignatureAuthentication(BaseAuthentication):
    """The alert's signature over its raw body, by a key of SECRET_SCANNING_KEYS; a failure is
    a 401, an `auth.failed` (reason `bad_signature`) and counts against AUTH_FAILURE_RATE."""

    def authenticate(self, request):
        audit = getattr(request._request, "audit", None)
        ip = audit.ip if audit is not None else client_ip(request)
        wait = limits.check_address(ip)
        if wait is not None:
            raise Throttled(wait=wait)
        key_id = request.META.get("HTTP_GITHUB_PUBLIC_KEY_IDENTIFIER", "")
        signature = request.META.get("HTTP_GITHUB_PUBLIC_KEY_SIGNATURE", "")
        try:
            scanning.verify(request.body, key_id=key_id, signature=signature,
                            keys=token_settings.secret_scanning_keys)
        except scanning.SignatureError as error:
            logger.warning("Secret-scanning alert refused: %s (key identifier %r).", error,
                           key_id[:scanning.MAX_KEY_ID_LENGTH])
            if limits.note_failure(ip) and audit is not None:
                audit.failure_reason = SIGNATURE_FAILURE_REASON
            raise AuthenticationFailed(BAD_SIGNATURE, code="invalid_signature") from None
        return AnonymousUser(), PartnerSignature(key_id=key_id)

    def authenticate_header(self, request):
        return 'Signature realm="secret-scanning"'


class IsSignedAlert(BasePermission):
    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, PartnerSignature)


class SecretScanningView(APIView):
    """GitHub's secret-scanning partner alert: each reported token that is ours is revoked with
    its family and its contact e-mailed; the answer labels each report (GitHub's feedback)."""

    authentication_classes = [PartnerSignatureAuthentication]
    permission_classes = [IsSignedAlert]

    def initial(self, request, *args, **kwargs):
        method = request.method.lower()
        if method not in self.http_method_names or not hasattr(self, method):
            raise MethodNotAllowed(request.method)  # before the signature: 405, as anywhere
        if not token_settings.secret_scanning_keys:
            raise NotFound  # not configured: the endpoint does not exist
        super().initial(request, *args, **kwargs)

    @extend_schema(request=ScanningItemSerializer(many=True),
                   responses={200: ScanningFeedbackSerializer(many=True),
                              404: OpenApiResponse(
                                  response=OpenApiTypes.OBJECT,
                                  description="SECRET_SCANNING_KEYS is not set: the endpoint "
                                              "does not exist (the body of any 404).")})
    def post(self, request):
        serializer = ScanningItemSerializer(data=request.data, many=True,
                                            max_length=MAX_ALERT_ITEMS)
        serializer.is_valid(raise_exception=True)
        reports = [scanning_report(item) for item in serializer.validated_data]
        matched = leaks.tokens_report_scanned(reports=reports, partner=scanning.PARTNER,
                                              request=request)
        feedback = [{"token_raw": report.token, "token_type": report.type,
                     "label": "true_positive" if hit else "false_positive"}
                    for report, hit in zip(reports, matched, strict=True)]
        return Response(feedback, headers=NO_STORE)


def scanning_report(item: dict) -> leaks.ScanningReport:
    return leaks.ScanningReport(token=item["token"], type=item["type"], url=item["url"],
                                source=item["source"])
