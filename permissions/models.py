"""A base for the direct foreign-key permission tables of a container model.

guardian's own `save()` refuses a permission of another model than the object's; a container's
tables also hold the permissions it carries for the models it contains (an invoice permission
on a project, see `permissions.registry`). Anything else is still refused.
"""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models

from permissions.registry import grantable_codenames

NOT_FOR_THIS_TYPE = "Cannot persist a permission that does not apply to objects of type {type}."


class ContainerPermissionMixin:
    """Mixed in before guardian's base of a direct foreign-key permission table."""

    def save(self, *args, **kwargs) -> None:
        model = type(self)._meta.get_field("content_object").related_model
        permission = self.permission
        content_type = ContentType.objects.get_for_id(permission.content_type_id)
        name = f"{content_type.app_label}.{permission.codename}"
        if grantable_codenames(model).get(permission.codename) != name:
            raise ValidationError(NOT_FOR_THIS_TYPE.format(type=model._meta.label_lower))
        models.Model.save(self, *args, **kwargs)
