"""The application's database role on PostgreSQL: append-only by privilege (DESIGN rule 16).

The tables' owner runs migrations (MIGRATE_DATABASE_URL); the application connects as another
role (DATABASE_URL). After every migration run, `grant_application_role` gives that role what
the product needs and no more: read and write on every table and sequence of the schema, except
the audit tables, which it may only INSERT into and SELECT from. Without ownership it cannot
ALTER them, drop or disable their trigger, or TRUNCATE them; not being a superuser, it cannot
set `session_replication_role` either.
"""

from django.apps import apps

ROW_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE"
AUDIT_PRIVILEGES = "SELECT, INSERT"


def audit_tables() -> list[str]:
    """The audit app's tables: the append-only ones."""
    return sorted(model._meta.db_table for model in apps.get_app_config("audit").get_models())


def current_role(connection) -> str:
    """The role `connection` acts as."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        return cursor.fetchone()[0]


def grant_application_role(connection, role: str) -> None:
    """Give `role` the application's privileges on the current schema (idempotent)."""
    quote = connection.ops.quote_name
    grantee = quote(role)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema = quote(cursor.fetchone()[0])
        cursor.execute(f"GRANT USAGE ON SCHEMA {schema} TO {grantee}")
        cursor.execute(f"GRANT {ROW_PRIVILEGES} ON ALL TABLES IN SCHEMA {schema} TO {grantee}")
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {grantee}")
        for table in audit_tables():
            cursor.execute(f"REVOKE ALL ON TABLE {quote(table)} FROM {grantee}")
            cursor.execute(f"GRANT {AUDIT_PRIVILEGES} ON TABLE {quote(table)} TO {grantee}")


def owned_audit_tables(connection) -> list[str]:
    """The audit tables the connected role owns (the application should own none)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
            "AND tablename = ANY(%s) AND tableowner = current_user ORDER BY tablename",
            [audit_tables()],
        )
        return [row[0] for row in cursor.fetchall()]
