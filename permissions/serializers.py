"""Shapes of grants in the API (API.md §3: programmatic-users/{id}/permissions/)."""

from rest_framework import serializers

from common.fields import IdField
from permissions import exceptions
from permissions.lookups import PERMISSION_RE, find_object, find_permission


class ObjectRefSerializer(serializers.Serializer):
    type = serializers.CharField(max_length=100)
    id = IdField()


class GrantSerializer(serializers.Serializer):
    """{"permission": "app_label.codename", "object": {"type": "app_label.model", "id": 12}?}

    Validated data: {"permission": str, "obj": the object (viewable by the caller) or None}.
    """

    permission = serializers.CharField(max_length=255, trim_whitespace=False)
    object = ObjectRefSerializer(required=False, allow_null=True)

    def validate_permission(self, value: str) -> str:
        if not PERMISSION_RE.fullmatch(value):
            raise serializers.ValidationError(exceptions.BAD_PERMISSION_FORMAT)
        return value

    def validate(self, attrs: dict) -> dict:
        ref = attrs.get("object")
        obj = None
        if ref is not None:
            obj = find_object(ref["type"], ref["id"], actor=self.context["request"].user)
        find_permission(attrs["permission"], obj=obj)
        return {"permission": attrs["permission"], "obj": obj}


class ObjectOutSerializer(serializers.Serializer):
    type = serializers.CharField()
    id = serializers.IntegerField()
    repr = serializers.CharField()


class GrantOutSerializer(serializers.Serializer):
    """One grant: `group` is null when held directly (revocable here), else the role's name."""

    permission = serializers.CharField()
    object = ObjectOutSerializer(allow_null=True)
    group = serializers.CharField(allow_null=True)


class GrantListSerializer(serializers.Serializer):
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = GrantOutSerializer(many=True)


class MyPermissionsSerializer(serializers.Serializer):
    global_ = serializers.ListField(child=serializers.CharField())
    objects = serializers.DictField(
        child=serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
        help_text='{"app_label.model": {"<pk>": ["codename", ...]}}',
    )

    def get_fields(self):
        fields = super().get_fields()
        fields["global"] = fields.pop("global_")
        return fields


class UsageQuerySerializer(serializers.Serializer):
    days = serializers.IntegerField(min_value=1, max_value=365, required=False, default=90)


class PermissionUseSerializer(serializers.Serializer):
    permission = serializers.CharField()
    scope = serializers.ChoiceField(choices=["organization", "object"])
    objects = ObjectRefSerializer(many=True)
    sources = serializers.ListField(child=serializers.CharField(),
                                    help_text='"direct" or the name of the group it came from.')
    uses = serializers.IntegerField(help_text="token.used events that exercised it, in the window.")
    last_used_at = serializers.DateTimeField(allow_null=True)
    unused = serializers.BooleanField()


class PermissionUsageSerializer(serializers.Serializer):
    days = serializers.IntegerField()
    since = serializers.DateTimeField()
    permissions = PermissionUseSerializer(many=True)
