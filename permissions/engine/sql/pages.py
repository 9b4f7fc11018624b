"""A page of permitted ids: the first `limit` past a bound, in id order, read from a page's
worth of each grant table (the cursor paginator's question)."""

import functools
from dataclasses import dataclass

from django.contrib.auth import get_user_model

from permissions.engine.sql.base import (
    SQL,
    Table,
    among,
    container_branches,
    grant_rows,
    held_model_wide,
    join,
    object_ids,
    permission_id,
    sql,
    vendor,
)
from permissions.registry import PermissionTables


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
    return among(outer_pk, join(" UNION ALL ", pages))


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
    t, grants = grant_rows(tables.user_table, "gu", "user")
    column = t["content_object"]
    return (sql(f"SELECT id FROM (SELECT {column} AS id ") + grants + way.past(column)
            + sql(f" ORDER BY {column} {way.order} LIMIT %s) user_page", "limit"))


def _group_page(tables: PermissionTables, way: _Way) -> SQL:
    """The grants of the user's groups; two groups may hold the same object, hence DISTINCT.
    PostgreSQL reads one index range per group (a LATERAL join), as for the user's own."""
    if vendor() != "postgresql":
        t, grants = grant_rows(tables.group_table, "gg", "group")
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
    if vendor() != "postgresql":
        permitted = object_ids(container_branches(tables))
        return (sql(f"SELECT id FROM (SELECT {pk} AS id FROM {row} WHERE {fk} IN (")
                + permitted + sql(")") + way.past(pk)
                + sql(f" ORDER BY {pk} {way.order} LIMIT %s) contained", "limit"))
    granted = object_ids(container_branches(tables))  # may repeat: each use copes
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


