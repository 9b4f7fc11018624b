"""The one statement builder of permission reads.

Every permission read the product makes is SQL assembled in this package, from the models'
`_meta`, once per process and shape (`functools.cache`); identifiers are quoted in one place
(`base.Table`) and values only ever travel as parameters, filled by name (`SQL.params`).
Hand-built rather than compiled by the ORM on every request, because the ORM's compilation of
these subqueries was the larger part of a list request's own work (bench/RESULTS.md). Each
statement's answer is held equal to the ORM's, or to guardian's, by
tests/permissions/test_engine_equivalence.py and tests/permissions/test_backend.py.

A protected model M has a user table and a group table of grants (holder, permission, object),
each with a unique index leading with the holder. If M has a container C (an invoice's project),
a grant of M's permission on a C object covers every M row whose foreign key names it.
"""

from permissions.engine.sql.base import SQL, held_model_wide, model_permissions
from permissions.engine.sql.pages import rows_in_page
from permissions.engine.sql.rows import object_permissions, rows_among_ids, rows_probed

__all__ = ["SQL", "held_model_wide", "model_permissions", "object_permissions",
           "rows_among_ids", "rows_in_page", "rows_probed"]
