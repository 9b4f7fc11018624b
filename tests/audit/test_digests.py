"""Signed digests and their storage: crashes between a digest and its seal, the storage's
append-only writes, any storage backend, and logs sealed before digests existed (scheme 1)."""

import json
import logging
import os

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from audit import chain, digests
from audit import storage as store
from audit.conf import audit_settings
from audit.exceptions import DigestWriteFailed
from audit.models import AuditEvent, AuditSeal
from audit.storage import DigestFileSystemStorage
from audit.verification import verify_log
from tests.audit.conftest import digest_files, make_events, run_command, seal, tamper

pytestmark = pytest.mark.django_db


class Crash(BaseException):
    """The process dies: nothing after this point runs, the open transaction rolls back."""


@pytest.fixture
def crash_after_digest(monkeypatch):
    """The next digest is written, then the sealer dies before its seal commits."""
    real_write = store.write

    def write_then_die(storage, document):
        real_write(storage, document)
        monkeypatch.setattr(store, "write", real_write)
        raise Crash

    monkeypatch.setattr(store, "write", write_then_die)


def test_a_crash_between_digest_and_commit_loses_nothing(crash_after_digest, digest_dir,
                                                          caplog):
    events = make_events(3)
    with pytest.raises(Crash):
        seal()
    assert not AuditSeal.objects.exists()
    [path] = digest_files(digest_dir)
    document = json.loads(path.read_bytes())
    verdict = verify_log()
    assert not verdict.ok and verdict.broken_digest == path.relative_to(digest_dir).as_posix()
    later = make_events(2)
    with caplog.at_level(logging.WARNING, logger="audit.sealing"):
        result = seal()
    assert (result.restored, result.seals, result.events) == (1, 1, 2)
    restored, new = AuditSeal.objects.order_by("id")
    assert (restored.first_event_id, restored.last_event_id) == (events[0].id, events[-1].id)
    assert (restored.hash, restored.chain_hash, restored.events_head) == (
        document["seal_hash"], document["chain_head"], document["events_head"])
    assert chain.iso_utc(restored.sealed_at) == document["sealed_at"]
    assert new.last_event_id == later[-1].id
    assert [r.levelname for r in caplog.records] == ["WARNING"]
    assert caplog.records[0].getMessage() == (
        f"restored seal {restored.id} (events {events[0].id}–{events[-1].id}) from digest "
        f"{path.relative_to(digest_dir).as_posix()} (a sealing was interrupted between its "
        "digest and its commit)")
    assert len(digest_files(digest_dir)) == 2
    assert verify_log().ok


def test_an_interrupted_digest_whose_events_changed_is_refused_with_an_error(
        crash_after_digest, digest_dir, caplog):
    events = make_events(2)
    with pytest.raises(Crash):
        seal()
    tamper("UPDATE audit_auditevent SET path = '/elsewhere' WHERE id = %s", [events[0].id])
    name = digest_files(digest_dir)[0].relative_to(digest_dir).as_posix()
    with caplog.at_level(logging.ERROR, logger="audit.sealing"):
        code, message = run_command("seal_audit_log")
    assert (code, message) == (1, (
        f"sealing refused: the last digest {name} has no seal and its events no longer match it "
        "(events changed since they were sealed); run verify_audit_log"))
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [(
        "ERROR", f"seal_audit_log refused to seal: the last digest {name} has no seal and its "
                 "events no longer match it (events changed since they were sealed)")]
    assert not AuditSeal.objects.exists()
    assert verify_log().broken_event_id == events[0].id


def test_a_digest_the_storage_refuses_rolls_its_seal_back(monkeypatch, digest_dir):
    make_events(2)

    def refuse(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(DigestFileSystemStorage, "_save", refuse)
    code, message = run_command("seal_audit_log")
    assert code == 1
    assert message.startswith("sealing failed: could not write digest 00000000000000/")
    assert message.endswith("No space left on device; its seal was rolled back")
    assert not AuditSeal.objects.exists()
    assert digest_files(digest_dir) == []


# --- the storage ----------------------------------------------------------------------------

def test_the_folder_storage_never_replaces_a_digest(digest_dir):
    make_events(1)
    seal()
    sealed = AuditSeal.objects.get()
    [path] = digest_files(digest_dir)
    original = path.read_bytes()
    assert path.stat().st_mode & 0o777 == 0o444
    document = json.loads(original)
    with pytest.raises(DigestWriteFailed, match="already exists: refusing to replace it"):
        store.write(store.digest_storage(), dict(document, signed_at=document["sealed_at"]))
    storage = store.digest_storage()
    name = digests.name_for(sealed.first_event_id, sealed.last_event_id)
    with pytest.raises(FileExistsError):
        storage.save(name, ContentFile(b"forged"))
    assert path.read_bytes() == original


def test_a_write_interrupted_leaves_no_partial_digest(monkeypatch, digest_dir):
    make_events(1)

    def die(source, target):
        raise Crash

    monkeypatch.setattr(os, "link", die)
    with pytest.raises(Crash):
        seal()
    assert [p for p in digest_dir.rglob("*") if p.is_file()] == []
    assert not AuditSeal.objects.exists()


@pytest.mark.parametrize("backend", ["django.core.files.storage.InMemoryStorage",
                                     "django.core.files.storage.FileSystemStorage"])
def test_any_django_storage_holds_the_digests(settings, backend, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "audit_digests": {
        "BACKEND": backend,
        "OPTIONS": {"location": str(tmp_path)} if "FileSystem" in backend else {}}}
    make_events(5)
    assert seal(batch_size=2).seals == 3
    assert len(store.names(store.digest_storage())) == 3
    make_events(1)
    assert seal().seals == 1
    verdict = verify_log()
    assert verdict.ok and verdict.digests_checked == 4


def test_names_sort_in_chain_order_across_folders():
    names = [digests.name_for(first, last) for first, last in
             [(1, 9), (10, 999_999), (1_000_000, 1_000_001), (12_345_678_901, 12_345_678_905)]]
    assert names == sorted(names)
    assert names[2] == "00000000000001/00000000000001000000-00000000000001000001.json"
    assert all(digests.NAME_PATTERN.fullmatch(name) for name in names)


# --- logs sealed before digests existed (scheme 1) ------------------------------------------

def legacy_seal(batch_size: int) -> list[AuditSeal]:
    """Seal every event as the scheme-1 sealer did: unkeyed, no digest."""
    seals = []
    while True:
        previous = AuditSeal.objects.order_by("-last_event_id").first()
        after = previous.last_event_id if previous else 0
        rows = list(AuditEvent.objects.filter(id__gt=after).order_by("id")
                    .values_list(*chain.ROW_FIELDS)[:batch_size])
        if not rows:
            return seals
        running = previous.chain_hash if previous else chain.GENESIS
        listed = []
        for row in rows:
            digest = chain.content_digest(row)
            running = chain.event_hash(running, row[0], digest)
            listed.append([row[0], digest[: chain.SHORT_DIGEST]])
        legacy = AuditSeal(scheme=1, sealed_at=timezone.now(), first_event_id=listed[0][0],
                           last_event_id=listed[-1][0], event_count=len(listed),
                           event_digests=listed,
                           previous_hash=previous.hash if previous else chain.GENESIS,
                           chain_hash=running)
        legacy.hash = chain.hash_of_seal(legacy)
        legacy.save(force_insert=True)
        seals.append(legacy)


@pytest.fixture
def upgraded(digest_dir):
    """A deployed log: 4 events under scheme-1 seals, then 2 sealed with signed digests."""
    old = make_events(4)
    legacy = legacy_seal(batch_size=2)
    new = make_events(2)
    seal()
    return old, legacy, new


def test_new_seals_continue_the_legacy_chain(upgraded, digest_dir):
    old, legacy, new = upgraded
    signed = AuditSeal.objects.get(scheme=2)
    assert signed.previous_hash == legacy[-1].hash
    [path] = digest_files(digest_dir)
    document = json.loads(path.read_bytes())
    assert document["previous_digest"] == chain.GENESIS
    assert document["previous_seal_hash"] == legacy[-1].hash
    assert document["previous_events_head"] == legacy[-1].chain_hash
    verdict = verify_log()
    assert verdict.ok, verdict.summary()
    assert (verdict.events_checked, verdict.seals_checked, verdict.digests_checked) == (6, 3, 1)


def test_an_edited_legacy_event_is_named(upgraded):
    old, _, _ = upgraded
    tamper("UPDATE audit_auditevent SET status = 1 WHERE id = %s", [old[1].id])
    assert run_command("verify_audit_log") == (
        1, f"audit log broken at event {old[1].id}: content altered")


def test_a_legacy_range_rewritten_with_its_seals_is_caught_by_the_first_digest(upgraded,
                                                                                digest_dir):
    """Scheme 1 is unkeyed: anyone can edit a legacy event and recompute its seals. The first
    digest signed the legacy chain's head, so the rewrite after that moment shows."""
    old, _, _ = upgraded
    tamper("UPDATE audit_auditevent SET status = 1 WHERE id = %s", [old[1].id])
    tamper("DELETE FROM audit_auditseal WHERE scheme = 1")
    legacy_seal(batch_size=2)
    [path] = digest_files(digest_dir)
    assert run_command("verify_audit_log") == (1, (
        f"audit log broken at digest {path.relative_to(digest_dir).as_posix()}: does not "
        "continue the seals before it (a seal or event before the first digest was removed, "
        "added or rewritten)"))


def test_an_export_of_an_upgraded_log_verifies_offline_and_names_a_legacy_rewrite(
        upgraded, digest_dir, tmp_path):
    from audit.export import jsonl_lines

    old, _, new = upgraded
    key = audit_settings.signing_key
    public = tmp_path / "audit.pem"
    public.write_text(key.public_pem)
    export = tmp_path / "audit.jsonl"

    def verify_export():
        export.write_text("".join(jsonl_lines(AuditEvent.objects.order_by("-id"))))
        return run_command("verify_audit_export", str(export), "--digests", str(digest_dir),
                           "--public-key", str(public))

    assert verify_export() == (0, (
        f"export intact: 6 events on 6 lines checked against 1 digests signed by key {key.id}, "
        f"sealed up to event {new[-1].id}, 0 not yet sealed; 4 events sealed before digests "
        "existed match the chain head the first digest signed"))
    tamper("UPDATE audit_auditevent SET status = 1 WHERE id = %s", [old[1].id])
    name = digest_files(digest_dir)[0].relative_to(digest_dir).as_posix()
    assert verify_export() == (1, (
        "export broken at line 6: the events sealed before digests existed do not match the "
        "chain head the first digest signed (one was edited, inserted, deleted or moved)"))
    assert name.endswith(f"{new[-1].id:020d}.json")


def test_unsigned_seals_after_signing_began_are_broken(upgraded):
    make_events(1)
    [late] = legacy_seal(batch_size=5)
    assert run_command("verify_audit_log") == (
        1, f"audit log broken at event {late.first_event_id}: seal {late.id} uses the unsigned "
           "scheme 1 after signing began")


def test_a_verifier_inside_a_transaction_sees_what_it_sees(upgraded):
    with transaction.atomic():
        assert verify_log().ok
