"""Shapes of users in the API (API.md §3)."""

import re

from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from accounts import exceptions
from accounts.models import User
from common.fields import BoundedListField, StringField

NOT_WRITABLE = "This field cannot be set through the API."
UNKNOWN_GROUP = "Unknown group: {name}."
FORBIDDEN_FIELDS = ("category", "is_staff", "is_superuser", "password", "user_permissions",
                    "last_login", "date_joined")
PERSON_FORBIDDEN_FIELDS = ("category", "is_staff", "is_superuser", "is_active",
                           "user_permissions", "last_login", "date_joined", "description",
                           "contact_email")
BAD_PERMISSION_NAME = 'Not a permission name: {name} (use "app_label.codename").'
UNKNOWN_PERMISSION = _("Unknown permission: {name}.")
ROLE_NAME_FIXED = "A role's name is set at creation and cannot change."
ROLE_NAME_TAKEN = "A role with that name already exists."
PERMISSION_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*")


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


def _refuse(data, names, message=NOT_WRITABLE) -> None:
    """400 naming each of `names` present in the body."""
    if isinstance(data, dict):
        present = [name for name in names if name in data]
        if present:
            raise serializers.ValidationError({name: [message] for name in present})


# People (personal accounts) ----------------------------------------------------------------------

class PersonAccountSerializer(serializers.ModelSerializer):
    """A person as configurators see it (never a password, a hash or a permission list)."""

    groups = GroupNamesField(read_only=True)
    email = serializers.CharField(read_only=True, help_text="May be empty.")

    class Meta:
        model = User
        fields = ["id", "username", "first_name", "last_name", "email", "is_active", "groups",
                  "last_login", "date_joined"]
        read_only_fields = fields


class PersonCreateSerializer(serializers.Serializer):
    """POST people/: `password` absent or null leaves none usable (until a reset); a given one
    passes Django's password validators and is never echoed."""

    username = StringField(max_length=150, validators=[UnicodeUsernameValidator()])
    email = serializers.EmailField(max_length=254, required=False, default="", allow_blank=True)
    first_name = StringField(max_length=150, required=False, default="", allow_blank=True)
    last_name = StringField(max_length=150, required=False, default="", allow_blank=True)
    groups = GroupNamesField(required=False, default=list)
    password = StringField(write_only=True, required=False, allow_null=True, default=None,
                           max_length=4096, trim_whitespace=False,
                           style={"input_type": "password"})

    def to_internal_value(self, data):
        _refuse(data, PERSON_FORBIDDEN_FIELDS)
        return super().to_internal_value(data)

    def validate_username(self, value):
        if User.objects.filter(username__iexact=value).exists():
            raise serializers.ValidationError(exceptions.USERNAME_TAKEN)
        return value

    def validate(self, attrs):
        password = attrs.get("password")
        if password is not None:
            candidate = User(username=attrs["username"], email=attrs["email"],
                             first_name=attrs["first_name"], last_name=attrs["last_name"])
            try:
                validate_password(password, user=candidate)
            except DjangoValidationError as error:
                raise serializers.ValidationError({"password": error.messages}) from None
        return attrs


# Roles (groups) ----------------------------------------------------------------------------------

class PermissionNamesField(BoundedListField):
    """Model-wide permissions as "app_label.codename" names (at most 100; every name checked
    and looked up in one query; an unknown or malformed one is named in the 400)."""

    child = StringField(max_length=255, trim_whitespace=False)

    def to_internal_value(self, data):
        names = list(dict.fromkeys(super().to_internal_value(data)))
        malformed = [name for name in names if not PERMISSION_NAME_RE.fullmatch(name)]
        if malformed:
            raise serializers.ValidationError(
                [BAD_PERMISSION_NAME.format(name=name) for name in malformed])
        pairs = Q()
        for name in names:
            app_label, codename = name.split(".")
            pairs |= Q(content_type__app_label=app_label, codename=codename)
        found = {}
        if names:
            for permission in Permission.objects.filter(pairs).select_related(
                    "content_type").order_by("-pk"):
                found[f"{permission.content_type.app_label}.{permission.codename}"] = permission
        missing = [name for name in names if name not in found]
        if missing:
            raise serializers.ValidationError(
                [UNKNOWN_PERMISSION.format(name=name) for name in missing])
        return [found[name] for name in names]

    def to_representation(self, value):
        return sorted(f"{p.content_type.app_label}.{p.codename}" for p in value.all())


class RoleSerializer(serializers.ModelSerializer):
    """A role: its model-wide permissions and how many accounts are its members."""

    permissions = PermissionNamesField(required=False, default=list, help_text=(
        'Model-wide permissions, "app_label.codename" (at most 100). Object permissions are '
        "given on the admin's Object permissions pages."))
    name = StringField(max_length=150, validators=[
        UniqueValidator(Group.objects.all(), message=ROLE_NAME_TAKEN)])
    member_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Group
        fields = ["id", "name", "permissions", "member_count"]
        read_only_fields = ["id", "member_count"]


class RoleUpdateSerializer(RoleSerializer):
    """PATCH: the permissions (the whole list). The name is set at creation (400 if sent)."""

    name = serializers.CharField(read_only=True, help_text="Read-only: set at creation.")

    def to_internal_value(self, data):
        _refuse(data, ["name"], ROLE_NAME_FIXED)
        return super().to_internal_value(data)
