"""Append-only by privilege on PostgreSQL (DESIGN rule 16): the application's role may INSERT
and SELECT the audit tables and nothing else on them; only their owner gets past the trigger.

A role is created as production's application role would be (granted by the same code the
`migrate` command runs) and every forbidden statement is tried as it.
"""

import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.checks import run_checks
from django.db import DatabaseError, connection, transaction

from audit.models import AuditEvent, AuditSeal
from audit.roles import grant_application_role
from audit.verification import verify_log
from tests.accounts.factories import PersonFactory, group
from tests.audit.conftest import make_events, seal
from tests.conftest import client_for, postgres_only
from tests.tokens.factories import ApiTokenFactory

pytestmark = [pytest.mark.postgres, postgres_only]

ROOT = Path(__file__).resolve().parents[2]
ROLE = f"pgu_app_test_{os.getpid()}"

FORBIDDEN = [
    "UPDATE audit_auditevent SET status = 1",
    "UPDATE audit_auditseal SET hash = hash",
    "DELETE FROM audit_auditevent",
    "DELETE FROM audit_auditseal",
    "TRUNCATE audit_auditevent",
    "TRUNCATE audit_auditseal",
    "TRUNCATE audit_auditevent, audit_auditseal CASCADE",
    "ALTER TABLE audit_auditevent DISABLE TRIGGER audit_auditevent_append_only",
    "ALTER TABLE audit_auditseal DISABLE TRIGGER ALL",
    "ALTER TABLE audit_auditevent ADD COLUMN forged integer",
    "ALTER TABLE audit_auditevent OWNER TO CURRENT_USER",
    "DROP TRIGGER audit_auditevent_append_only ON audit_auditevent",
    "DROP TRIGGER audit_auditseal_no_truncate ON audit_auditseal",
    "DROP TABLE audit_auditseal",
    "CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql "
    "AS $$ BEGIN RETURN NEW; END; $$",
    "SELECT setval('audit_auditevent_id_seq', 1)",
    "SET session_replication_role = replica",
    "SET LOCAL session_replication_role = replica",
    # the maintenance switch of migration 0003, which any session could set, then TRUNCATE
    "SET LOCAL audit.allow_maintenance = 'on'; TRUNCATE audit_auditevent",
]


@pytest.fixture
def app_role(db):
    """Production's application role, created inside the test's transaction (so it is gone
    with it) and granted exactly what `migrate` grants."""
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE ROLE "{ROLE}" NOLOGIN')
    grant_application_role(connection, ROLE)
    return ROLE


@contextmanager
def acting_as(role: str):
    with connection.cursor() as cursor:
        cursor.execute(f'SET ROLE "{role}"')
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


def refused(sql: str) -> str:
    with pytest.raises(DatabaseError) as caught, transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql)
    return str(caught.value)


@pytest.fixture
def sealed(db):
    events = make_events(2)
    seal()
    return events


@pytest.mark.parametrize("statement", FORBIDDEN)
def test_the_application_role_cannot_change_the_audit_tables(app_role, sealed, statement):
    with acting_as(app_role):
        message = refused(statement)
    assert ("permission denied" in message or "must be owner" in message), message
    assert AuditEvent.objects.count() == 2
    assert AuditSeal.objects.count() == 1
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone()[0] == "origin"
        cursor.execute("SELECT count(*) FROM information_schema.columns WHERE table_name = "
                       "'audit_auditevent' AND column_name = 'forged'")
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT tgenabled FROM pg_trigger WHERE tgname = "
                       "'audit_auditevent_append_only'")
        assert cursor.fetchone()[0] == "O"
    assert verify_log().ok


def test_the_orm_as_the_application_role_cannot_update_or_delete(app_role, sealed):
    with acting_as(app_role):
        with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
            AuditEvent.objects.filter(pk=sealed[0].pk).update(status=500)
        with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
            sealed[0].delete()
        with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
            AuditSeal.objects.all().delete()
    assert AuditEvent.objects.get(pk=sealed[0].pk).status == sealed[0].status


def test_the_application_role_inserts_reads_seals_and_verifies(app_role):
    with acting_as(app_role):
        events = make_events(3)
        assert AuditEvent.objects.filter(pk__in=[e.pk for e in events]).count() == 3
        result = seal()
        assert result.events == 3
        verdict = verify_log()
        assert verdict.ok, verdict.summary()
        assert verdict.events_checked == 3


def test_the_products_request_path_works_as_the_application_role(app_role, programmatic_user):
    token = ApiTokenFactory(user=programmatic_user)
    configurator = PersonFactory(username="cfg", is_staff=True)
    configurator.groups.add(group("Token configurators"))
    with acting_as(app_role):
        response = client_for(None).get("/api/v1/me/",
                                        HTTP_AUTHORIZATION=f"Bearer {token.plaintext}")
        assert response.status_code == 200, response.content
        issued = client_for(configurator).post(
            f"/api/v1/programmatic-users/{programmatic_user.pk}/tokens/", {"name": "erp"},
            format="json")
        assert issued.status_code == 201, issued.content
        revoked = client_for(configurator).post(
            f"/api/v1/tokens/{issued.json()['id']}/revoke/", {"reason": "drill"}, format="json")
        assert revoked.status_code == 200, revoked.content
    assert list(AuditEvent.objects.order_by("id").values_list("event", flat=True)) == [
        "token.used", "token.issued", "token.revoked"]


def test_the_application_role_cannot_grant_itself_more(app_role):
    with acting_as(app_role), connection.cursor() as cursor:
        cursor.execute("GRANT UPDATE, DELETE, TRUNCATE ON audit_auditevent TO CURRENT_USER")
        cursor.execute("SELECT has_table_privilege('audit_auditevent', 'UPDATE'),"
                       " has_table_privilege('audit_auditevent', 'DELETE'),"
                       " has_table_privilege('audit_auditevent', 'TRUNCATE')")
        # PostgreSQL only warns "no privileges were granted"
        assert cursor.fetchone() == (False, False, False)


def test_even_a_mistaken_grant_leaves_the_trigger_refusing(app_role, sealed):
    with connection.cursor() as cursor:
        cursor.execute(f'GRANT UPDATE, DELETE, TRUNCATE ON audit_auditevent TO "{app_role}"')
    with acting_as(app_role):
        for statement in ("UPDATE audit_auditevent SET status = 1",
                          "DELETE FROM audit_auditevent", "TRUNCATE audit_auditevent"):
            assert "audit log is append-only" in refused(statement)
    assert AuditEvent.objects.count() == 2


def test_the_owner_alone_passes_the_trigger(sealed):
    """The test suite connects as the owner: its flush, and a database-level attacker."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET status = 1")
        cursor.execute("TRUNCATE audit_auditevent")
        transaction.set_rollback(True)
    assert AuditEvent.objects.count() == 2


def test_the_deploy_check_warns_when_the_application_owns_the_audit_tables(app_role):
    def ids() -> set[str]:
        return {issue.id for issue in run_checks(include_deployment_checks=True)}

    assert "audit.W001" in ids()  # the test suite connects as the owner
    with acting_as(app_role):
        assert "audit.W001" not in ids()


@pytest.mark.django_db(transaction=True)
def test_transactional_tests_are_flushed_as_the_owner_without_any_switch():
    """Its teardown TRUNCATEs the audit tables as their owner; a refusal would error here."""
    make_events(3)
    seal()
    assert AuditSeal.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_migrate_as_the_owner_grants_the_application_role(tmp_path):
    """`migrate` with MIGRATE_DATABASE_URL runs as the owner and leaves the application's
    role (DATABASE_URL) able to run the product and nothing more on the audit tables."""
    settings_dict = connection.settings_dict
    where = f"{settings_dict['HOST'] or '127.0.0.1'}:{settings_dict['PORT'] or 5432}"
    database = settings_dict["NAME"]
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE ROLE "{ROLE}" LOGIN')
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL",
                                                                       "MIGRATE_"))}
        env.update(DEBUG="1", AUDIT_DIGEST_DIR=str(tmp_path),
                   DATABASE_URL=f"postgres://{ROLE}@{where}/{database}",
                   MIGRATE_DATABASE_URL=f"postgres://{settings_dict['USER']}@{where}/{database}")

        def manage(*args):
            return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                                  capture_output=True, text=True, timeout=300)

        migrated = manage("migrate", "--noinput")
        assert migrated.returncode == 0, migrated.stderr
        assert (f"Granted {ROLE} INSERT and SELECT on the audit tables and read/write on every "
                f"other table and sequence (migrations ran as {settings_dict['USER']})."
                ) in migrated.stdout
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT has_table_privilege(%s, 'audit_auditevent', 'INSERT'),"
                " has_table_privilege(%s, 'audit_auditevent', 'SELECT'),"
                " has_table_privilege(%s, 'audit_auditevent', 'UPDATE'),"
                " has_table_privilege(%s, 'audit_auditseal', 'DELETE'),"
                " has_table_privilege(%s, 'audit_auditseal', 'TRUNCATE'),"
                " has_table_privilege(%s, 'tokens_apitoken', 'UPDATE'),"
                " has_sequence_privilege(%s, 'audit_auditevent_id_seq', 'USAGE'),"
                " has_sequence_privilege(%s, 'audit_auditevent_id_seq', 'UPDATE')",
                [ROLE] * 8,
            )
            assert cursor.fetchone() == (True, True, False, False, False, True, True, False)
        make_events(2)
        env.pop("MIGRATE_DATABASE_URL")
        sealed = manage("seal_audit_log", "--wait", "5")
        assert sealed.returncode == 0, sealed.stderr
        verified = manage("verify_audit_log")
        assert verified.returncode == 0, verified.stderr
        assert "audit log intact: 2 events checked in 1 seals" in verified.stderr
        checked = manage("check", "--deploy")
        assert "audit.W001" not in checked.stdout + checked.stderr
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP OWNED BY "{ROLE}"')
            cursor.execute(f'DROP ROLE "{ROLE}"')
