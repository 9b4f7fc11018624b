"""The one statement builder of permission reads.

Every permission read the product makes is SQL assembled here, from the models' `_meta`, once
per process and shape (`functools.cache`); values only ever travel as parameters, filled by
name (`SQL.params`). Hand-built rather than compiled by the ORM on every request, because the
ORM's compilation of these subqueries was the larger part of a list request's own work
(measured in bench/RESULTS.md). Each statement's answer is held equal to the ORM's, or to
guardian's, by tests/permissions/test_engine_equivalence.py.

A protected model M has a user table and a group table of grants (holder, permission, object),
each with a unique index leading with the holder. If M has a container C (an invoice's project),
a grant of M's permission on a C object covers every M row whose foreign key names it.
"""

import functools
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import connection, models

from permissions.registry import PermissionTables


@dataclass(frozen=True)
class SQL:
    """Statement text with named parameter slots; `params` fills them in order."""

    text: str
    slots: tuple[str, ...] = ()

    def __add__(self, other: "SQL") -> "SQL":
        return SQL(self.text + other.text, self.slots + other.slots)

    def params(self, values: dict) -> list:
        return [values[slot] for slot in self.slots]


def sql(text: str, *slots: str) -> SQL:
    return SQL(text, slots)


def join(separator: str, parts) -> SQL:
    parts = list(parts)
    return SQL(separator.join(p.text for p in parts), tuple(s for p in parts for s in p.slots))


class Table:
    """A model's table under an alias: the one place identifiers are quoted."""

    def __init__(self, model: type[models.Model], alias: str):
        self.opts = model._meta
        self.alias = alias

    def __str__(self) -> str:
        return f"{connection.ops.quote_name(self.opts.db_table)} {self.alias}"

    def __getitem__(self, field: str) -> str:
        column = self.opts.pk.column if field == "pk" else self.opts.get_field(field).column
        return f"{self.alias}.{connection.ops.quote_name(column)}"


def _vendor() -> str:
    return connection.vendor


# Shared pieces ---------------------------------------------------------------------------------

@functools.cache
def permission_id() -> SQL:
    """The id of the permission (content type id, codename): a scalar subquery of the unique
    (content type, codename) index, evaluated once per statement. The content type id comes
    from Django's own per-process cache of content types."""
    p = Table(Permission, "pp")
    return sql(f"(SELECT {p['pk']} FROM {p} WHERE {p['content_type']} = %s "
               f"AND {p['codename']} = %s)", "content_type", "codename")


@functools.cache
def groups_of_user() -> SQL:
    m = Table(get_user_model().groups.through, "pm")
    return sql(f"(SELECT {m['group']} FROM {m} WHERE {m['user']} = %s)", "user")


@functools.cache
def model_permissions() -> SQL:
    """(app_label, codename) of every model-wide permission of a user, direct or through a
    group. Slots: user."""
    user_model = get_user_model()
    p = Table(Permission, "p")
    c = Table(Permission._meta.get_field("content_type").related_model, "c")
    d = Table(user_model.user_permissions.through, "d")
    gp = Table(Group.permissions.through, "gp")
    m = Table(user_model.groups.through, "m")
    return sql(
        f"SELECT {c['app_label']}, {p['codename']} FROM {p} INNER JOIN {c} "
        f"ON {c['pk']} = {p['content_type']} WHERE {p['pk']} IN ("
        f"SELECT {d['permission']} FROM {d} WHERE {d['user']} = %s UNION ALL "
        f"SELECT {gp['permission']} FROM {gp} INNER JOIN {m} ON {m['group']} = {gp['group']} "
        f"WHERE {m['user']} = %s)", "user", "user")


@functools.cache
def held_model_wide() -> SQL:
    """The user holds the permission model-wide, directly or through a group: a condition on
    no row, which PostgreSQL evaluates once (a one-time filter). Slots: content_type,
    codename, user."""
    user_model = get_user_model()
    d = Table(user_model.user_permissions.through, "md")
    gp = Table(Group.permissions.through, "mg")
    m = Table(user_model.groups.through, "mm")
    return (sql(f"(EXISTS(SELECT 1 FROM {d} WHERE {d['permission']} = ") + permission_id()
            + sql(f" AND {d['user']} = %s) OR EXISTS(SELECT 1 FROM {gp} INNER JOIN {m} "
                  f"ON {m['group']} = {gp['group']} WHERE {gp['permission']} = ", "user")
            + permission_id() + sql(f" AND {m['user']} = %s))", "user"))


def _grants(table: type[models.Model], alias: str, holder: str) -> tuple[Table, SQL]:
    """`FROM <grants> WHERE permission = <the permission> AND <holder is the user or one of its
    groups>`. Slots: content_type, codename, user."""
    t = Table(table, alias)
    who = (sql(f" AND {t['user']} = %s", "user") if holder == "user"
           else sql(f" AND {t['group']} IN ") + groups_of_user())
    return t, sql(f"FROM {t} WHERE {t['permission']} = ") + permission_id() + who


def _branches(tables: PermissionTables) -> list[tuple[Table, SQL]]:
    return [_grants(tables.user_table, "gu", "user"), _grants(tables.group_table, "gg", "group")]


def _container_branches(tables: PermissionTables) -> list[tuple[Table, SQL]]:
    container = tables.container.tables
    return [_grants(container.user_table, "cu", "user"),
            _grants(container.group_table, "cg", "group")]


def _object_ids(branches: list[tuple[Table, SQL]]) -> SQL:
    return join(" UNION ALL ", (sql(f"SELECT {t['content_object']} ") + grants
                                for t, grants in branches))


def _among(column: str, ids: SQL) -> SQL:
    """`column` is one of `ids`. PostgreSQL: an array computed once (an InitPlan) and probed
    through the index of `column`, so the cost follows the number of ids, not the table's
    size (a plain IN lets the planner walk the table hoping to meet them early)."""
    if _vendor() == "postgresql":
        return sql(f"{column} = ANY(ARRAY(") + ids + sql("))")
    return sql(f"{column} IN (") + ids + sql(")")


# Conditions on the rows of a protected model (outer columns given as compiled SQL) ------------

@functools.cache
def rows_among_ids(tables: PermissionTables, outer_pk: str, outer_fk: str | None = None) -> SQL:
    """Rows whose id is among every permitted id (or whose container is permitted): for a
    search or an ordering other than by id, where the page cannot be known in advance."""
    condition = _among(outer_pk, _object_ids(_branches(tables)))
    if tables.container is not None:
        condition = (sql("(") + condition + sql(" OR ")
                     + _among(outer_fk, _object_ids(_container_branches(tables))) + sql(")"))
    return condition


@functools.cache
def rows_probed(tables: PermissionTables, outer_pk: str, outer_fk: str | None = None, *,
                model_wide: bool = False) -> SQL:
    """Rows checked one by one: an EXISTS probe of a unique (holder, permission, object) index
    per grant table. For a lookup of one object. `model_wide`: a model-wide grant admits every
    row, asked in the same statement (the request has not read its model permissions)."""
    probes = [held_model_wide()] if model_wide else []
    probes += [sql("EXISTS(SELECT 1 ") + grants + sql(f" AND {t['content_object']} = {outer_pk})")
              for t, grants in _branches(tables)]
    if tables.container is not None:
        probes += [sql("EXISTS(SELECT 1 ") + grants
                   + sql(f" AND {t['content_object']} = {outer_fk})")
                   for t, grants in _container_branches(tables)]
    return sql("(") + join(" OR ", probes) + sql(")")


@functools.cache
def rows_in_page(tables: PermissionTables, outer_pk: str, descending: bool,
                 bounded: bool, model_wide: bool = False) -> SQL:
    """Rows among the first `limit` permitted ids in id order past `bound` (exclusive): each
    branch gives only its first `limit` distinct ids, read from a range of the (holder,
    permission, object) index, so a page costs the same at any table size. Their union holds
    the overall first `limit`, which is all the page needs. `model_wide`: the table's own
    first `limit` ids join them when the user holds the permission model-wide, asked in the
    same statement. Slots: the grants', bound, limit."""
    way = _Way(descending, bounded)
    pages = [_table_page(tables, way)] if model_wide else []
    pages += [_user_page(tables, way), _group_page(tables, way)]
    if tables.container is not None:
        pages.append(_contained_page(tables, way))
    return _among(outer_pk, join(" UNION ALL ", pages))


@dataclass(frozen=True)
class _Way:
    """The direction of a page and whether it starts past a bound."""

    descending: bool
    bounded: bool

    @property
    def order(self) -> str:
        return "DESC" if self.descending else "ASC"

    def past(self, column: str) -> SQL:
        if not self.bounded:
            return sql("")
        return sql(f" AND {column} {'<' if self.descending else '>'} %s", "bound")


def _table_page(tables: PermissionTables, way: _Way) -> SQL:
    """The table's own first ids, read only if the permission is held model-wide."""
    row = Table(tables.model, "tp")
    return (sql(f"SELECT id FROM (SELECT {row['pk']} AS id FROM {row} WHERE ")
            + held_model_wide() + way.past(row["pk"])
            + sql(f" ORDER BY {row['pk']} {way.order} LIMIT %s) table_page", "limit"))


def _user_page(tables: PermissionTables, way: _Way) -> SQL:
    """The user's grants: unique per object, one index range."""
    t, grants = _grants(tables.user_table, "gu", "user")
    column = t["content_object"]
    return (sql(f"SELECT id FROM (SELECT {column} AS id ") + grants + way.past(column)
            + sql(f" ORDER BY {column} {way.order} LIMIT %s) user_page", "limit"))


def _group_page(tables: PermissionTables, way: _Way) -> SQL:
    """The grants of the user's groups; two groups may hold the same object, hence DISTINCT.
    PostgreSQL reads one index range per group (a LATERAL join), as for the user's own."""
    if _vendor() != "postgresql":
        t, grants = _grants(tables.group_table, "gg", "group")
        column = t["content_object"]
        return (sql(f"SELECT id FROM (SELECT DISTINCT {column} AS id ") + grants
                + way.past(column)
                + sql(f" ORDER BY id {way.order} LIMIT %s) group_page", "limit"))
    t = Table(tables.group_table, "gg")
    m = Table(get_user_model().groups.through, "gm")
    column = t["content_object"]
    return (sql(f"SELECT id FROM (SELECT DISTINCT ranged.id FROM {m} CROSS JOIN LATERAL ("
                f"SELECT {column} AS id FROM {t} WHERE {t['group']} = {m['group']} "
                f"AND {t['permission']} = ") + permission_id() + way.past(column)
            + sql(f" ORDER BY {column} {way.order} LIMIT %s) ranged WHERE {m['user']} = %s "
                  f"ORDER BY ranged.id {way.order} LIMIT %s) group_page",
                  "limit", "user", "limit"))


def _contained_page(tables: PermissionTables, way: _Way) -> SQL:
    """The first `limit` ids of rows whose container is permitted.

    PostgreSQL, in one statement: first walk the rows in id order past the bound, no further
    than the `window`-th, keeping those whose container is permitted, until `limit` are found
    (cheap where permitted rows are not rare; if it finds `limit`, they are the first `limit`).
    Only when the walk falls short: find each permitted container's first row (one index
    descent each), keep the `limit` containers whose first rows come first, and read at most
    `limit` rows of each. Bounded by the window and the number of permitted containers, never
    by the table's size. Elsewhere a plain IN. Slots: the grants', bound, window, limit."""
    row = Table(tables.model, "cr")
    pk, fk = row["pk"], row[tables.container.field]
    if _vendor() != "postgresql":
        permitted = _object_ids(_container_branches(tables))
        return (sql(f"SELECT id FROM (SELECT {pk} AS id FROM {row} WHERE {fk} IN (")
                + permitted + sql(")") + way.past(pk)
                + sql(f" ORDER BY {pk} {way.order} LIMIT %s) contained", "limit"))
    granted = _object_ids(_container_branches(tables))  # may repeat: each use copes
    edge = Table(tables.model, "ce")
    last, sentinel = ("<=", "9223372036854775807") if not way.descending else (
        ">=", "-9223372036854775808")
    window_end = (sql(f"COALESCE((SELECT {edge['pk']} FROM {edge} WHERE TRUE")
                  + way.past(edge["pk"])
                  + sql(f" ORDER BY {edge['pk']} {way.order} OFFSET %s LIMIT 1), {sentinel})",
                        "window"))
    # IS TRUE keeps the membership a hashed filter of the walk, which stops at `limit` rows
    # (as a join it would read the whole window first).
    walked = (sql(f"walked(id) AS MATERIALIZED (SELECT {pk} FROM {row} WHERE {pk} {last} ")
              + window_end + way.past(pk)
              + sql(f" AND ({fk} IN (SELECT id FROM granted)) IS TRUE "
                    f"ORDER BY {pk} {way.order} LIMIT %s)", "limit"))
    first_rows = sql(f"SELECT {pk} AS id FROM {row} WHERE {fk} = granted.id") + way.past(pk)
    fallback = (sql("SELECT ranged.id FROM (SELECT granted.id FROM (SELECT DISTINCT id FROM "
                    "granted) granted CROSS JOIN LATERAL (")
                + first_rows + sql(f" ORDER BY {pk} {way.order} LIMIT 1) head "
                                   f"ORDER BY head.id {way.order} LIMIT %s) top "
                                   f"CROSS JOIN LATERAL (SELECT {pk} AS id FROM {row} "
                                   f"WHERE {fk} = top.id", "limit")
                + way.past(pk)
                + sql(f" ORDER BY {pk} {way.order} LIMIT %s) ranged "
                      "WHERE (SELECT count(*) FROM walked) < %s", "limit", "limit"))
    return (sql("SELECT id FROM (WITH granted(id) AS MATERIALIZED (") + granted + sql("), ")
            + walked + sql(" SELECT id FROM walked UNION ALL ") + fallback + sql(") contained"))


# One object --------------------------------------------------------------------------------

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
