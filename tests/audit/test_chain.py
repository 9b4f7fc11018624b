"""The hash chain: sealing in id order, and verification naming the first tampered event."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

from audit import chain
from audit.models import AuditEvent, AuditSeal
from audit.sealing import seal_pending
from audit.verification import verify_log
from tests.audit.conftest import event_with_id, make_events, tamper

pytestmark = pytest.mark.django_db


def seal(**kwargs):
    return seal_pending(settle_seconds=0, wait_seconds=5, **kwargs)


def verify_command() -> tuple[int, str]:
    err = StringIO()
    try:
        call_command("verify_audit_log", stderr=err)
    except SystemExit as exc:  # pragma: no cover - call_command raises CommandError instead
        return exc.code, err.getvalue()
    except Exception as exc:  # CommandError carries the exit status
        return getattr(exc, "returncode", 1), str(exc)
    return 0, err.getvalue()


def assert_broken_at(event_id: int, problem: str) -> None:
    verdict = verify_log()
    assert not verdict.ok
    assert verdict.broken_event_id == event_id
    assert problem in verdict.problem
    code, message = verify_command()
    assert code == 1
    assert re.search(rf"\b{event_id}\b", message)
    assert f"audit log broken at event {event_id}: " in message


def test_an_empty_log_verifies_with_nothing_sealed():
    verdict = verify_log()
    assert verdict.ok
    assert verdict.sealed_up_to is None
    assert "0 events checked" in verdict.summary()


def test_sealing_chains_every_committed_event_in_id_order():
    events = make_events(5)
    result = seal()
    assert (result.seals, result.events) == (1, 5)
    sealed = AuditSeal.objects.get()
    assert sealed.first_event_id == events[0].id
    assert sealed.last_event_id == events[-1].id
    assert [pair[0] for pair in sealed.event_digests] == [e.id for e in events]
    assert sealed.previous_hash == chain.GENESIS
    assert sealed.hash == chain.hash_of_seal(sealed)


def test_sealing_twice_seals_nothing_new():
    make_events(3)
    seal()
    assert seal().seals == 0
    assert AuditSeal.objects.count() == 1


def test_batches_link_each_seal_to_the_previous_one():
    make_events(7)
    result = seal(batch_size=3)
    assert (result.seals, result.events) == (3, 7)
    seals = list(AuditSeal.objects.order_by("id"))
    assert [s.event_count for s in seals] == [3, 3, 1]
    for previous, current in zip(seals, seals[1:], strict=False):
        assert current.previous_hash == previous.hash
    assert verify_log().ok


def test_verify_reports_what_is_checked_sealed_and_pending():
    events = make_events(4)
    seal()
    make_events(2)
    verdict = verify_log()
    assert verdict.ok
    assert (verdict.events_checked, verdict.sealed_up_to, verdict.unsealed) == (
        4, events[-1].id, 2,
    )
    code, message = verify_command()
    assert code == 0
    assert f"4 events checked in 1 seals, sealed up to event {events[-1].id}, 2 not yet" in message


def test_seal_command_reports_what_it_sealed():
    make_events(2)
    err = StringIO()
    call_command("seal_audit_log", stderr=err)
    assert "sealed 2 events in 1 seals" in err.getvalue()
    assert verify_log().ok


def test_gaps_left_by_rolled_back_transactions_are_not_tampering():
    first = make_events(1)[0]
    with pytest.raises(RuntimeError), transaction.atomic():
        make_events(2)
        raise RuntimeError("rolled back")
    event_with_id(first.id + 10)
    seal()
    assert verify_log().ok


# --- tampering: each kind names the first altered event ------------------------------------

def test_an_edited_row_is_named():
    events = make_events(5)
    seal()
    tamper("UPDATE audit_auditevent SET status = 500 WHERE id = %s", [events[2].id])
    assert_broken_at(events[2].id, "content altered")


def test_an_edited_detail_is_named():
    events = make_events(3)
    seal()
    tamper("UPDATE audit_auditevent SET actor_username = 'someone-else' WHERE id = %s",
           [events[1].id])
    assert_broken_at(events[1].id, "content altered")


def test_a_deleted_row_is_named():
    events = make_events(5)
    seal()
    tamper("DELETE FROM audit_auditevent WHERE id = %s", [events[3].id])
    assert_broken_at(events[3].id, "event deleted")


def test_a_deleted_last_row_of_a_seal_is_named():
    events = make_events(4)
    seal(batch_size=2)
    tamper("DELETE FROM audit_auditevent WHERE id = %s", [events[1].id])
    assert_broken_at(events[1].id, "event deleted")


def test_an_inserted_row_is_named():
    first = make_events(1)[0]
    last = event_with_id(first.id + 5)
    seal()
    tamper(
        "INSERT INTO audit_auditevent (id, occurred_at, event, actor_username, actor_category,"
        " token_hint, target_type, target_id, target_repr, user_agent, request_id, method,"
        " path, details) SELECT %s, occurred_at, event, actor_username, actor_category,"
        " token_hint, target_type, target_id, target_repr, user_agent, request_id, method,"
        " path, details FROM audit_auditevent WHERE id = %s",
        [first.id + 2, last.id],
    )
    assert_broken_at(first.id + 2, "event inserted")


def test_reordered_rows_are_named():
    events = make_events(4)
    seal()
    a, b = events[1].id, events[2].id
    tamper("UPDATE audit_auditevent SET id = -1 WHERE id = %s", [a])
    tamper("UPDATE audit_auditevent SET id = %s WHERE id = %s", [a, b])
    tamper("UPDATE audit_auditevent SET id = %s WHERE id = -1", [b])
    assert_broken_at(a, f"rows reordered (holds the content sealed as event {b})")


def test_an_altered_seal_is_detected():
    events = make_events(4)
    seal(batch_size=2)
    second = AuditSeal.objects.order_by("id").last()
    tamper("UPDATE audit_auditseal SET event_count = 1 WHERE id = %s", [second.id],
           table="audit_auditseal")
    assert_broken_at(events[2].id, f"seal {second.id} altered")


def test_a_deleted_seal_is_detected():
    events = make_events(6)
    seal(batch_size=2)
    middle = AuditSeal.objects.order_by("id")[1]
    tamper("DELETE FROM audit_auditseal WHERE id = %s", [middle.id], table="audit_auditseal")
    assert_broken_at(events[2].id, "does not follow the previous seal")


def test_a_rewritten_seal_list_hiding_an_edit_is_detected():
    events = make_events(3)
    seal()
    tamper("UPDATE audit_auditevent SET status = 999 WHERE id = %s", [events[0].id])
    sealed = AuditSeal.objects.get()
    row = AuditEvent.objects.filter(id=events[0].id).values_list(*chain.ROW_FIELDS).get()
    sealed.event_digests[0][1] = chain.content_digest(row)[: chain.SHORT_DIGEST]
    sealed.hash = chain.hash_of_seal(sealed)
    tamper("UPDATE audit_auditseal SET event_digests = %s, hash = %s WHERE id = %s",
           [__import__("json").dumps(sealed.event_digests), sealed.hash, sealed.id],
           table="audit_auditseal")
    assert_broken_at(events[0].id, "does not match its events")


def test_recent_check_verifies_only_the_latest_seals():
    events = make_events(6)
    seal(batch_size=2)
    tamper("UPDATE audit_auditevent SET status = 1 WHERE id = %s", [events[0].id])
    recent = verify_log(recent_seals=2)
    assert recent.ok and recent.partial
    assert recent.events_checked == 4
    assert not verify_log().ok


def test_every_column_is_covered_by_the_chain():
    columns = {f.attname for f in AuditEvent._meta.concrete_fields}
    assert set(chain.ROW_FIELDS) == columns
