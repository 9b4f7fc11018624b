"""Serializer fields for what comes from outside: ids that are ids, lists with a ceiling."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.ids import INVALID_ID, MAX_ID, parse_id

MAX_LIST_ITEMS = 100
TOO_MANY_ITEMS = "Ensure this field has no more than {max_length} elements."


class IdField(serializers.IntegerField):
    """An id (common.ids): a JSON integer or ASCII digits, from 1 to 2**63 - 1."""

    default_error_messages = {"invalid": INVALID_ID}

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = parse_id(data)
        if value is None:
            self.fail("invalid")
        return value


class IdRelatedField(serializers.PrimaryKeyRelatedField):
    """A primary key checked to be an id before anything looks it up."""

    default_error_messages = {"invalid_id": INVALID_ID}

    def to_internal_value(self, data):
        pk = parse_id(data)
        if pk is None:
            self.fail("invalid_id")
        return super().to_internal_value(pk)


class BoundedListField(serializers.ListField):
    """A list of at most `max_length` items (default 100), refused before any item is read."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", MAX_LIST_ITEMS)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, list) and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


@extend_schema_field(OpenApiTypes.STR)
class IsoDateTimeField(serializers.DateTimeField):
    """A date-time in any ISO 8601 form DRF reads (a date alone, a space for the T, no zone):
    documented as a string, since the schema's date-time format would claim RFC 3339 only."""


class StringField(serializers.CharField):
    """A JSON string only: a number or a boolean is not coerced into one."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)
