"""The admin's audit search matches the beginning of a username or a token hint, in any case
("billing" finds billing-sync): `UPPER(column) LIKE UPPER('billing%')`, as Django writes
`istartswith`. On PostgreSQL an index of UPPER(column) with text_pattern_ops serves that prefix
whatever the database's collation, so the search stays an index scan at any size.

Indexes only: the table's append-only trigger (0007, owner-only changes) is untouched; `migrate`
runs as the owner. Not declared on the model: SQLite has no operator classes (its search scans).
"""

from django.db import migrations

INDEXES = {
    "audit_actor_prefix_idx": "actor_username",
    "audit_hint_prefix_idx": "token_hint",
}


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON audit_auditevent "
                              f"(UPPER({column}) text_pattern_ops)", params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}", params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0007_owner_only_changes")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
