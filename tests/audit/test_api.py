"""GET audit-events/ and its export: filters, pagination, the access matrix, no writes."""

import csv
import io
import json
from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from audit import export
from audit.models import AuditEvent
from audit.services import record
from tests.accounts.factories import PersonFactory, ProgrammaticUserFactory, group
from tests.audit.conftest import request_stub, token_stub
from tests.conftest import api_error, client_for, postgres_only

pytestmark = pytest.mark.django_db

LIST = "/api/v1/audit-events/"
EXPORT = "/api/v1/audit-events/export/"
Event = AuditEvent.Event


@pytest.fixture
def auditor(db):
    user = PersonFactory(username="auditor")
    user.groups.add(group("Auditors"))
    return user


@pytest.fixture
def auditor_client(auditor):
    return client_for(auditor)


def programmatic_client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


@pytest.fixture
def timeline(db):
    """Events at known times, written with occurred_at set before the INSERT."""
    from audit.services import build_event

    robot = ProgrammaticUserFactory(username="erp-sync")
    alice = PersonFactory(username="alice")
    specs = [
        (Event.TOKEN_ISSUED, alice, token_stub(11, "pgu_aaaa"), None, at(1)),
        (Event.TOKEN_USED, robot, token_stub(11, "pgu_aaaa"), 200, at(2)),
        (Event.TOKEN_USED, robot, token_stub(11, "pgu_aaaa"), 403, at(3)),
        (Event.ACCESS_DENIED, robot, token_stub(11, "pgu_aaaa"), 403, at(3, 13)),
        (Event.TOKEN_USED, robot, token_stub(12, "pgu_bbbb"), 200, at(4)),
        (Event.USER_UPDATED, alice, None, None, at(5)),
    ]
    rows = []
    for kind, actor, token, status, when in specs:
        built = build_event(kind, actor=actor, token=token, status=status,
                            request=request_stub())
        built.occurred_at = when
        built.save(force_insert=True)
        rows.append(built)
    return rows


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


# --- representation, order, filters ---------------------------------------------------------

def test_events_come_newest_first_with_the_documented_fields(auditor_client, timeline):
    response = auditor_client.get(LIST)
    assert ids(response) == [e.id for e in reversed(timeline)]
    body = response.json()
    assert set(body) == {"next", "previous", "results"}
    used = next(i for i in body["results"] if i["id"] == timeline[1].id)
    assert used == {
        "id": timeline[1].id,
        "occurred_at": "2026-03-02T12:00:00.000000Z",
        "event": "token.used",
        "actor": {"id": timeline[1].actor_id, "username": "erp-sync",
                  "category": "programmatic"},
        "token": {"id": 11, "hint": "pgu_aaaa"},
        "target": None,
        "ip": "203.0.113.9",
        "user_agent": "curl/8",
        "request_id": timeline[1].request_id,
        "method": "GET",
        "path": "/api/v1/projects/",
        "status": 200,
        "details": {},
    }


def test_an_event_without_actor_or_token_shows_nulls(auditor_client):
    record(Event.TOKEN_LEAK_REPORTED, target={"type": "tokens.apitoken", "id": 3, "repr": "x"})
    item = auditor_client.get(LIST).json()["results"][0]
    assert item["actor"] is None and item["token"] is None
    assert item["target"] == {"type": "tokens.apitoken", "id": "3", "repr": "x"}


@pytest.mark.parametrize(("query", "expected"), [
    ("event=token.used", [4, 2, 1]),
    ("actor=erp-sync", [4, 3, 2, 1]),
    ("actor=alice", [5, 0]),
    ("token=11", [3, 2, 1, 0]),
    ("token=12", [4]),
    ("status=403", [3, 2]),
    ("since=2026-03-03T12:00:00Z", [5, 4, 3, 2]),
    ("until=2026-03-03T12:00:00Z", [1, 0]),
    ("since=2026-03-02T00:00:00%2B00:00&until=2026-03-04", [3, 2, 1]),
    ("token=11&event=token.used&status=200", [1]),
    ("actor=nobody", []),
])
def test_filters(auditor_client, timeline, query, expected):
    assert ids(auditor_client.get(f"{LIST}?{query}")) == [timeline[n].id for n in expected]


@pytest.mark.parametrize(("query", "field"), [
    ("since=yesterday", "since"),
    ("until=2026-13-45", "until"),
    ("token=abc", "token"),
    ("status=42", "status"),
    ("event=token.exploded", "event"),
    ("since=2026-03-05&until=2026-03-01", "until"),
])
def test_bad_filters_are_400_with_a_field_error(auditor_client, query, field):
    response = auditor_client.get(f"{LIST}?{query}")
    assert response.status_code == 400
    assert field in response.json()
    export_response = auditor_client.get(f"{EXPORT}?{query}")
    assert export_response.status_code == 400
    assert field in export_response.json()


def test_pages_follow_the_cursor_without_overlap(auditor_client, timeline):
    first = auditor_client.get(f"{LIST}?page_size=4").json()
    assert len(first["results"]) == 4 and first["previous"] is None
    second = auditor_client.get(first["next"]).json()
    assert [i["id"] for i in first["results"] + second["results"]] == [
        e.id for e in reversed(timeline)
    ]
    assert second["next"] is None


def test_filtered_pages_keep_the_filter(auditor_client, timeline):
    first = auditor_client.get(f"{LIST}?token=11&page_size=2").json()
    second = auditor_client.get(first["next"]).json()
    assert [i["id"] for i in first["results"] + second["results"]] == [
        timeline[n].id for n in (3, 2, 1, 0)
    ]


# --- who may read, and that nobody writes ---------------------------------------------------

def caller(name: str, request) -> APIClient:
    """The client of one row of the access matrix, creating only the user it needs."""
    if name == "anonymous":
        return APIClient()
    if name in {"programmatic", "granted programmatic"}:
        user = request.getfixturevalue("programmatic_user")
        if name == "granted programmatic":
            user.user_permissions.add(Permission.objects.get(codename="view_auditevent"))
        return programmatic_client(user)
    return client_for(request.getfixturevalue(name))


MATRIX = [
    ("auditor", 200), ("superuser", 200), ("granted programmatic", 200),
    ("configurator", 403), ("person", 403), ("programmatic", 403), ("anonymous", 401),
]


@pytest.mark.parametrize(("name", "status"), MATRIX)
@pytest.mark.parametrize("url", [LIST, EXPORT])
def test_who_may_read_the_log(name, status, url, request):
    client = caller(name, request)
    assert client.get(url).status_code == status


@pytest.mark.parametrize("name", [n for n, _ in MATRIX])
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("url", [LIST, EXPORT, f"{LIST}1/"])
def test_no_write_method_exists_for_anyone(name, method, url, request):
    record(Event.USER_UPDATED)
    client = caller(name, request)
    response = getattr(client, method)(url, {"event": "user.created"}, format="json")
    assert response.status_code in ({405} if url != f"{LIST}1/" else {404})
    assert AuditEvent.objects.count() == 1


def test_reading_the_log_with_a_token_notes_the_permission(programmatic_user, rf):
    from audit.api import AuditEventList
    from audit.context import RequestAudit

    programmatic_user.user_permissions.add(Permission.objects.get(codename="view_auditevent"))
    request = rf.get(LIST)
    request.audit = RequestAudit.from_request(request)
    from rest_framework.test import force_authenticate

    force_authenticate(request, user=programmatic_user)
    assert AuditEventList.as_view()(request).status_code == 200
    assert request.audit.permissions == {"audit.view_auditevent"}


# --- export -----------------------------------------------------------------------------------

def body(response) -> str:
    assert response.status_code == 200
    assert response.streaming
    return b"".join(response.streaming_content).decode()


def test_csv_export_has_every_filtered_event(auditor_client, timeline):
    response = auditor_client.get(f"{EXPORT}?format=csv&token=11")
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(body(response))))
    assert [int(r["id"]) for r in rows] == [timeline[n].id for n in (3, 2, 1, 0)]
    assert rows[0]["occurred_at"] == "2026-03-03T13:00:00.000000Z"
    assert rows[0]["actor_category"] == "programmatic"
    assert rows[0]["token_hint"] == "pgu_aaaa"


def test_jsonl_export_lines_are_the_api_representation(auditor_client, timeline):
    response = auditor_client.get(f"{EXPORT}?format=jsonl&actor=alice")
    assert response["Content-Type"].startswith("application/jsonl")
    lines = [json.loads(line) for line in body(response).splitlines()]
    api = auditor_client.get(f"{LIST}?actor=alice").json()["results"]
    assert lines == api


def test_export_defaults_to_csv_and_refuses_unknown_formats(auditor_client):
    assert auditor_client.get(EXPORT)["Content-Type"].startswith("text/csv")
    response = auditor_client.get(f"{EXPORT}?format=xlsx")
    assert response.status_code == 400
    assert "format" in response.json()


def test_export_streams_lazily_from_an_iterator(auditor_client, monkeypatch):
    for n in range(30):
        record(Event.TOKEN_USED, token=token_stub(), status=200, details={"n": n})
    produced = []
    original = export.as_dict

    def counting(event):
        produced.append(event.id)
        return original(event)

    chunk_sizes = []
    original_iterator = type(AuditEvent.objects.all()).iterator

    def spy(self, chunk_size=None):
        chunk_sizes.append(chunk_size)
        return original_iterator(self, chunk_size=chunk_size)

    monkeypatch.setattr(export, "as_dict", counting)
    monkeypatch.setattr(export, "FLUSH_ROWS", 2)
    monkeypatch.setattr(type(AuditEvent.objects.all()), "iterator", spy)
    response = auditor_client.get(f"{EXPORT}?format=jsonl")
    assert response.streaming
    assert produced == []  # nothing read before the body is consumed
    chunks = iter(response.streaming_content)
    first = next(chunks)
    assert len(first.decode().splitlines()) == 2
    assert len(produced) == 2  # only what was sent so far was serialised
    assert chunk_sizes == [export.CHUNK_SIZE]
    rest = b"".join(chunks)
    assert len(produced) == 30
    assert len((first + rest).decode().splitlines()) == 30


# --- hostile values: stored capped, rendered escaped ----------------------------------------

HOSTILE_PATH = "/api/v1/x%0d%0aINJECTED: 1"


def test_hostile_values_are_stored_escaped_and_capped(db):
    request = request_stub(HOSTILE_PATH, user_agent="=cmd|' /C calc'!A0\n" + "A" * 5000)
    stored = record(Event.AUTH_FAILED, request=request, details={"reason": "malformed"})
    stored.refresh_from_db()
    assert "\n" not in stored.path and "\r" not in stored.path
    assert "\\x0d\\x0a" in stored.path
    assert len(stored.user_agent) == 512
    assert "\n" not in stored.user_agent


def test_csv_cells_cannot_become_formulas_or_extra_rows(auditor_client):
    request = request_stub("/api/v1/p", user_agent="=HYPERLINK(\"http://evil\")")
    record(Event.AUTH_FAILED, request=request,
           target={"type": "projects.project", "id": "-1", "repr": "@SUM(A1)\nnext,row"},
           details={"reason": "+1\n2"})
    text = body(auditor_client.get(f"{EXPORT}?format=csv"))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 1
    row = rows[0]
    assert row["user_agent"] == "'=HYPERLINK(\"http://evil\")"
    assert row["target_id"] == "'-1"
    assert row["target_repr"].startswith("'@SUM(A1)")
    assert "\n" not in row["target_repr"]  # snapshots are stored with control characters escaped
    assert json.loads(row["details"]) == {"reason": "+1\n2"}


def test_jsonl_keeps_one_event_per_line(auditor_client):
    record(Event.AUTH_FAILED, details={"reason": "line\nbreak\u2028"})
    text = body(auditor_client.get(f"{EXPORT}?format=jsonl"))
    assert len(text.splitlines()) == 1
    assert json.loads(text)["details"]["reason"] == "line\nbreak\u2028"


def test_events_are_newest_first_by_time_then_id(auditor_client):
    from audit.models import AuditEvent

    late = AuditEvent.objects.create(event="token.used", occurred_at=at(5))
    early = AuditEvent.objects.create(event="token.used", occurred_at=at(3))  # committed later
    tie = AuditEvent.objects.create(event="token.used", occurred_at=at(5))
    ids = [row["id"] for row in auditor_client.get(LIST).json()["results"]]
    assert ids == [tie.id, late.id, early.id]
    second = auditor_client.get(f"{LIST}?page_size=1").json()
    assert [row["id"] for row in second["results"]] == [tie.id]
    rest = auditor_client.get(second["next"]).json()["results"]
    assert [row["id"] for row in rest] == [late.id]


# --- the second wave's filters ----------------------------------------------------------------

def test_reason_selects_failed_authentications_with_that_reason(auditor_client):
    revoked = record(Event.AUTH_FAILED, details={"reason": "revoked"})
    record(Event.AUTH_FAILED, details={"reason": "expired"})
    record(Event.TOKEN_REVOKED, details={"reason": "revoked"})  # not a failed authentication
    assert ids(auditor_client.get(LIST, {"reason": "revoked"})) == [revoked.id]


def test_actor_category_tells_integrations_from_people(auditor_client, timeline):
    robots = ids(auditor_client.get(LIST, {"actor_category": "programmatic"}))
    people = ids(auditor_client.get(LIST, {"actor_category": "personal"}))
    assert sorted(robots) == sorted(e.id for e in timeline if e.actor_username == "erp-sync")
    assert sorted(people) == sorted(e.id for e in timeline if e.actor_username == "alice")


@pytest.mark.parametrize("url", [LIST, EXPORT])
@pytest.mark.parametrize("query", [{"reasons": "revoked"}, {"actor_id": "1"}, {"q": "x"}])
def test_an_unknown_filter_is_refused_not_ignored(auditor_client, url, query):
    response = auditor_client.get(url, query)
    assert response.status_code == 400
    [name] = query
    body = api_error(response)
    assert list(body) == [name]
    assert body[name][0].startswith("Unknown filter. Filters: actor, actor_category,")


@pytest.mark.parametrize("query", [{"reason": "bored"}, {"actor_category": "robot"}])
def test_a_bad_value_of_the_new_filters_is_refused(auditor_client, query):
    response = auditor_client.get(LIST, query)
    assert response.status_code == 400
    assert list(api_error(response)) == list(query)


def test_pagination_parameters_are_not_unknown_filters(auditor_client, timeline):
    first = auditor_client.get(LIST, {"page_size": 2}).json()
    assert len(first["results"]) == 2
    assert auditor_client.get(first["next"]).status_code == 200


@postgres_only
def test_the_reason_filter_reads_its_partial_index(auditor_client):
    from django.db import connection

    record(Event.AUTH_FAILED, details={"reason": "revoked"})
    events = AuditEvent.objects.failures("revoked").order_by("-occurred_at")
    sql, params = events.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "audit_failure_reason_idx" in plan, plan
