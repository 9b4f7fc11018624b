"""Which models are protected by guardian direct foreign-key permission tables, and by which;
which of them contain others.

Containment is declared once, on the contained model: `permission_container = "project"` on
Invoice says that a grant of an invoice permission on a project covers every invoice of that
project, present and future (Spot's "account level"). One level deep; creating (`add_`) stays a
model-wide permission.
"""

from dataclasses import dataclass
from functools import cache

from django.apps import apps
from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

CONTAINER_ATTRIBUTE = "permission_container"


@dataclass(frozen=True)
class Container:
    """The model that contains a protected model, and the foreign key that says which."""

    tables: "PermissionTables"
    field: str  # the contained model's foreign key to the container, e.g. "project"


@dataclass(frozen=True)
class PermissionTables:
    """The user and the group object-permission tables of one protected model."""

    model: type[models.Model]
    user_table: type[models.Model]
    group_table: type[models.Model]
    container: Container | None = None

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    @property
    def coverable(self) -> frozenset[str]:
        """Codenames of this model that a grant on its container may carry (not `add_`)."""
        if self.container is None:
            return frozenset()
        return frozenset(codename for codename in codenames(self.model)
                         if not codename.startswith("add_"))

    def container_id(self, obj: models.Model):
        """The pk of the container of `obj`, or None."""
        if self.container is None:
            return None
        return getattr(obj, self.model._meta.get_field(self.container.field).attname)


def codenames(model: type[models.Model]) -> list[str]:
    """Every permission codename Django creates for `model` (default and custom)."""
    opts = model._meta
    return [f"{action}_{opts.model_name}" for action in opts.default_permissions] + [
        codename for codename, _ in opts.permissions
    ]


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
    plain = {model: PermissionTables(model, users[model], groups[model])
             for model in users if model in groups}
    found = {}
    for model, tables in plain.items():
        field_name = getattr(model, CONTAINER_ATTRIBUTE, None)
        if field_name is not None:
            container = model._meta.get_field(field_name).related_model
            tables = PermissionTables(model, tables.user_table, tables.group_table,
                                      Container(plain[container], field_name))
        found[model._meta.label_lower] = tables
    return found


def tables_for(model: type[models.Model] | models.Model) -> PermissionTables | None:
    """The permission tables protecting `model` (a class or an instance), or None."""
    return protected_models().get(model._meta.label_lower)


def object_refs(obj: models.Model) -> tuple[str, ...]:
    """("app_label.model:pk",) of `obj`, and of its container if its model has one: the
    objects whose grants may allow a permission on `obj` (what the usage advice counts)."""
    refs = (f"{obj._meta.label_lower}:{obj.pk}",)
    tables = tables_for(obj)
    container = tables.container_id(obj) if tables is not None else None
    if container is not None:
        refs += (f"{tables.container.tables.label}:{container}",)
    return refs


def protected_model(label: str) -> PermissionTables | None:
    """The permission tables of the model named "app_label.model", or None."""
    return protected_models().get(label.lower())


def contained_in(model: type[models.Model] | models.Model) -> list[PermissionTables]:
    """The protected models whose container is `model`."""
    label = model._meta.label_lower
    return [tables for tables in protected_models().values()
            if tables.container is not None and tables.container.tables.label == label]


def grantable_codenames(model: type[models.Model] | models.Model) -> dict[str, str]:
    """{codename: "app_label.codename"} of what may be granted on an object of `model`: its own
    permissions and those it carries for the models it contains."""
    own = model._meta.app_label
    found = {codename: f"{own}.{codename}" for codename in codenames(model)}
    for tables in contained_in(model):
        app_label = tables.model._meta.app_label
        found.update({codename: f"{app_label}.{codename}" for codename in sorted(tables.coverable)})
    return found
