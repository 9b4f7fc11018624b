"""Every way a database-level attacker (or a digest-store writer) might rewrite the log unseen.

Each test tampers as the attacker would, then asserts `verify_audit_log`'s exit status and the
exact line it prints, naming the first event or digest that disagrees, and that
`seal_audit_log` will not paper over it. Tampering runs as the tables' owner (the test suite's
role), whom the append-only trigger lets through: that is the attacker these defences are for.
"""

import base64
import json
import re

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from audit import chain, digests
from audit.conf import audit_settings
from audit.keys import SigningKey, generate_pem
from audit.models import AuditEvent, AuditSeal
from audit.verification import verify_log
from tests.accounts.factories import PersonFactory, group
from tests.audit.conftest import (
    digest_files,
    event_with_id,
    make_events,
    rewrite_digest,
    run_command,
    seal,
    tamper,
)
from tests.conftest import browser_for

pytestmark = pytest.mark.django_db


def broken(where: str, problem: str) -> str:
    return f"audit log broken at {where}: {problem}"


def assert_verify_says(line: str) -> None:
    code, message = run_command("verify_audit_log")
    assert (code, message) == (1, line)


def assert_names_event(event_id: int) -> None:
    _, message = run_command("verify_audit_log")
    assert re.search(rf"\bevent {event_id}\b", message)


def name_of(seal_row: AuditSeal) -> str:
    return digests.name_for(seal_row.first_event_id, seal_row.last_event_id)


def seals() -> list[AuditSeal]:
    return list(AuditSeal.objects.order_by("id"))


def admin_verdict() -> str:
    auditor = PersonFactory(username="staff-auditor", is_staff=True)
    auditor.groups.add(group("Auditors"))
    page = browser_for(auditor).get("/admin/audit/auditevent/").content.decode()
    return re.search(r'id="audit-integrity">\s*Integrity: (.*?)\s*(?:—|</div>)', page,
                     re.S).group(1)


def test_an_intact_log_verifies_with_its_digests(digest_dir):
    events = make_events(5)
    seal(batch_size=2)
    code, message = run_command("verify_audit_log")
    assert code == 0
    assert message.startswith(
        f"audit log intact: 5 events checked in 3 seals, sealed up to event {events[-1].id}, "
        f"0 not yet sealed; 3 signed digests (key {audit_settings.signing_key.id}); "
        "head seal hash "
    )
    assert len(digest_files(digest_dir)) == 3


# --- the reproduction ------------------------------------------------------------

def test_edit_delete_every_seal_and_reseal_is_refused_and_reported_broken(digest_dir):
    """Issue 15: edit an event, delete every seal, run seal_audit_log. Before: "intact"."""
    events = make_events(5)
    seal()
    first_digest = name_of(AuditSeal.objects.get())
    tamper("UPDATE audit_auditevent SET status = 200 WHERE id = %s", [events[2].id])
    tamper("DELETE FROM audit_auditseal")
    assert run_command("seal_audit_log") == (1, (
        f"sealing refused: the last digest {first_digest} has no seal and its events no longer "
        "match it (events changed since they were sealed); run verify_audit_log"
    ))
    assert not AuditSeal.objects.exists()
    assert_verify_says(broken(f"event {events[2].id}", "content altered"))
    assert admin_verdict() == broken(f"event {events[2].id}", "content altered")


def test_delete_every_seal_of_several_and_reseal_is_refused(digest_dir):
    events = make_events(4)
    seal(batch_size=2)
    last_digest = name_of(seals()[-1])
    tamper("UPDATE audit_auditevent SET path = '/forged' WHERE id = %s", [events[0].id])
    tamper("DELETE FROM audit_auditseal")
    assert run_command("seal_audit_log") == (1, (
        f"sealing refused: the database's seals do not continue the last digest {last_digest} "
        f"(events {events[2].id}–{events[3].id}); the last seal is no seal; run verify_audit_log"
    ))
    assert_verify_says(broken(f"event {events[0].id}", "content altered"))


# --- events -------------------------------------------------------------------------------

def test_an_edited_event_is_named():
    events = make_events(5)
    seal()
    tamper("UPDATE audit_auditevent SET status = 500 WHERE id = %s", [events[2].id])
    assert_verify_says(broken(f"event {events[2].id}", "content altered"))


def test_an_inserted_event_is_named():
    first = make_events(1)[0]
    event_with_id(first.id + 5)
    seal()
    tamper(
        "INSERT INTO audit_auditevent (id, occurred_at, event, actor_username, actor_category,"
        " token_hint, target_type, target_id, target_repr, user_agent, request_id, method,"
        " path, details) SELECT %s, occurred_at, event, actor_username, actor_category,"
        " token_hint, target_type, target_id, target_repr, user_agent, request_id, method,"
        " path, details FROM audit_auditevent WHERE id = %s",
        [first.id + 2, first.id],
    )
    assert_verify_says(broken(f"event {first.id + 2}", "event inserted"))


def test_a_deleted_event_is_named():
    events = make_events(5)
    seal()
    tamper("DELETE FROM audit_auditevent WHERE id = %s", [events[3].id])
    assert_verify_says(broken(f"event {events[3].id}", "event deleted"))


def test_the_deleted_last_event_is_named():
    events = make_events(4)
    seal(batch_size=2)
    tamper("DELETE FROM audit_auditevent WHERE id = %s", [events[-1].id])
    assert_verify_says(broken(f"event {events[-1].id}", "event deleted"))


def test_reordered_events_are_named():
    events = make_events(4)
    seal()
    a, b = events[1].id, events[2].id
    tamper("UPDATE audit_auditevent SET id = -1 WHERE id = %s", [a])
    tamper("UPDATE audit_auditevent SET id = %s WHERE id = %s", [a, b])
    tamper("UPDATE audit_auditevent SET id = %s WHERE id = -1", [b])
    assert_verify_says(broken(f"event {a}", f"rows reordered (holds the content sealed as "
                                            f"event {b})"))


def test_a_truncated_log_is_named_at_its_first_event():
    events = make_events(3)
    seal()
    name = name_of(AuditSeal.objects.get())
    if _postgres():
        tamper("TRUNCATE audit_auditevent, audit_auditseal")
    else:
        tamper("DELETE FROM audit_auditevent")
        tamper("DELETE FROM audit_auditseal")
    assert_verify_says(broken(f"event {events[0].id}", "event deleted"))
    make_events(1)
    assert run_command("seal_audit_log") == (1, (
        f"sealing refused: the last digest {name} has no seal and its events no longer match it "
        "(events changed since they were sealed); run verify_audit_log"))


def _postgres() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


# --- seals --------------------------------------------------------------------------------

def test_an_altered_seal_is_named():
    events = make_events(4)
    seal(batch_size=2)
    second = seals()[1]
    tamper("UPDATE audit_auditseal SET event_count = 1 WHERE id = %s", [second.id])
    assert_verify_says(broken(f"event {events[2].id}",
                              f"seal {second.id} altered (it does not match its digest "
                              f"{name_of(second)})"))


def test_a_seal_rewritten_with_the_key_to_hide_an_edit_is_named_by_its_digest():
    """Even an attacker holding the MAC key cannot make the seal and the digest agree."""
    events = make_events(3)
    seal()
    tamper("UPDATE audit_auditevent SET status = 999 WHERE id = %s", [events[0].id])
    sealed = AuditSeal.objects.get()
    row = AuditEvent.objects.filter(id=events[0].id).values_list(*chain.ROW_FIELDS).get()
    sealed.event_digests[0][1] = chain.content_digest(row)[: chain.SHORT_DIGEST]
    sealed.hash = chain.hash_of_seal(sealed, audit_settings.signing_key.mac_key)
    tamper("UPDATE audit_auditseal SET event_digests = %s, hash = %s WHERE id = %s",
           [json.dumps(sealed.event_digests), sealed.hash, sealed.id])
    assert_verify_says(broken(f"event {events[0].id}", "content altered"))


def test_a_deleted_seal_is_named_by_its_digest():
    events = make_events(6)
    seal(batch_size=2)
    middle = seals()[1]
    tamper("DELETE FROM audit_auditseal WHERE id = %s", [middle.id])
    assert_verify_says(broken(f"digest {name_of(middle)}",
                              f"its seal (events {events[2].id}–{events[3].id}) is missing "
                              "from the database"))


def test_the_deleted_last_seal_is_broken_until_sealing_restores_it_from_its_digest():
    events = make_events(4)
    seal(batch_size=2)
    last = seals()[-1]
    tamper("DELETE FROM audit_auditseal WHERE id = %s", [last.id])
    assert_verify_says(broken(
        f"digest {name_of(last)}",
        f"its seal (events {events[2].id}–{events[3].id}) is missing from the database "
        "(deleted, or a sealing interrupted before its commit: the next seal_audit_log "
        "restores it if its events still match)"))
    code, message = run_command("seal_audit_log")
    assert code == 0
    assert message.startswith("restored 1 interrupted seal from its digest; sealed 0 events")
    restored = seals()[-1]
    assert (restored.hash, restored.sealed_at) == (last.hash, last.sealed_at)
    assert verify_log().ok


def test_rewrite_and_reseal_after_the_fact_is_refused_and_named(digest_dir):
    """The whole log replaced (same ids, other content) and re-sealed: the digests disagree."""
    events = make_events(3)
    seal()
    first_digest = name_of(AuditSeal.objects.get())
    tamper("DELETE FROM audit_auditseal")
    tamper("UPDATE audit_auditevent SET actor_username = 'nobody', status = 200")
    code, message = run_command("seal_audit_log")
    assert (code, message) == (1, (
        f"sealing refused: the last digest {first_digest} has no seal and its events no longer "
        "match it (events changed since they were sealed); run verify_audit_log"))
    assert_verify_says(broken(f"event {events[0].id}", "content altered"))


def test_rewrite_with_the_key_and_new_seals_is_named_by_the_digests(digest_dir):
    """An attacker who can run the sealer's code with the key re-seals a rewritten log into
    the database: the signed digests outside it still disagree."""
    from audit.sealing import _chain_rows, _new_seal

    events = make_events(3)
    seal()
    tamper("DELETE FROM audit_auditseal")
    tamper("UPDATE audit_auditevent SET status = 299 WHERE id = %s", [events[1].id])
    rows = AuditEvent.objects.order_by("id").values_list(*chain.ROW_FIELDS)
    key = audit_settings.signing_key
    listed, keyed, plain = _chain_rows(rows, chain.GENESIS, chain.GENESIS, key.mac_key)
    from django.utils import timezone

    _new_seal(None, listed, keyed, plain, key, timezone.now()).save(force_insert=True)
    assert_verify_says(broken(f"event {events[1].id}", "content altered"))


# --- digests ------------------------------------------------------------------------------

def test_a_deleted_digest_is_named(digest_dir):
    events = make_events(6)
    seal(batch_size=2)
    middle = seals()[1]
    (digest_dir / name_of(middle)).unlink()
    assert_verify_says(broken(f"digest {name_of(middle)}", (
        f"missing from the digest storage: seal {middle.id} (events {events[2].id}–"
        f"{events[3].id}) has no digest (deleted or lost)")))


def test_the_deleted_last_digest_is_named_and_sealing_refuses(digest_dir):
    events = make_events(4)
    seal(batch_size=2)
    first, last = seals()
    (digest_dir / name_of(last)).unlink()
    make_events(1)
    line = broken(f"digest {name_of(last)}", (
        f"missing from the digest storage: seal {last.id} (events {events[2].id}–"
        f"{events[3].id}) has no digest (deleted or lost)"))
    assert_verify_says(line)
    assert run_command("seal_audit_log") == (1, (
        f"sealing refused: the database's seals do not continue the last digest "
        f"{name_of(first)} (events {events[0].id}–{events[1].id}); the last seal is seal "
        f"{last.id} (events {events[2].id}–{events[3].id}); run verify_audit_log"))
    assert AuditSeal.objects.count() == 2


def test_every_digest_deleted_with_signed_seals_left_is_refused(digest_dir):
    make_events(2)
    seal()
    only = AuditSeal.objects.get()
    (digest_dir / name_of(only)).unlink()
    make_events(1)
    assert run_command("seal_audit_log") == (1, (
        f"sealing refused: seal {only.id} (events {only.first_event_id}–{only.last_event_id}) "
        "is signed but the digest storage holds no digest (digests deleted, or not the storage "
        "they were written to); run verify_audit_log"))


def test_a_rewritten_digest_is_named(digest_dir):
    events = make_events(3)
    seal()
    tamper("UPDATE audit_auditevent SET status = 299 WHERE id = %s", [events[1].id])
    row = AuditEvent.objects.filter(id=events[1].id).values_list(*chain.ROW_FIELDS).get()
    [path] = digest_files(digest_dir)

    def hide_the_edit(document):
        document["event_digests"][1][1] = chain.content_digest(row)[: chain.SHORT_DIGEST]

    rewrite_digest(path, hide_the_edit)
    assert_verify_says(broken(f"digest {name_of(AuditSeal.objects.get())}",
                              "signature does not verify (forged or altered)"))


def test_a_forged_signature_is_named(digest_dir):
    make_events(2)
    seal()
    [path] = digest_files(digest_dir)
    rewrite_digest(path, lambda d: d.update(signature=base64.b64encode(bytes(64)).decode()))
    assert_verify_says(broken(f"digest {name_of(AuditSeal.objects.get())}",
                              "signature does not verify (forged or altered)"))


def test_a_digest_signed_by_another_key_is_named(digest_dir):
    make_events(2)
    seal()
    [path] = digest_files(digest_dir)
    other = SigningKey(generate_pem())

    def resign(document):
        document["key_id"] = other.id
        document["signature"] = base64.b64encode(
            other.sign(digests.signed_bytes(document))).decode()

    rewrite_digest(path, resign)
    ours = audit_settings.signing_key.id
    assert_verify_says(broken(
        f"digest {name_of(AuditSeal.objects.get())}",
        f"signed by another key (key id {other.id}, this log's key is {ours})"))


def test_a_digest_signed_by_another_key_claiming_ours_fails_its_signature(digest_dir):
    make_events(2)
    seal()
    [path] = digest_files(digest_dir)
    stranger = Ed25519PrivateKey.generate()
    rewrite_digest(path, lambda d: d.update(signature=base64.b64encode(
        stranger.sign(digests.signed_bytes(d))).decode()))
    assert_verify_says(broken(f"digest {name_of(AuditSeal.objects.get())}",
                              "signature does not verify (forged or altered)"))


def test_the_whole_store_verified_by_another_key_is_broken(settings, digest_dir):
    make_events(2)
    seal()
    ours = audit_settings.signing_key.id
    settings.AUDIT_SIGNING_KEY = generate_pem()
    theirs = audit_settings.signing_key.id
    assert_verify_says(broken(f"digest {name_of(AuditSeal.objects.get())}",
                              f"signed by another key (key id {ours}, this log's key is {theirs})"))
    code, message = run_command("seal_audit_log")
    assert code == 1 and "signed by another key" in message
