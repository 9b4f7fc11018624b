"""GET audit-events/digests/, public-key/ and verification/ (API.md §7): what an auditor needs
to check the log, here or offline. Read-only, for holders of audit.view_auditevent."""

import base64
import binascii
import json
from bisect import bisect_left, bisect_right

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from audit import digests
from audit import storage as store
from audit.api import ReadOnlyAuditView
from audit.conf import audit_settings
from audit.verification import RECENT_SEALS, verify_log
from common.pagination import PAGE_SIZE_HELP, CursorPagination

PEM_TYPE = "text/plain"


class DigestSerializer(serializers.Serializer):
    """One stored digest as signed (audit.digests), with its name and SHA-256."""

    name = serializers.CharField(help_text="Its name in the digest storage (sorts in chain order).")
    sha256 = serializers.CharField(help_text="SHA-256 of the canonical document: the next "
                                             "digest's previous_digest.")
    format = serializers.CharField()
    version = serializers.IntegerField()
    scheme = serializers.IntegerField()
    first_event_id = serializers.IntegerField()
    last_event_id = serializers.IntegerField()
    event_count = serializers.IntegerField()
    event_digests = serializers.ListField(
        child=serializers.ListField(),
        help_text="[event id, first 16 hex digits of its content's SHA-256], in id order.")
    previous_events_head = serializers.CharField()
    events_head = serializers.CharField(help_text="Unkeyed chain head after these events.")
    previous_seal_hash = serializers.CharField()
    seal_hash = serializers.CharField()
    chain_head = serializers.CharField(help_text="Keyed chain head (the seal's chain_hash).")
    sealed_at = serializers.CharField()
    previous_digest = serializers.CharField()
    signed_at = serializers.CharField()
    key_id = serializers.CharField()
    signature = serializers.CharField(help_text="Ed25519 over the canonical JSON of every "
                                                "other signed field, base64.")


class DigestPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = DigestSerializer(many=True)


class VerificationQuerySerializer(serializers.Serializer):
    scope = serializers.ChoiceField(
        choices=["recent", "full"], default="recent",
        help_text=f"recent: the latest {RECENT_SEALS} seals and their digests (what the admin "
                  "shows, fast at any size); full: everything, as verify_audit_log does.")


class VerificationSerializer(serializers.Serializer):
    intact = serializers.BooleanField()
    scope = serializers.CharField()
    events_checked = serializers.IntegerField()
    seals_checked = serializers.IntegerField()
    digests_checked = serializers.IntegerField()
    sealed_up_to = serializers.IntegerField(allow_null=True)
    unsealed = serializers.IntegerField(help_text="Events after the last seal.")
    first_broken = serializers.IntegerField(allow_null=True,
                                            help_text="The first event that disagrees.")
    broken_digest = serializers.CharField(allow_null=True,
                                          help_text="The digest that disagrees, if no event.")
    problem = serializers.CharField(help_text="What disagrees; empty when intact.")
    key_id = serializers.CharField()
    summary = serializers.CharField(help_text="The line verify_audit_log prints.")


class DigestPagination:
    """Cursor pages over the digests' names, in chain order (no count, like every list)."""

    def paginate(self, request, names: list[str]) -> list[str]:
        self.request = request
        size = CursorPagination().get_page_size(request)
        raw = request.query_params.get("cursor")
        start = 0
        if raw is not None:
            try:
                cursor = json.loads(base64.urlsafe_b64decode(raw.encode()))
                after, before = cursor.get("after"), cursor.get("before")
                if not isinstance(after or before, str) or (after and before):
                    raise ValueError
            except (ValueError, TypeError, AttributeError, binascii.Error):
                raise NotFound("Invalid cursor.") from None
            if after is not None:
                start = bisect_right(names, after)
            else:
                start = max(bisect_left(names, before) - size, 0)
        self.page = names[start:start + size]
        self.has_previous = start > 0
        self.has_next = start + size < len(names)
        return self.page

    def link(self, key: str, name: str) -> str:
        cursor = base64.urlsafe_b64encode(json.dumps({key: name}).encode()).decode()
        return self.request.build_absolute_uri(
            self.request.path + "?" + _query(self.request, cursor=cursor))

    def response(self, results: list) -> Response:
        return Response({
            "next": self.link("after", self.page[-1]) if self.has_next and self.page else None,
            "previous": (self.link("before", self.page[0])
                         if self.has_previous and self.page else None),
            "results": results,
        })


def _query(request, **changes) -> str:
    query = request.query_params.copy()
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()


def _listed(storage, name: str) -> dict:
    try:
        document = store.read(storage, name)
    except digests.DigestError as exc:
        return {"name": name, "problem": f"the digest {exc}"}
    return {"name": name, "sha256": digests.document_hash(document), **document}


@extend_schema(
    parameters=[OpenApiParameter("cursor", str, description="The cursor of a next or previous "
                                                            "link."),
                OpenApiParameter("page_size", str, description=PAGE_SIZE_HELP)],
    responses={200: DigestPageSerializer},
)
class DigestList(ReadOnlyAuditView, APIView):
    """The signed digests, oldest first (chain order), each as stored: save each result as a
    file (the `name` and `sha256` keys may stay) to verify an export offline."""

    def get(self, request):
        storage = store.digest_storage()
        paginator = DigestPagination()
        page = paginator.paginate(request, store.names(storage))
        return paginator.response([_listed(storage, name) for name in page])


class PEMRenderer(BaseRenderer):
    """Lets a client ask for text/plain; what is sent is the view's own PEM response."""

    media_type = PEM_TYPE
    format = "pem"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return str(data).encode()


@extend_schema(responses={(200, PEM_TYPE): OpenApiResponse(
    response=OpenApiTypes.STR,
    description="The Ed25519 public key in PEM (SubjectPublicKeyInfo); header X-Audit-Key-Id "
                "carries its key id.")})
class PublicKey(ReadOnlyAuditView, APIView):
    """The log's public key, PEM: verifies every digest's signature, with no secret."""

    renderer_classes = [JSONRenderer, PEMRenderer]

    def finalize_response(self, request, response, *args, **kwargs):
        if isinstance(response, Response):  # an error: the API's JSON body, whatever was asked
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    def get(self, request):
        key = audit_settings.signing_key
        response = HttpResponse(key.public_pem, content_type=f"{PEM_TYPE}; charset=utf-8")
        response["X-Audit-Key-Id"] = key.id
        response["Content-Disposition"] = f'inline; filename="audit-{key.id}.pem"'
        return response


@extend_schema(parameters=[VerificationQuerySerializer], responses={200: VerificationSerializer})
class Verification(ReadOnlyAuditView, APIView):
    """The log checked against its seals and signed digests, as verify_audit_log does."""

    def get(self, request):
        scope = self.filters(VerificationQuerySerializer)["scope"]
        verdict = verify_log(recent_seals=RECENT_SEALS if scope == "recent" else None)
        return Response({
            "intact": verdict.ok,
            "scope": scope,
            "events_checked": verdict.events_checked,
            "seals_checked": verdict.seals_checked,
            "digests_checked": verdict.digests_checked,
            "sealed_up_to": verdict.sealed_up_to,
            "unsealed": verdict.unsealed,
            "first_broken": verdict.broken_event_id,
            "broken_digest": verdict.broken_digest,
            "problem": verdict.problem,
            "key_id": verdict.key_id,
            "summary": verdict.summary(),
        })
