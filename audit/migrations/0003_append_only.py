"""Append-only audit tables on PostgreSQL (DESIGN rule 16); nothing on other databases.

A trigger refuses UPDATE, DELETE and TRUNCATE on audit_auditevent and audit_auditseal. The one
way past it is TRUNCATE inside a transaction that ran
    SET LOCAL audit.allow_maintenance = 'on';
which only the test suite's flush uses (audit.testing.allow_flush). Whoever can run that could
also drop the trigger: detecting such changes is the hash chain's job (verify_audit_log).
"""

from django.db import migrations

TABLES = ("audit_auditevent", "audit_auditseal")

FUNCTION = """
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE'
       AND coalesce(current_setting('audit.allow_maintenance', true), '') = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
"""

TRIGGERS = """
CREATE TRIGGER {table}_append_only
    BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER {table}_no_truncate
    BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
"""

DROP_TRIGGERS = """
DROP TRIGGER IF EXISTS {table}_append_only ON {table};
DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)
    for table in TABLES:
        schema_editor.execute(TRIGGERS.format(table=table), params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(DROP_TRIGGERS.format(table=table), params=None)
    schema_editor.execute("DROP FUNCTION IF EXISTS audit_refuse_change();", params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_auditseal")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
