"""Conditions on the rows of a protected model (outer columns given as compiled SQL), and the
permissions held on one object."""

import functools

from django.contrib.auth.models import Permission

from permissions.engine.sql.base import (
    SQL,
    Table,
    among,
    branches,
    container_branches,
    groups_of_user,
    held_model_wide,
    join,
    object_ids,
    sql,
)
from permissions.registry import PermissionTables


@functools.cache
def rows_among_ids(tables: PermissionTables, outer_pk: str, outer_fk: str | None = None) -> SQL:
    """Rows whose id is among every permitted id (or whose container is permitted): for a
    search or an ordering other than by id, where the page cannot be known in advance."""
    condition = among(outer_pk, object_ids(branches(tables)))
    if tables.container is not None:
        condition = (sql("(") + condition + sql(" OR ")
                     + among(outer_fk, object_ids(container_branches(tables))) + sql(")"))
    return condition


@functools.cache
def rows_probed(tables: PermissionTables, outer_pk: str, outer_fk: str | None = None, *,
                model_wide: bool = False) -> SQL:
    """Rows checked one by one: an EXISTS probe of a unique (holder, permission, object) index
    per grant table. For a lookup of one object. `model_wide`: a model-wide grant admits every
    row, asked in the same statement (the request has not read its model permissions)."""
    probes = [held_model_wide()] if model_wide else []
    probes += [sql("EXISTS(SELECT 1 ") + grants + sql(f" AND {t['content_object']} = {outer_pk})")
              for t, grants in branches(tables)]
    if tables.container is not None:
        probes += [sql("EXISTS(SELECT 1 ") + grants
                   + sql(f" AND {t['content_object']} = {outer_fk})")
                   for t, grants in container_branches(tables)]
    return sql("(") + join(" OR ", probes) + sql(")")



@functools.cache
def object_permissions(tables: PermissionTables) -> SQL:
    """(codename, own) of every grant a user holds on one object, directly or through a group;
    own = 0 for a grant on the object's container. Slots: user, object, container."""
    p = Table(Permission, "op")
    rows = []
    for t, holder, key in ((Table(tables.user_table, "ou"), "user", "object"),
                           (Table(tables.group_table, "og"), "group", "object")):
        rows.append(_held_on(t, holder, key, own=1))
    if tables.container is not None:
        container = tables.container.tables
        rows += [_held_on(Table(container.user_table, "cu"), "user", "container", own=0),
                 _held_on(Table(container.group_table, "cg"), "group", "container", own=0)]
    return (sql(f"SELECT {p['codename']}, held.own FROM (") + join(" UNION ALL ", rows)
            + sql(f") held INNER JOIN {p} ON {p['pk']} = held.permission"))


def _held_on(t: Table, holder: str, key: str, *, own: int) -> SQL:
    who = (sql(f" AND {t['user']} = %s", "user") if holder == "user"
           else sql(f" AND {t['group']} IN ") + groups_of_user())
    return (sql(f"SELECT {t['permission']} AS permission, {own} AS own FROM {t} "
                f"WHERE {t['content_object']} = %s", key) + who)
