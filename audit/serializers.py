"""Auditor-facing shapes: the query filters, and an event as API.md §4 describes it."""

from rest_framework import serializers

from audit.export import FORMATS
from audit.models import AuditEvent
from audit.representation import as_dict
from common.fields import IdField, IsoDateTimeField

FAILURE_REASONS = ("malformed", "bad_checksum", "unknown", "revoked", "expired", "rotated",
                   "suspended", "user_inactive", "ip_not_allowed", "bad_signature")
UNKNOWN_FILTER = "Unknown filter. Filters: {names}."


class AuditFilterSerializer(serializers.Serializer):
    """The audit filters; any other query parameter is refused (a typo must not widen a
    search silently)."""

    # Query parameters that are not filters but are understood (pagination).
    PASSED_THROUGH = ("cursor", "page_size")

    event = serializers.ChoiceField(choices=AuditEvent.Event.choices, required=False)
    actor = serializers.CharField(max_length=150, required=False)
    actor_category = serializers.ChoiceField(choices=["personal", "programmatic"],
                                             required=False)
    reason = serializers.ChoiceField(
        choices=FAILURE_REASONS, required=False,
        help_text="Why an authentication failed: only auth.failed events with this reason.")
    token = IdField(required=False)
    since = IsoDateTimeField(required=False, help_text="ISO 8601, inclusive.")
    until = IsoDateTimeField(required=False, help_text="ISO 8601, exclusive.")
    status = serializers.IntegerField(min_value=100, max_value=599, required=False)

    def to_internal_value(self, data):
        known = set(self.fields) | set(self.PASSED_THROUGH)
        unknown = sorted(name for name in data if name not in known)
        if unknown:
            names = ", ".join(sorted(self.fields))
            raise serializers.ValidationError(
                {name: [UNKNOWN_FILTER.format(names=names)] for name in unknown})
        return super().to_internal_value(data)

    def validate(self, attrs):
        since, until = attrs.get("since"), attrs.get("until")
        if since and until and until <= since:
            raise serializers.ValidationError({"until": "Must be later than since."})
        return attrs


class AuditExportSerializer(AuditFilterSerializer):
    format = serializers.ChoiceField(choices=sorted(FORMATS), default="csv")


class ActorSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True)
    username = serializers.CharField()
    category = serializers.CharField()


class TokenRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True)
    hint = serializers.CharField()


class TargetSerializer(serializers.Serializer):
    type = serializers.CharField()
    id = serializers.CharField()
    repr = serializers.CharField()


class AuditEventSerializer(serializers.Serializer):
    """Read-only; the fields document the shape, `as_dict` produces it."""

    id = serializers.IntegerField()
    occurred_at = serializers.DateTimeField()
    event = serializers.ChoiceField(choices=AuditEvent.Event.choices)
    actor = ActorSerializer(allow_null=True)
    token = TokenRefSerializer(allow_null=True)
    target = TargetSerializer(allow_null=True)
    ip = serializers.IPAddressField(allow_null=True)
    user_agent = serializers.CharField()
    request_id = serializers.CharField()
    method = serializers.CharField()
    path = serializers.CharField()
    status = serializers.IntegerField(allow_null=True)
    details = serializers.JSONField()

    def to_representation(self, instance):
        return as_dict(instance)
