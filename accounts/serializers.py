"""Shapes of users in the API (API.md §3)."""

from django.contrib.auth.models import Group
from django.contrib.auth.validators import UnicodeUsernameValidator
from rest_framework import serializers

from accounts import exceptions
from accounts.models import User
from common.fields import BoundedListField

NOT_WRITABLE = "This field cannot be set through the API."
UNKNOWN_GROUP = "Unknown group: {name}."
FORBIDDEN_FIELDS = ("category", "is_staff", "is_superuser", "password", "user_permissions",
                    "last_login", "date_joined")


class PersonSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "first_name", "last_name"]


class GroupNamesField(BoundedListField):
    """Group names (at most 100, refused before any is looked up)."""

    child = serializers.CharField(max_length=150)

    def to_internal_value(self, data):
        names = super().to_internal_value(data)
        groups = {g.name: g for g in Group.objects.filter(name__in=names)}
        missing = [name for name in names if name not in groups]
        if missing:
            raise serializers.ValidationError([UNKNOWN_GROUP.format(name=n) for n in missing])
        return [groups[name] for name in dict.fromkeys(names)]

    def to_representation(self, value):
        return sorted(group.name for group in value.all())


class ProgrammaticUserSerializer(serializers.ModelSerializer):
    username = serializers.CharField(max_length=150, validators=[UnicodeUsernameValidator()])
    contact_email = serializers.EmailField(max_length=254)
    description = serializers.CharField(max_length=2000, allow_blank=True, required=False,
                                        default="")
    groups = GroupNamesField(required=False, default=list)

    class Meta:
        model = User
        fields = ["id", "username", "category", "description", "contact_email", "groups",
                  "is_active", "date_joined"]
        read_only_fields = ["id", "category", "is_active", "date_joined"]

    def to_internal_value(self, data):
        if isinstance(data, dict):
            forbidden = [name for name in FORBIDDEN_FIELDS if name in data]
            if forbidden:
                raise serializers.ValidationError({name: [NOT_WRITABLE] for name in forbidden})
        return super().to_internal_value(data)

    def validate_username(self, value):
        if User.objects.filter(username__iexact=value).exists():
            raise serializers.ValidationError(exceptions.USERNAME_TAKEN)
        return value


class ProgrammaticUserUpdateSerializer(ProgrammaticUserSerializer):
    """PATCH: description, contact_email, groups, is_active."""

    is_active = serializers.BooleanField(required=False)

    class Meta(ProgrammaticUserSerializer.Meta):
        read_only_fields = ["id", "username", "category", "date_joined"]

    def get_fields(self):
        fields = super().get_fields()
        fields["username"].read_only = True
        return fields

    def to_internal_value(self, data):
        if isinstance(data, dict) and "username" in data:
            raise serializers.ValidationError({"username": [NOT_WRITABLE]})
        return super().to_internal_value(data)
