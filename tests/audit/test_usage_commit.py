"""How a token request's usage events are committed (AUDIT_USAGE_COMMIT).

Outside a transaction on PostgreSQL, "async" (the default) commits them in their own transaction
with synchronous_commit off, in one round trip; "sync" waits for the WAL flush; inside a
transaction they join it. Failed authentications are always committed durably.
"""

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from psycopg.pq import TransactionStatus
from rest_framework.test import APIClient

from audit.models import AuditEvent
from audit.services import build_event, record_many
from tests.conftest import postgres_only
from tests.tokens.factories import ApiTokenFactory, bearer

pytestmark = [pytest.mark.postgres, postgres_only, pytest.mark.django_db(transaction=True)]

ASYNC_PREFIX = "BEGIN; SET LOCAL synchronous_commit TO off; INSERT INTO"


def _statements_of_a_token_request(programmatic_user) -> list[str]:
    token = ApiTokenFactory(user=programmatic_user)
    client = bearer(APIClient(), token.plaintext)
    client.get("/api/v1/me/")  # the once-a-minute last-use UPDATE happens here
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/api/v1/me/").status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def test_usage_events_commit_without_waiting_for_the_flush_by_default(programmatic_user):
    statements = _statements_of_a_token_request(programmatic_user)

    assert len(statements) == 2  # the lookup, then the events in one round trip
    assert statements[1].startswith(ASYNC_PREFIX)
    assert statements[1].endswith("; COMMIT")
    assert AuditEvent.objects.filter(event="token.used", actor_id=programmatic_user.pk).count() == 2
    assert connection.connection.info.transaction_status == TransactionStatus.IDLE
    with connection.cursor() as cursor:  # the session itself still commits durably
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone() == ("on",)


def test_sync_mode_waits_for_the_flush(programmatic_user, settings):
    settings.AUDIT_USAGE_COMMIT = "sync"
    statements = _statements_of_a_token_request(programmatic_user)

    assert len(statements) == 2
    assert statements[1].startswith("INSERT INTO")
    assert AuditEvent.objects.filter(event="token.used", actor_id=programmatic_user.pk).count() == 2


def test_a_failed_authentication_is_always_committed_durably():
    with CaptureQueriesContext(connection) as captured:
        response = bearer(APIClient(), "pgu_" + "A" * 40 + "abcdef").get("/api/v1/me/")
    assert response.status_code == 401
    inserts = [q["sql"] for q in captured.captured_queries if "audit_auditevent" in q["sql"]]
    assert len(inserts) == 1 and inserts[0].startswith("INSERT INTO")
    assert AuditEvent.objects.filter(event="auth.failed").count() == 1


def test_a_failed_usage_insert_leaves_the_connection_usable_and_nothing_stored():
    bad = build_event(AuditEvent.Event.TOKEN_USED, status=-1)  # breaks the status CHECK

    with pytest.raises(IntegrityError):
        record_many([bad], usage=True)

    assert connection.connection.info.transaction_status == TransactionStatus.IDLE
    assert AuditEvent.objects.count() == 0


def test_inside_a_transaction_usage_events_join_it():
    from django.db import transaction

    event = build_event(AuditEvent.Event.TOKEN_USED, status=200)
    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        record_many([event], usage=True)
        transaction.set_rollback(True)

    assert [q["sql"].split()[0] for q in captured.captured_queries] == [
        "BEGIN", "INSERT", "ROLLBACK"]
    assert AuditEvent.objects.count() == 0
