"""The hash chain: sealing in id order into keyed seals and signed digests (tampering:
test_tampering.py; digests and their storage: test_digests.py)."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

from audit import chain, digests
from audit.conf import audit_settings
from audit.models import AuditEvent, AuditSeal
from audit.verification import verify_log
from tests.audit.conftest import (
    digest_files,
    event_with_id,
    make_events,
    run_command,
    seal,
    tamper,
)

pytestmark = pytest.mark.django_db


def test_an_empty_log_verifies_with_nothing_sealed():
    verdict = verify_log()
    assert verdict.ok
    assert verdict.sealed_up_to is None
    assert "0 events checked" in verdict.summary()


def test_sealing_chains_every_committed_event_in_id_order(digest_dir):
    events = make_events(5)
    result = seal()
    assert (result.seals, result.events) == (1, 5)
    sealed = AuditSeal.objects.get()
    key = audit_settings.signing_key
    assert (sealed.scheme, sealed.key_id) == (2, key.id)
    assert sealed.first_event_id == events[0].id
    assert sealed.last_event_id == events[-1].id
    assert [pair[0] for pair in sealed.event_digests] == [e.id for e in events]
    assert sealed.previous_hash == chain.GENESIS
    assert sealed.hash == chain.hash_of_seal(sealed, key.mac_key)
    assert chain.hash_of_seal(sealed, b"another key" * 3) != sealed.hash
    rows = AuditEvent.objects.order_by("id").values_list(*chain.ROW_FIELDS)
    plain = keyed = chain.GENESIS
    for row in rows:
        digest = chain.content_digest(row)
        plain = chain.event_hash(plain, row[0], digest)
        keyed = chain.keyed_event_hash(key.mac_key, keyed, row[0], digest)
    assert (sealed.events_head, sealed.chain_hash) == (plain, keyed)
    assert plain != keyed


def test_each_seal_is_written_as_a_signed_digest(digest_dir):
    make_events(3)
    seal()
    sealed = AuditSeal.objects.get()
    [path] = digest_files(digest_dir)
    assert path.relative_to(digest_dir).as_posix() == digests.name_for(
        sealed.first_event_id, sealed.last_event_id)
    document = json.loads(path.read_bytes())
    key = audit_settings.signing_key
    assert document == {
        "format": "programmatic-users audit digest",
        "version": 1,
        "scheme": 2,
        "first_event_id": sealed.first_event_id,
        "last_event_id": sealed.last_event_id,
        "event_count": 3,
        "event_digests": sealed.event_digests,
        "previous_events_head": chain.GENESIS,
        "events_head": sealed.events_head,
        "previous_seal_hash": chain.GENESIS,
        "seal_hash": sealed.hash,
        "chain_head": sealed.chain_hash,
        "sealed_at": chain.iso_utc(sealed.sealed_at),
        "previous_digest": chain.GENESIS,
        "signed_at": document["signed_at"],
        "key_id": key.id,
        "signature": document["signature"],
    }
    assert path.read_bytes() == digests.encode(document)
    assert digests.signature_problem(document, key.public, key.id) is None


def test_sealing_twice_seals_nothing_new():
    make_events(3)
    seal()
    assert seal().seals == 0
    assert AuditSeal.objects.count() == 1


def test_batches_link_each_seal_and_each_digest_to_the_previous_one(digest_dir):
    make_events(7)
    result = seal(batch_size=3)
    assert (result.seals, result.events) == (3, 7)
    seals = list(AuditSeal.objects.order_by("id"))
    assert [s.event_count for s in seals] == [3, 3, 1]
    for previous, current in zip(seals, seals[1:], strict=False):
        assert current.previous_hash == previous.hash
    documents = [json.loads(p.read_bytes()) for p in digest_files(digest_dir)]
    assert [d["seal_hash"] for d in documents] == [s.hash for s in seals]
    for previous, current in zip(documents, documents[1:], strict=False):
        assert current["previous_digest"] == digests.document_hash(previous)
        assert current["previous_events_head"] == previous["events_head"]
        assert digests.link_problem(current, previous) is None
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
    code, message = run_command("verify_audit_log")
    assert code == 0
    assert f"4 events checked in 1 seals, sealed up to event {events[-1].id}, 2 not yet" in message
    assert "; 1 signed digests (key " in message


def test_seal_command_reports_what_it_sealed():
    events = make_events(2)
    err = StringIO()
    call_command("seal_audit_log", stderr=err)
    assert err.getvalue() == f"sealed 2 events in 1 seals; sealed up to event {events[-1].id}\n"
    assert verify_log().ok


def test_gaps_left_by_rolled_back_transactions_are_not_tampering():
    first = make_events(1)[0]
    with pytest.raises(RuntimeError), transaction.atomic():
        make_events(2)
        raise RuntimeError("rolled back")
    event_with_id(first.id + 10)
    seal()
    assert verify_log().ok


def test_recent_check_verifies_only_the_latest_seals():
    events = make_events(6)
    seal(batch_size=2)
    tamper("UPDATE audit_auditevent SET status = 1 WHERE id = %s", [events[0].id])
    recent = verify_log(recent_seals=2)
    assert recent.ok and recent.partial
    assert (recent.events_checked, recent.digests_checked) == (4, 2)
    assert recent.summary().startswith("recent seals intact: 4 events checked in 2 seals")
    assert not verify_log().ok


def test_recent_check_still_sees_a_tampered_anchor_digest(digest_dir):
    make_events(6)
    seal(batch_size=2)
    anchor = AuditSeal.objects.order_by("id").first()
    (digest_dir / digests.name_for(anchor.first_event_id, anchor.last_event_id)).unlink()
    verdict = verify_log(recent_seals=2)
    assert verdict.broken_digest == digests.name_for(anchor.first_event_id, anchor.last_event_id)
    assert verdict.problem.startswith("missing from the digest storage: seal ")


def test_every_column_is_covered_by_the_chain():
    columns = {f.attname for f in AuditEvent._meta.concrete_fields}
    assert set(chain.ROW_FIELDS) == columns
