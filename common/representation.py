"""Reading many rows through a ModelSerializer without its per-field machinery.

DRF reads a row field by field (get_attribute, SkipField handling, PKOnlyObject for relations)
and builds every field of every serializer instance, on every request. This mixin reads a field
that maps a concrete model column of a known type straight from the attribute, through a plan
made once per serializer class, and converts decimals that already have the field's places
without quantizing them again; any other field or value keeps DRF's own path on the instance's
own bound field. This is the one shortcut of the
representation layer; tests/test_representation.py holds its output equal to DRF's.

The plan is made from the class's unbound field declarations (`get_fields()` of an instance
made without data or context), so it holds no request, user or serializer instance: nothing of
a request outlives it. A class that overrides how its fields are chosen (`get_fields`,
`get_field_names`, `build_field`) may choose them per request, and gets no class plan. Settings
read by field constructors (e.g. `COERCE_DECIMAL_TO_STRING`) are read once, as DRF's own field
instances read them when built.
"""

import decimal

from django.core.exceptions import FieldDoesNotExist
from rest_framework import fields, relations, serializers
from rest_framework.settings import api_settings

# Serializer fields that represent a value of the listed types as the value itself.
IDENTITY = {
    fields.CharField: (str,),
    fields.IntegerField: (int,),
    fields.BooleanField: (bool,),
    relations.PrimaryKeyRelatedField: (int, str),
}
# Serializer fields whose representation needs the field, not the generic attribute lookup.
CONVERTED = (fields.DecimalField, fields.DateTimeField, fields.DateField, fields.ChoiceField,
             fields.UUIDField, fields.EmailField, fields.FloatField)
# Ways of choosing fields that may depend on the request: overriding one means no class plan.
FIELD_CHOICE = ("get_fields", "get_field_names", "build_field")
PLAN = "_representation_plan"


def _plain_decimal(field):
    """DRF's DecimalField representation of a finite Decimal that already has the field's
    places and fits its digits (quantizing it changes nothing); anything else goes through
    the field."""
    drf = field.to_representation
    places, digits = field.decimal_places, field.max_digits

    def convert(value):
        if type(value) is not decimal.Decimal or not value.is_finite():
            return drf(value)
        sign, number, exponent = value.as_tuple()
        if exponent != -places or (digits is not None and len(number) > digits):
            return drf(value)
        return f"{value:f}"

    return convert


def _converter(field):
    """The fastest converter equal to `field.to_representation` for this field's settings."""
    if type(field) is not fields.DecimalField:
        return field.to_representation
    coerce = getattr(field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING)
    if (field.decimal_places is not None and coerce and not field.localize
            and not field.normalize_output):
        return _plain_decimal(field)
    return field.to_representation


def _plan(field, name: str, model) -> tuple | None:
    """(attribute, types returned as they are, converter or None), or None for DRF's path."""
    source = field.source or name
    if source == "*" or "." in source:
        return None
    try:
        model_field = model._meta.get_field(source)
    except FieldDoesNotExist:
        return None  # a property or a method: DRF calls it
    if not model_field.concrete:
        return None
    kind = type(field)
    if isinstance(field, relations.PrimaryKeyRelatedField):
        pk_field = relations.PrimaryKeyRelatedField
        overrides = (kind.to_representation is not pk_field.to_representation
                     or kind.get_attribute is not relations.RelatedField.get_attribute)
        if overrides or field.pk_field is not None or not model_field.is_relation:
            return None
        return model_field.attname, IDENTITY[relations.PrimaryKeyRelatedField], None
    if model_field.is_relation:
        return None
    if kind is fields.BigIntegerField:
        if getattr(field, "coerce_to_string", api_settings.COERCE_BIGINT_TO_STRING):
            return model_field.attname, (), field.to_representation
        return model_field.attname, (int,), None
    if kind in IDENTITY:
        return model_field.attname, IDENTITY[kind], None
    if kind in CONVERTED:
        return model_field.attname, (), _converter(field)
    return None


def class_plan(cls) -> tuple:
    """[(field name, plan or None)] of the readable fields of serializer class `cls`, made once
    from its unbound field declarations; () when its fields may depend on the request."""
    plan = cls.__dict__.get(PLAN)
    if plan is None:
        plan = ()
        if all(getattr(cls, name) is getattr(serializers.ModelSerializer, name)
               for name in FIELD_CHOICE):
            model = cls.Meta.model
            plan = tuple((name, _plan(field, name, model))
                         for name, field in cls().get_fields().items() if not field.write_only)
        setattr(cls, PLAN, plan)
    return plan


class FastRepresentationMixin:
    """For ModelSerializers read in bulk (list pages)."""

    def to_representation(self, instance):
        plan = class_plan(type(self))
        if not plan:
            return super().to_representation(instance)
        data = {}
        bound = None
        for name, how in plan:
            if how is not None:
                attname, as_is, convert = how
                value = getattr(instance, attname)
                if value is None:
                    data[name] = None
                    continue
                if type(value) in as_is:
                    data[name] = value
                    continue
                if convert is not None:
                    data[name] = convert(value)
                    continue
            # DRF's own reading of the field (Serializer.to_representation's loop body).
            bound = bound if bound is not None else self.fields
            field = bound[name]
            try:
                attribute = field.get_attribute(instance)
            except fields.SkipField:
                continue
            check = attribute.pk if isinstance(attribute, relations.PKOnlyObject) else attribute
            data[name] = None if check is None else field.to_representation(attribute)
        return data
