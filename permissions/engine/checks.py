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


def held_model_wide(user) -> frozenset[str]:
    """Every model-wide permission `user` holds, direct or through its groups (every
    permission for a superuser), whatever the scope. One statement, once per request."""
    if not is_active_user(user):
        return frozenset()
    access = access_of(user)
    if access.held is None:
        if user.is_superuser:
            rows = Permission.objects.values_list("content_type__app_label", "codename")
        else:
            statement = sql.model_permissions()
            with connection.cursor() as cursor:
                cursor.execute(statement.text, statement.params({"user": user.pk}))
                rows = cursor.fetchall()
        access.held = frozenset(f"{app_label}.{codename}" for app_label, codename in rows)
    return access.held


def model_permissions(user) -> frozenset[str]:
    """Every model-wide permission `user` may use in this request: those it holds, within the
    scope."""
    if not is_active_user(user):
        return frozenset()
    access = access_of(user)
    if access.model_permissions is None:
        access.model_permissions = access.scope.narrow(held_model_wide(user))
    return access.model_permissions


def has_model_permission(user, permission: str) -> bool:
    """`user` may use `permission` ("app_label.codename") organisation-wide."""
    if not is_active_user(user):
        return False
    if user.is_superuser:
        return scope_of(user).allows(permission)
    return permission in model_permissions(user)


def _refs(tables: PermissionTables, obj: models.Model) -> tuple:
    container = tables.container_id(obj)
    return ((tables.label, obj.pk),
            None if container is None else (tables.container.tables.label, container))


def object_permissions(user, obj: models.Model) -> frozenset[str]:
    """Codenames `user` may use on `obj` itself: its grants on it, directly or through a group
    (for a container, those it carries for what it contains too) and, for a contained object,
    the grants of its model's permissions on its container; within the scope. A token's list
    that names `obj` (or its container) also admits what the user holds model-wide. One
    statement (and the model-wide permissions, if the list names the object)."""
    tables = tables_for(obj)
    if tables is None or not is_active_user(user):
        return frozenset()
    statement = sql.object_permissions(tables)
    values = {"user": user.pk, "object": obj.pk, "container": tables.container_id(obj)}
    with connection.cursor() as cursor:
        cursor.execute(statement.text, statement.params(values))
        rows = cursor.fetchall()
    covered = tables.coverable
    held = {codename for codename, own in rows if own or codename in covered}
    scope = scope_of(user)
    names = grantable_codenames(type(obj))
    ref, container = _refs(tables, obj)
    found = {codename for codename in held
             if scope.admits(names.get(codename, codename), ref, container)}
    if scope.narrowed:
        found |= {codename for codename in _named_on(scope, tables, names, ref, container)
                  if names[codename] in held_model_wide(user)}
    return frozenset(found)


def _named_on(scope, tables: PermissionTables, names: dict[str, str], ref, container) -> set:
    """Codenames a token's list names on the object `ref` (or, for its own model's
    permissions, on its container `container`)."""
    by_name = {name: codename for codename, name in names.items()}
    found = {by_name[name] for name in scope.naming(ref) if name in by_name}
    if container is not None:
        found |= {by_name[name] for name in scope.naming(container)
                  if name in by_name and by_name[name] in tables.coverable}
    return found


def has_object_permission(user, permission: str, obj: models.Model) -> bool:
    """guardian's answer to `user.has_perm(permission, obj)`: held on `obj` (or, for a
    contained object, on its container), not model-wide; everything for a superuser. Within
    the scope (a narrowed token's list naming `obj` admits a model-wide grant on it too)."""
    if not is_active_user(user):
        return False
    if user.is_superuser:
        tables = tables_for(obj)
        if tables is None:
            return scope_of(user).allows(permission)
        return scope_of(user).admits(permission, *_refs(tables, obj))
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
    if not is_active_user(user) or not scope_of(user).reaches(name):
        return NONE, None
    if user.is_superuser:
        return ALL, None
    tables = tables_for(model)
    if access_of(user).held is None and tables is not None:
        return tables, True
    if name in held_model_wide(user):  # within the scope, as `reaches` said
        return ALL, None
    return (tables, False) if tables is not None else (NONE, None)


ALL, NONE = "all", "none"


def _named_rows(model: type[models.Model], user, action: str) -> models.Q | None:
    """The rows a narrowed token's list names for `action` on `model` (the objects it names
    and, for a contained model, the rows of the containers it names), or None when the scope
    does not narrow them to objects (no list, or a model-wide entry)."""
    scope, name = scope_of(user), permission_name(model, action)
    if not scope.narrowed or scope.allows(name):
        return None
    tables = tables_for(model)
    if tables is None:
        return models.Q(pk__in=[])
    rows = models.Q(pk__in=scope.named(name, tables.label))
    if tables.container is not None:
        containers = scope.named(name, tables.container.tables.label)
        rows |= models.Q(**{f"{tables.container.field}__in": containers})
    return rows


def permitted(queryset: models.QuerySet, user, action: str = "view", *,
              one: bool = False) -> models.QuerySet:
    """`queryset` narrowed in the database to the objects on which `user` may do `action`.

    Model-wide permission (organisation level) or superuser: no narrowing. Inactive,
    anonymous or outside the scope: nothing. Otherwise the objects granted to the user or to
    one of its groups, directly or through their container. `one`: the rows are few (a lookup
    of one object), so each is probed through the unique grant indexes (and a model-wide grant
    asked in the same statement) instead of collecting every permitted id first. A narrowed
    token's list that names objects keeps only those rows, and then they are probed too (the
    list names at most a few).
    """
    tables, model_wide = _narrowing(queryset, user, action)
    if tables == NONE:
        return queryset.none()
    named = _named_rows(queryset.model, user, action)
    if named is not None:
        queryset, one = queryset.filter(named), True
    if tables == ALL:
        return queryset
    if one:
        outer = functools.partial(sql.rows_probed, tables, model_wide=model_wide)
    else:
        if model_wide and permission_name(tables.model, action) in held_model_wide(user):
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
    subset of `permitted`'s), so this narrows on its own. A narrowed token's list that names
    objects: `permitted`, which keeps only those."""
    if _named_rows(queryset.model, user, action) is not None:
        return permitted(queryset, user, action)
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
