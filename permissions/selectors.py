"""Reads of permissions. The checks are the engine's (re-exported here); this module adds the
reads of stored grants with their sources, for the API, the admin pages and the advice."""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import models

from permissions.engine import (
    has_model_permission,
    has_object_permission,
    is_active_user,
    model_permissions,
    object_permissions,
    permission_name,
    permitted,
    permitted_page,
    scope_of,
)
from permissions.engine.scope import FULL, Scope
from permissions.registry import grantable_codenames, protected_models

__all__ = [
    "DIRECT",
    "Grants",
    "effective_permissions",
    "full_name",
    "grant_list",
    "has_model_permission",
    "has_object_permission",
    "is_active_user",
    "model_permissions",
    "my_permissions",
    "object_permissions",
    "permission_name",
    "permitted",
    "permitted_page",
    "stored_grants",
    "within",
]

DIRECT = "direct"


def _memberships(user) -> models.QuerySet:
    return get_user_model().groups.through.objects.filter(user_id=user.pk).values("group_id")


def full_name(label: str, codename: str) -> str:
    """"app_label.codename" of `codename` granted on an object of the model `label` (one of
    its own permissions, or one it carries for a model it contains)."""
    model = protected_models()[label].model
    return grantable_codenames(model).get(codename, f"{model._meta.app_label}.{codename}")


@dataclass
class Grants:
    """What a user holds, with where each came from ("direct" or a group's name).

    `global_perms`: {"app_label.codename": [sources]};
    `objects`: {"app_label.model": {pk: {codename: [sources]}}}.
    """

    is_superuser: bool = False
    global_perms: dict[str, list[str]] = field(default_factory=dict)
    objects: dict[str, dict[int, dict[str, list[str]]]] = field(default_factory=dict)


def _add(target: dict, key, source: str) -> None:
    sources = target.setdefault(key, [])
    if source not in sources:
        sources.append(source)


def stored_grants(user) -> Grants:
    """Every grant stored for `user`, model-wide and per object, with its source."""
    grants = Grants(is_superuser=user.is_superuser)
    fields = ("content_type__app_label", "codename")
    for app_label, codename in Permission.objects.filter(user=user).values_list(*fields):
        _add(grants.global_perms, f"{app_label}.{codename}", DIRECT)
    via_groups = Permission.objects.filter(group__user=user).values_list(*fields, "group__name")
    for app_label, codename, group_name in via_groups:
        _add(grants.global_perms, f"{app_label}.{codename}", group_name)
    for label, tables in protected_models().items():
        found: dict[int, dict[str, list[str]]] = {}
        rows = tables.user_table.objects.filter(user_id=user.pk).values_list(
            "content_object_id", "permission__codename"
        )
        for pk, codename in rows:
            _add(found.setdefault(pk, {}), codename, DIRECT)
        rows = tables.group_table.objects.filter(group_id__in=_memberships(user)).values_list(
            "content_object_id", "permission__codename", "group__name"
        )
        for pk, codename, group_name in rows:
            _add(found.setdefault(pk, {}), codename, group_name)
        if found:
            grants.objects[label] = found
    return grants


def effective_permissions(user, scope: Scope | None = None) -> Grants:
    """What `user` may use now, with where each came from: its stored grants (all permissions
    for a superuser, nothing for an inactive user), within `scope` (default: the scope of this
    request's credential, so a read-only token sees only view permissions)."""
    if not is_active_user(user):
        return Grants()
    scope = scope_of(user) if scope is None else scope
    grants = stored_grants(user)
    if user.is_superuser:
        for name in model_permissions(user):
            _add(grants.global_perms, name, "superuser")
    return within(grants, scope)


def within(grants: Grants, scope: Scope) -> Grants:
    """`grants` without what `scope` leaves out (the same object for `FULL`): the scope's
    `allows` and `admits`, the engine's own answers, applied to the stored grants. A narrowed
    token's list that names an object the user reaches through a model-wide or a container
    grant shows that object with the sources of the grant that reaches it."""
    if scope is FULL:
        return grants
    containers = _Containers(grants, scope)
    objects: dict[str, dict[int, dict[str, list[str]]]] = {}
    for label, by_pk in grants.objects.items():
        for pk, perms in by_pk.items():
            container = containers.of(label, pk)
            for codename, sources in perms.items():
                if scope.admits(full_name(label, codename), (label, pk), container):
                    objects.setdefault(label, {}).setdefault(pk, {})[codename] = list(sources)
    if scope.narrowed:
        _add_named(grants, scope, containers, objects)
    return Grants(is_superuser=grants.is_superuser, objects=objects, global_perms={
        name: sources for name, sources in grants.global_perms.items() if scope.allows(name)})


class _Containers:
    """The container of each object of a contained model that `within` needs (one query per
    such model, and only for a narrowed list, which may name containers)."""

    def __init__(self, grants: Grants, scope: Scope):
        self.found: dict[str, dict[int, int | None]] = {}
        if not scope.narrowed:
            return
        wanted: dict[str, set[int]] = {}
        for label, by_pk in grants.objects.items():
            wanted.setdefault(label, set()).update(by_pk)
        for entry in scope.entries:
            if entry.ref is not None:
                wanted.setdefault(entry.type, set()).add(entry.pk)
        for label, pks in wanted.items():
            tables = protected_models().get(label)
            if tables is None:
                continue
            field_name = tables.container.field if tables.container is not None else "pk"
            rows = tables.model._default_manager.filter(pk__in=pks).values_list("pk",
                                                                                 field_name)
            self.found[label] = {pk: (container if tables.container is not None else None)
                                 for pk, container in rows}

    def exists(self, label: str, pk: int) -> bool:
        return pk in self.found.get(label, {})

    def of(self, label: str, pk: int) -> tuple[str, int] | None:
        container = self.found.get(label, {}).get(pk)
        if container is None:
            return None
        return protected_models()[label].container.tables.label, container


def _add_named(grants: Grants, scope: Scope, containers: _Containers, objects: dict) -> None:
    """The objects a narrowed list names that the user reaches otherwise than by a grant on
    the object itself: a model-wide grant, or (for a contained object) a grant on its
    container."""
    for entry in scope.entries:
        if entry.ref is None or not containers.exists(entry.type, entry.pk):
            continue
        if not scope.admits(entry.permission, entry.ref):
            continue  # outside the actions (a read-only token)
        codename = entry.permission.partition(".")[2]
        sources = list(grants.global_perms.get(entry.permission, []))
        container = containers.of(entry.type, entry.pk)
        if container is not None:
            label, pk = container
            sources += grants.objects.get(label, {}).get(pk, {}).get(codename, [])
        for source in sources:
            _add(objects.setdefault(entry.type, {}).setdefault(entry.pk, {}), codename, source)


def my_permissions(user) -> dict:
    """The `GET me/permissions/` body: {"global": [...], "objects": {type: {pk: [...]}}}."""
    grants = effective_permissions(user)
    return {
        "global": sorted(grants.global_perms),
        "objects": {
            label: {str(pk): sorted(perms) for pk, perms in sorted(by_pk.items())}
            for label, by_pk in sorted(grants.objects.items())
        },
    }


def grant_list(user) -> list[dict]:
    """Every stored grant of `user` as the API lists it: {"permission", "object", "group"}
    (`group` null: held directly, so revocable on the user; else the role it comes from)."""
    grants = stored_grants(user)
    rows = []
    for name, sources in sorted(grants.global_perms.items()):
        for source in sources:
            group = None if source == DIRECT else source
            rows.append({"permission": name, "object": None, "group": group})
    for label, by_pk in sorted(grants.objects.items()):
        tables = protected_models()[label]
        found = tables.model._default_manager.in_bulk(list(by_pk))
        for pk, perms in sorted(by_pk.items()):
            ref = {"type": label, "id": pk, "repr": str(found.get(pk, ""))[:200]}
            for codename, sources in sorted(perms.items()):
                for source in sources:
                    group = None if source == DIRECT else source
                    rows.append({"permission": full_name(label, codename), "object": ref,
                                 "group": group})
    return rows
