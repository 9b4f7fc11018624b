"""Reading many rows through a ModelSerializer without its per-field machinery.

A page of 50 projects went through DRF's `to_representation` field by field (get_attribute,
SkipField handling, PKOnlyObject for relations): a fifth of a list request. The mixin plans each
readable field once per serializer instance: a field that reads a concrete model column of a
known type reads the attribute directly; any other field keeps DRF's own path. Tests hold the
output equal to DRF's.
"""

from django.core.exceptions import FieldDoesNotExist
from rest_framework import fields, relations
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


def _plan(field, model) -> tuple | None:
    """(attribute, types returned as they are, converter or None), or None for DRF's path."""
    if len(field.source_attrs) != 1:
        return None
    try:
        model_field = model._meta.get_field(field.source_attrs[0])
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
        return model_field.attname, (), field.to_representation
    return None


class FastRepresentationMixin:
    """For ModelSerializers read in bulk (list pages).

    When every readable field has a plan, the plan is kept on the class: later instances read
    without building their fields at all (DRF builds them per instance, per request). The
    fields in such a plan depend on nothing but the class (no context, no request).
    """

    def to_representation(self, instance):
        plan = type(self).__dict__.get("_fast_class_plan") or self.__dict__.get("_fast_plan")
        if plan is None:
            model = self.Meta.model
            plan = [(f.field_name, f, _plan(f, model)) for f in self._readable_fields]
            self.__dict__["_fast_plan"] = plan
            if all(how is not None for _, _, how in plan):
                type(self)._fast_class_plan = plan
        data = {}
        for name, field, how in plan:
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
            try:
                attribute = field.get_attribute(instance)
            except fields.SkipField:
                continue
            check = attribute.pk if isinstance(attribute, relations.PKOnlyObject) else attribute
            data[name] = None if check is None else field.to_representation(attribute)
        return data
