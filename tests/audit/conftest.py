"""Audit tests: the flush hook (until the root conftest carries it) and event helpers."""

from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import RequestFactory

from audit.context import RequestAudit
from audit.models import AuditEvent
from audit.services import build_event, record
from audit.testing import allow_flush

Event = AuditEvent.Event


@pytest.fixture(scope="session", autouse=True)
def _audit_allows_test_flush():
    with allow_flush():
        yield


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def token_stub(pk: int = 7, hint: str = "pgu_abcd") -> SimpleNamespace:
    return SimpleNamespace(pk=pk, hint=hint)


def request_stub(path: str = "/api/v1/projects/", *, user_agent: str = "curl/8", ip="203.0.113.9"):
    request = RequestFactory().get(path, HTTP_USER_AGENT=user_agent, REMOTE_ADDR=ip)
    request.audit = RequestAudit.from_request(request)
    return request


def make_events(count: int, **kwargs) -> list[AuditEvent]:
    """`count` token.used events, each with its own status."""
    return [
        record(Event.TOKEN_USED, token=token_stub(), request=request_stub(), status=200 + n,
               details={"permissions": ["projects.view_project"], "n": n}, **kwargs)
        for n in range(count)
    ]


def event_with_id(event_id: int, **kwargs) -> AuditEvent:
    """An event inserted with an explicit id (keeps PostgreSQL's sequence ahead of it)."""
    event = build_event(Event.AUTH_FAILED, details={"reason": "unknown"}, **kwargs)
    event.id = event_id
    event.save(force_insert=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('audit_auditevent', 'id'), "
                "greatest(%s, (SELECT last_value FROM audit_auditevent_id_seq)))",
                [event_id],
            )
    return event


def tamper(sql: str, params=None, *, table: str = "audit_auditevent") -> None:
    """Run `sql` past the append-only trigger, as the database superuser would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {table}_append_only")
