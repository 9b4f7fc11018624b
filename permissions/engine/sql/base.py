"""The builder's pieces: statement text with named slots, the one identifier helper (`Table`),
and the fragments every statement shares (the permission's id, the user's groups, the grant
tables of a protected model and of its container)."""

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


def vendor() -> str:
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


def grant_rows(table: type[models.Model], alias: str, holder: str) -> tuple[Table, SQL]:
    """`FROM <grants> WHERE permission = <the permission> AND <holder is the user or one of its
    groups>`. Slots: content_type, codename, user."""
    t = Table(table, alias)
    who = (sql(f" AND {t['user']} = %s", "user") if holder == "user"
           else sql(f" AND {t['group']} IN ") + groups_of_user())
    return t, sql(f"FROM {t} WHERE {t['permission']} = ") + permission_id() + who


def branches(tables: PermissionTables) -> list[tuple[Table, SQL]]:
    return [grant_rows(tables.user_table, "gu", "user"),
            grant_rows(tables.group_table, "gg", "group")]


def container_branches(tables: PermissionTables) -> list[tuple[Table, SQL]]:
    container = tables.container.tables
    return [grant_rows(container.user_table, "cu", "user"),
            grant_rows(container.group_table, "cg", "group")]


def object_ids(parts: list[tuple[Table, SQL]]) -> SQL:
    return join(" UNION ALL ", (sql(f"SELECT {t['content_object']} ") + rows
                                for t, rows in parts))


def among(column: str, ids: SQL) -> SQL:
    """`column` is one of `ids`. PostgreSQL: an array computed once (an InitPlan) and probed
    through the index of `column`, so the cost follows the number of ids, not the table's
    size (a plain IN lets the planner walk the table hoping to meet them early)."""
    if vendor() == "postgresql":
        return sql(f"{column} = ANY(ARRAY(") + ids + sql("))")
    return sql(f"{column} IN (") + ids + sql(")")
