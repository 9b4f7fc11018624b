"""The audit admin: view-only for everyone, filters, search, export, the integrity verdict."""

import csv
import io
import json

import pytest

from audit.models import AuditEvent, AuditSeal
from audit.sealing import seal_pending
from audit.services import record
from tests.accounts.factories import PersonFactory, ProgrammaticUserFactory, group
from tests.audit.conftest import make_events, request_stub, tamper, token_stub
from tests.conftest import browser_for, postgres_only

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/audit/auditevent/"
EXPORT = "/admin/audit/auditevent/export/"
Event = AuditEvent.Event


@pytest.fixture
def staff_auditor(db):
    user = PersonFactory(username="staff-auditor", is_staff=True)
    user.groups.add(group("Auditors"))
    return user


@pytest.fixture
def log(db):
    robot = ProgrammaticUserFactory(username="erp-sync")
    alice = PersonFactory(username="alice")
    return {
        "robot": record(Event.TOKEN_USED, actor=robot, token=token_stub(5, "pgu_zzzz"),
                        request=request_stub(), status=200),
        "denied": record(Event.ACCESS_DENIED, actor=robot, token=token_stub(5, "pgu_zzzz"),
                         request=request_stub(), status=403),
        "alice": record(Event.USER_UPDATED, actor=alice, status=None),
    }


def shown_ids(response) -> list[int]:
    assert response.status_code == 200
    return [obj.id for obj in response.context["cl"].result_list]


@pytest.mark.parametrize("who", ["staff_auditor", "superuser"])
def test_the_log_is_view_only_for_everyone(who, request, log):
    browser = browser_for(request.getfixturevalue(who))
    event = log["robot"]
    assert browser.get(CHANGELIST).status_code == 200
    assert browser.get(f"{CHANGELIST}{event.id}/change/").status_code == 200
    assert browser.get(f"{CHANGELIST}add/").status_code == 403
    assert browser.post(f"{CHANGELIST}{event.id}/change/", {"status": 500}).status_code == 403
    assert browser.get(f"{CHANGELIST}{event.id}/delete/").status_code == 403
    response = browser.post(CHANGELIST, {"action": "delete_selected",
                                         "_selected_action": [event.id]})
    assert AuditEvent.objects.filter(pk=event.id).exists()
    assert response.status_code in {200, 302}
    assert browser.get("/admin/audit/auditseal/add/").status_code == 403


def test_seals_are_view_only_even_for_superusers(superuser):
    make_events(2)
    seal_pending(settle_seconds=0)
    sealed = AuditSeal.objects.get()
    browser = browser_for(superuser)
    assert browser.get("/admin/audit/auditseal/").status_code == 200
    assert browser.get(f"/admin/audit/auditseal/{sealed.id}/change/").status_code == 200
    assert browser.get("/admin/audit/auditseal/add/").status_code == 403
    assert browser.get(f"/admin/audit/auditseal/{sealed.id}/delete/").status_code == 403


def test_people_without_the_permission_cannot_see_it(staff, log):
    browser = browser_for(staff)
    assert browser.get(CHANGELIST).status_code == 403
    assert browser.get(EXPORT).status_code == 403


def test_the_kind_column_tells_people_from_programmatic_users(staff_auditor, log):
    content = browser_for(staff_auditor).get(CHANGELIST).content.decode()
    assert content.count("audit-kind-programmatic\">programmatic<") == 2
    assert content.count("audit-kind-person\">person<") == 1


@pytest.mark.parametrize(("query", "expected"), [
    ("actor_kind=programmatic", ["denied", "robot"]),
    ("actor_kind=personal", ["alice"]),
    ("status_class=4xx", ["denied"]),
    ("status_class=none", ["alice"]),
    ("event__exact=token.used", ["robot"]),
    ("q=alice", ["alice"]),
    ("q=pgu_zzzz", ["denied", "robot"]),
    ("q=nobody", []),
    ("q=erp", ["denied", "robot"]),  # the beginning of a username (issue 18)
    ("q=ERP-S", ["denied", "robot"]),  # in any case
    ("q=pgu_z", ["denied", "robot"]),  # the beginning of a hint
    ("q=sync", []),  # a prefix, not any part
    ("q=erp%25", []),  # LIKE's wildcards are plain characters
    ("q=_rp", []),
])
def test_filters_and_search(staff_auditor, log, query, expected):
    response = browser_for(staff_auditor).get(f"{CHANGELIST}?{query}")
    assert shown_ids(response) == [log[name].id for name in expected]


def test_export_csv_is_the_filtered_view(staff_auditor, log):
    browser = browser_for(staff_auditor)
    page = browser.get(f"{CHANGELIST}?actor_kind=programmatic").content.decode()
    assert f'href="{EXPORT}?actor_kind=programmatic"' in page
    response = browser.get(f"{EXPORT}?actor_kind=programmatic")
    assert response.streaming
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [int(r["id"]) for r in rows] == [log["denied"].id, log["robot"].id]


def test_export_of_a_bad_filter_is_400(staff_auditor, log):
    assert browser_for(staff_auditor).get(f"{EXPORT}?occurred_at__nonsense=1").status_code == 400


def test_the_changelist_shows_the_integrity_verdict(staff_auditor, db):
    events = make_events(3)
    seal_pending(settle_seconds=0)
    browser = browser_for(staff_auditor)
    page = browser.get(CHANGELIST).content.decode()
    assert "audit log intact: 3 events checked" in page
    tamper("UPDATE audit_auditevent SET path = '/x' WHERE id = %s", [events[1].id])
    page = browser.get(CHANGELIST).content.decode()
    assert f"audit log broken at event {events[1].id}: content altered" in page
    assert AuditSeal.objects.count() == 1


def test_hostile_values_are_rendered_escaped(staff_auditor):
    request = request_stub("/api/v1/<script>alert(1)</script>", user_agent="<img src=x>")
    event = record(Event.AUTH_FAILED, request=request,
                   target={"type": "x", "id": 1, "repr": "<script>alert(2)</script>"})
    browser = browser_for(staff_auditor)
    # The list shows the target (in its title too); the row's page the path and agent as well.
    for url in (CHANGELIST, f"{CHANGELIST}{event.id}/change/"):
        page = browser.get(url).content.decode()
        assert "<script>alert(" not in page and "<img src=x>" not in page
        assert "&lt;script&gt;alert(2)" in page
    detail = browser.get(f"{CHANGELIST}{event.id}/change/").content.decode()
    assert "&lt;script&gt;alert(1)" in detail and "&lt;img src=x&gt;" in detail


def test_billing_finds_billing_sync(staff_auditor, db):
    billing = ProgrammaticUserFactory(username="billing-sync")
    event = record(Event.TOKEN_USED, actor=billing, token=token_stub(7, "pgu_bill"),
                   request=request_stub(), status=200)
    record(Event.TOKEN_USED, actor=ProgrammaticUserFactory(username="erp-billing"),
           token=token_stub(8, "pgu_erpb"), request=request_stub(), status=200)
    assert shown_ids(browser_for(staff_auditor).get(f"{CHANGELIST}?q=billing")) == [event.id]


@postgres_only
def test_the_partial_search_reads_its_indexes(staff_auditor, db):
    """At 200,000 events, a prefix search is a range of the UPPER(...) text_pattern_ops indexes
    (audit migration 0008), not a scan of the table."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditevent (occurred_at, event, actor_username, actor_category, "
            "token_hint, target_type, target_id, target_repr, user_agent, request_id, method, "
            "path, details, status) SELECT now() - g * interval '1 second', 'token.used', "
            "'robot-' || g, 'programmatic', 'pgu_' || lpad(to_hex(g), 4, '0'), '', '', '', '', "
            "md5(g::text), 'GET', '/api/v1/me/', '{}', 200 FROM generate_series(1, 200000) g")
        cursor.execute("ANALYZE audit_auditevent")
    with CaptureQueriesContext(connection) as queries:
        assert browser_for(staff_auditor).get(f"{CHANGELIST}?q=robot-1234").status_code == 200
    statement = next(q["sql"] for q in queries.captured_queries
                     if "LIKE UPPER" in q["sql"] and "COUNT" not in q["sql"].upper())
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + statement)
        plan = json.dumps(cursor.fetchone()[0])
    assert "audit_actor_prefix_idx" in plan and "audit_hint_prefix_idx" in plan, plan
    assert '"Seq Scan"' not in plan, plan
