"""The checks: model-wide permissions, permissions on one object, and the rows of a queryset a
user may use. Inactive and anonymous users get nothing from any of them (DESIGN rule 6), and
every answer is narrowed by the request's scope (a read-only token: view permissions only)."""

import functools

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models

from permissions.engine import sql
from permissions.engine.access import access_of, scope_of
from permissions.engine.expressions import RowCondition
from permissions.registry import PermissionTables, grantable_codenames, tables_for

# How many rows a page of contained objects first walks, in pages: see sql._contained_page.
WALK_PAGES = 50


def is_active_user(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def permission_name(model: type[models.Model] | models.Model, action: str) -> str:
    """The name "app_label.<action>_<model>", e.g. permission_name(Project, "view")."""
    opts = model._meta
    return f"{opts.app_label}.{action}_{opts.model_name}"


def model_permissions(user) -> frozenset[str]:
    """Every model-wide permission `user` may use in this request: direct or through its
    groups (every permission for a superuser), within the scope. One statement, once per
    request."""
    if not is_active_user(user):
        return frozenset()
    access = access_of(user)
    if access.model_permissions is None:
        if user.is_superuser:
            rows = Permission.objects.values_list("content_type__app_label", "codename")
        else:
            statement = sql.model_permissions()
            with connection.cursor() as cursor:
                cursor.execute(statement.text, statement.params({"user": user.pk}))
                rows = cursor.fetchall()
        access.model_permissions = access.scope.narrow(
            f"{app_label}.{codename}" for app_label, codename in rows)
    return access.model_permissions


def has_model_permission(user, permission: str) -> bool:
    """`user` may use `permission` ("app_label.codename") organisation-wide."""
    if not is_active_user(user):
        return False
    if user.is_superuser:
        return scope_of(user).allows(permission)
    return permission in model_permissions(user)


def object_permissions(user, obj: models.Model) -> frozenset[str]:
    """Codenames `user` holds on `obj` itself, directly or through a group: its own grants
    (for a container, those it carries for what it contains too) and, for a contained object,
    the grants of its model's permissions on its container. One statement."""
    tables = tables_for(obj)
    if tables is None or not is_active_user(user):
        return frozenset()
    statement = sql.object_permissions(tables)
    values = {"user": user.pk, "object": obj.pk, "container": tables.container_id(obj)}
    with connection.cursor() as cursor:
        cursor.execute(statement.text, statement.params(values))
        rows = cursor.fetchall()
    covered = tables.coverable
    return scope_of(user).narrow(codename for codename, own in rows
                                 if own or codename in covered)


def has_object_permission(user, permission: str, obj: models.Model) -> bool:
    """guardian's answer to `user.has_perm(permission, obj)`: held on `obj` (or, for a
    contained object, on its container), not model-wide; everything for a superuser."""
    if not is_active_user(user):
        return False
    if user.is_superuser:
        return scope_of(user).allows(permission)
    app_label, _, codename = permission.rpartition(".")
    names = grantable_codenames(type(obj))
    if codename in names and app_label and names[codename] != permission:
        return False
    return codename in object_permissions(user, obj)


def _values(tables: PermissionTables, user, codename: str) -> dict:
    content_type = ContentType.objects.get_for_model(tables.model)
    return {"content_type": content_type.pk, "codename": codename, "user": user.pk}


def _columns(tables: PermissionTables) -> tuple[str, ...]:
    return ("pk",) if tables.container is None else ("pk", tables.container.field)


def _narrowing(queryset: models.QuerySet, user, action: str) -> tuple:
    """How to narrow `queryset` for `user` doing `action`: (ALL, None), (NONE, None), or
    (tables, model_wide) where `model_wide` says the statement must also ask whether the
    permission is held model-wide (this request has not read its model permissions yet: one
    round trip fewer)."""
    model = queryset.model
    name = permission_name(model, action)
    if not is_active_user(user) or not scope_of(user).allows(name):
        return NONE, None
    if user.is_superuser:
        return ALL, None
    tables = tables_for(model)
    if access_of(user).model_permissions is None and tables is not None:
        return tables, True
    if name in model_permissions(user):
        return ALL, None
    return (tables, False) if tables is not None else (NONE, None)


ALL, NONE = "all", "none"


def permitted(queryset: models.QuerySet, user, action: str = "view", *,
              one: bool = False) -> models.QuerySet:
    """`queryset` narrowed in the database to the objects on which `user` may do `action`.

    Model-wide permission (organisation level) or superuser: no narrowing. Inactive,
    anonymous or outside the scope: nothing. Otherwise the objects granted to the user or to
    one of its groups, directly or through their container. `one`: the rows are few (a lookup
    of one object), so each is probed through the unique grant indexes (and a model-wide grant
    asked in the same statement) instead of collecting every permitted id first.
    """
    tables, model_wide = _narrowing(queryset, user, action)
    if tables == NONE:
        return queryset.none()
    if tables == ALL:
        return queryset
    if one:
        outer = functools.partial(sql.rows_probed, tables, model_wide=model_wide)
    else:
        if model_wide and permission_name(tables.model, action) in model_permissions(user):
            return queryset  # every permitted id would not use the index: ask first
        outer = functools.partial(sql.rows_among_ids, tables)
    codename = f"{action}_{tables.model._meta.model_name}"
    return queryset.filter(RowCondition(outer, _values(tables, user, codename), _columns(tables)))


def permitted_page(queryset: models.QuerySet, user, action: str = "view", *,
                   descending: bool, after: int | None, limit: int) -> models.QuerySet:
    """`queryset` narrowed to the first `limit` ids past `after` (exclusive; None: from the
    start), in id order, of the objects on which `user` may do `action`: all a cursor page in
    id order needs, read from a page's worth of each grant table (and of the table itself if
    the permission is held model-wide), in one statement. The rows are permitted rows (a
    subset of `permitted`'s), so this narrows on its own."""
    tables, model_wide = _narrowing(queryset, user, action)
    if tables == NONE:
        return queryset.none()
    if tables == ALL:
        return queryset
    outer = functools.partial(sql.rows_in_page, tables, descending=descending,
                              bounded=after is not None, model_wide=model_wide)
    codename = f"{action}_{tables.model._meta.model_name}"
    values = {**_values(tables, user, codename), "bound": after, "limit": int(limit),
              "window": max(int(limit) * WALK_PAGES, 1) - 1}  # an OFFSET: the last row's
    return queryset.filter(RowCondition(outer, values, ("pk",)))
