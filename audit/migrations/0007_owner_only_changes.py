"""Append-only by privilege (DESIGN rule 16): the trigger lets only the tables' owner through.

The application connects as a role that may only INSERT and SELECT the audit tables (README:
Deployment; `migrate` grants it, audit.roles); only the owner, who runs migrations, may also
ALTER them. The trigger now refuses UPDATE, DELETE and TRUNCATE to every role but the owner of
the table, and no session setting opens it: the `audit.allow_maintenance` switch of 0003, which
any session could set, is gone. The test suite connects as the owner, so its flush passes.
Whoever holds the owner role can still rewrite rows: the signed digests detect that.
"""

from django.db import migrations

OWNER_ONLY = """
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_user = (SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = TG_RELID) THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
"""

MAINTENANCE_SWITCH = """
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


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(OWNER_ONLY, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(MAINTENANCE_SWITCH, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0006_signed_seals")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
