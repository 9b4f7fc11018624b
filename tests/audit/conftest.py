"""Audit tests: event helpers, and tampering as the tables' owner would do it."""

from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import RequestFactory

from audit.context import RequestAudit
from audit.models import AuditEvent
from audit.services import build_event, record

Event = AuditEvent.Event


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


def tamper(sql: str, params=None) -> None:
    """Run `sql` as the tables' owner (the test suite's role), whom the trigger lets through:
    a database-level attacker."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def seal(**kwargs):
    """Seal what is committed, without the production settle delay."""
    from audit.sealing import seal_pending

    return seal_pending(settle_seconds=0, wait_seconds=5, **kwargs)


def run_command(name: str, *args) -> tuple[int, str]:
    """(exit status, the one line it printed to stderr or in its CommandError)."""
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    err = StringIO()
    try:
        call_command(name, *args, stderr=err)
    except CommandError as exc:
        return exc.returncode, str(exc)
    return 0, err.getvalue().strip()


def digest_files(location) -> list:
    """The digest files under `location`, in chain order."""
    return sorted(location.glob("*/*.json"))


def rewrite_digest(path, change) -> None:
    """Apply `change` to the stored digest document at `path` and write it back in place."""
    import json
    import os

    from audit import digests

    document = json.loads(path.read_bytes())
    change(document)
    os.chmod(path, 0o644)
    path.write_bytes(digests.encode(document))
