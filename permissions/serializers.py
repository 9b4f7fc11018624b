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
    uses = serializers.IntegerField(
        help_text="Requests that succeeded (2xx/3xx) with it in the window; for an object grant, "
                  "those on its object (or an object it contains) and lists.")
    last_used_at = serializers.DateTimeField(allow_null=True)
    unused = serializers.BooleanField()


class PermissionRefusalSerializer(serializers.Serializer):
    permission = serializers.CharField()
    refusals = serializers.IntegerField(
        help_text="Requests answered 403 for want of it, or 404, in the window: a grant the "
                  "user lacks, not one it uses.")
    last_refused_at = serializers.DateTimeField(allow_null=True)
    objects = ObjectRefSerializer(many=True, help_text="The objects it was refused on, if any.")


class PermissionUsageSerializer(serializers.Serializer):
    days = serializers.IntegerField()
    since = serializers.DateTimeField()
    permissions = PermissionUseSerializer(many=True)
    refused = PermissionRefusalSerializer(many=True)
