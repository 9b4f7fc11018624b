"""Auditor-facing shapes: the query filters, and an event as API.md §4 describes it."""

from rest_framework import serializers

from audit.export import FORMATS
from audit.models import AuditEvent
from audit.representation import as_dict
from common.fields import IdField, IsoDateTimeField


class AuditFilterSerializer(serializers.Serializer):
    event = serializers.ChoiceField(choices=AuditEvent.Event.choices, required=False)
    actor = serializers.CharField(max_length=150, required=False)
    token = IdField(required=False)
    since = IsoDateTimeField(required=False, help_text="ISO 8601, inclusive.")
    until = IsoDateTimeField(required=False, help_text="ISO 8601, exclusive.")
    status = serializers.IntegerField(min_value=100, max_value=599, required=False)

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
    id = serializers.IntegerField()
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
