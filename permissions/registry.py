"""Which models are protected by guardian direct foreign-key permission tables, and by which."""

from dataclasses import dataclass
from functools import cache

from django.apps import apps
from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase


@dataclass(frozen=True)
class PermissionTables:
    """The user and the group object-permission tables of one protected model."""

    model: type[models.Model]
    user_table: type[models.Model]
    group_table: type[models.Model]

    @property
    def label(self) -> str:
        return self.model._meta.label_lower


def _direct_tables(base: type[models.Model]) -> dict[type[models.Model], type[models.Model]]:
    found = {}
    for model in apps.get_models():
        if not issubclass(model, base) or model._meta.abstract or model._meta.proxy:
            continue
        field = next((f for f in model._meta.local_fields if f.name == "content_object"), None)
        if isinstance(field, models.ForeignKey):
            found[field.related_model] = model
    return found


@cache
def protected_models() -> dict[str, PermissionTables]:
    """Every model with both a user and a group direct-FK table, by "app_label.model"."""
    users = _direct_tables(UserObjectPermissionBase)
    groups = _direct_tables(GroupObjectPermissionBase)
    return {
        model._meta.label_lower: PermissionTables(model, users[model], groups[model])
        for model in users
        if model in groups
    }


def tables_for(model: type[models.Model] | models.Model) -> PermissionTables | None:
    """The permission tables protecting `model` (a class or an instance), or None."""
    return protected_models().get(model._meta.label_lower)


def protected_model(label: str) -> PermissionTables | None:
    """The permission tables of the model named "app_label.model", or None."""
    return protected_models().get(label.lower())
