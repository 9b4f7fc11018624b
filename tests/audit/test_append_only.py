"""Append-only on PostgreSQL: the trigger refuses UPDATE, DELETE, TRUNCATE (DESIGN rule 16)."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from audit.models import AuditEvent, AuditSeal
from audit.sealing import seal_pending
from audit.testing import ALLOW_MAINTENANCE_SQL, allow_flush
from tests.audit.conftest import make_events
from tests.conftest import postgres_only

pytestmark = [pytest.mark.postgres, postgres_only]

REFUSED = "audit log is append-only"


def refused(sql: str, params=None) -> str:
    with pytest.raises(DatabaseError) as caught, transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql, params)
    return str(caught.value)


@pytest.fixture
def sealed(db):
    events = make_events(2)
    seal_pending(settle_seconds=0)
    return events


@pytest.mark.parametrize("table", ["audit_auditevent", "audit_auditseal"])
@pytest.mark.parametrize("statement", [
    "UPDATE {table} SET id = id",
    "DELETE FROM {table}",
    "TRUNCATE {table}",
])
def test_raw_sql_cannot_change_audit_rows(sealed, table, statement):
    message = refused(statement.format(table=table))
    assert REFUSED in message
    assert table in message
    assert AuditEvent.objects.count() == 2
    assert AuditSeal.objects.count() == 1


def test_the_orm_cannot_update_or_delete_events(sealed):
    with pytest.raises(DatabaseError, match=REFUSED), transaction.atomic():
        AuditEvent.objects.filter(pk=sealed[0].pk).update(status=500)
    with pytest.raises(DatabaseError, match=REFUSED), transaction.atomic():
        sealed[0].delete()
    with pytest.raises(DatabaseError, match=REFUSED), transaction.atomic():
        event = AuditEvent.objects.get(pk=sealed[1].pk)
        event.status = 201
        event.save()
    assert AuditEvent.objects.get(pk=sealed[0].pk).status == sealed[0].status


def test_the_orm_cannot_delete_seals(sealed):
    with pytest.raises(DatabaseError, match=REFUSED), transaction.atomic():
        AuditSeal.objects.all().delete()


def test_the_maintenance_setting_lets_truncate_through_and_nothing_else(sealed):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(ALLOW_MAINTENANCE_SQL)
        with pytest.raises(DatabaseError, match=REFUSED), transaction.atomic():
            cursor.execute("UPDATE audit_auditevent SET status = 1")
        with pytest.raises(DatabaseError, match=REFUSED), transaction.atomic():
            cursor.execute("DELETE FROM audit_auditevent")
        cursor.execute("TRUNCATE audit_auditevent")
        assert AuditEvent.objects.count() == 0
        transaction.set_rollback(True)
    assert AuditEvent.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_setting_ends_with_its_transaction():
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(ALLOW_MAINTENANCE_SQL)
    make_events(1)
    assert "TRUNCATE" in refused("TRUNCATE audit_auditevent")


@pytest.mark.django_db(transaction=True)
def test_flush_without_the_hook_is_refused_and_with_it_succeeds():
    make_events(1)
    from audit import testing

    depth, testing._depth = testing._depth, 0
    saved = testing.BaseDatabaseOperations.execute_sql_flush
    testing.BaseDatabaseOperations.execute_sql_flush = testing._original
    try:
        with pytest.raises(CommandError):
            call_command("flush", interactive=False, verbosity=0)
        assert AuditEvent.objects.count() == 1
    finally:
        testing.BaseDatabaseOperations.execute_sql_flush = saved
        testing._depth = depth
    with allow_flush():
        call_command("flush", interactive=False, verbosity=0)
    assert AuditEvent.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_transactional_tests_can_write_events_and_be_flushed():
    """Its teardown flushes the audit tables through the hook; a refusal would error here."""
    make_events(3)
    seal_pending(settle_seconds=0)
    assert AuditSeal.objects.count() == 1


def test_rollback_tests_are_unaffected_by_the_hook(db):
    make_events(1)
    assert AuditEvent.objects.count() == 1
