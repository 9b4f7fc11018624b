"""Sealing: chain committed events in id order into seals and signed digests (DESIGN rule 17).

Requests insert events without hashes and take no lock. `seal_pending` runs apart (cron, every
minute), and never seals past an id that may still commit: ids come from a sequence, and a
transaction holding a low id can commit after one holding a higher id. A late commit below the
sealed range would look like an inserted row. On PostgreSQL the ceiling is the sequence's value
read first; then, after a short settle delay (so a transaction that drew an id just before has
its transaction id assigned), a snapshot is taken and every transaction it lists as running in
this database is awaited. Every id at or below the ceiling is then committed or rolled back for
good. Gaps from rollbacks are legitimate: each seal records the exact ids it covers. SQLite
serialises writers, so its ceiling is simply the highest visible id.

Each seal is written twice: as an AuditSeal row and, before that row commits and under the same
lock, as a signed digest in the digest storage (audit.digests). Every batch first checks that
the database's last seal is the one the last digest describes, and refuses otherwise: sealing
never starts a new chain the digests do not continue. One state is repaired: a last digest
whose seal is missing but whose predecessor is the last seal, and whose events still match it
exactly. That is what a crash between the digest's write and the commit leaves; the seal is
restored from the signed digest, so nothing an attacker changed can slip in. A seal without a
digest is never repaired: a digest is written before its seal commits, so only a deleted or
lost digest leaves one.
"""

import logging
import time
from dataclasses import dataclass
from datetime import datetime

from django.core.files.storage import Storage
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone

from audit import chain, digests
from audit import storage as store
from audit.conf import audit_settings
from audit.exceptions import AuditError, SealRefused
from audit.keys import SigningKey
from audit.models import AuditEvent, AuditSeal

logger = logging.getLogger("audit.sealing")

SEAL_LOCK_KEY = 0x61756469  # "audi": the advisory lock every sealer takes
DEFAULT_BATCH_SIZE = 1000

_SEQUENCE_VALUE_SQL = (
    "SELECT pg_sequence_last_value(pg_get_serial_sequence(%s, 'id')::regclass)"
)
_RUNNING_SQL = """
SELECT count(*) FROM pg_snapshot_xip(%s::pg_snapshot) AS running(xid)
WHERE pg_xact_status(running.xid) = 'in progress'
  AND running.xid IS DISTINCT FROM pg_current_xact_id_if_assigned()
  AND (running.xid::text::bigint %% 4294967296)::text NOT IN (
      SELECT backend_xid::text FROM pg_stat_activity
      WHERE backend_xid IS NOT NULL AND datname IS DISTINCT FROM current_database()
  )
"""


@dataclass
class SealResult:
    seals: int = 0
    events: int = 0
    sealed_up_to: int | None = None
    ceiling: int | None = None
    waited_out: bool = False
    restored: int = 0

    def summary(self) -> str:
        if self.waited_out:
            return "nothing sealed: transactions that may still add events are open; retry later"
        up_to = self.sealed_up_to if self.sealed_up_to is not None else "nothing yet"
        text = f"sealed {self.events} events in {self.seals} seals; sealed up to event {up_to}"
        if self.restored:
            text = f"restored {self.restored} interrupted seal from its digest; " + text
        return text


def committed_ceiling(*, settle_seconds: float = 0.5, wait_seconds: float = 30.0) -> int | None:
    """The highest id below which no event can still commit; None if unknown yet."""
    if connection.vendor != "postgresql":
        return AuditEvent.objects.aggregate(top=Max("id"))["top"] or 0
    table = AuditEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(_SEQUENCE_VALUE_SQL, [table])
        ceiling = cursor.fetchone()[0] or 0
        time.sleep(settle_seconds)
        cursor.execute("SELECT pg_current_snapshot()::text")
        snapshot = cursor.fetchone()[0]
        deadline = time.monotonic() + wait_seconds
        while True:
            cursor.execute(_RUNNING_SQL, [snapshot])
            if cursor.fetchone()[0] == 0:
                return ceiling
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.05)


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEAL_LOCK_KEY])


def last_seal() -> AuditSeal | None:
    """The seal covering the highest events, or None."""
    return AuditSeal.objects.order_by("-last_event_id").first()


def describe(seal: AuditSeal | None) -> str:
    """How messages name a seal: its id and its events."""
    if seal is None:
        return "no seal"
    return f"seal {seal.id} (events {seal.first_event_id}–{seal.last_event_id})"


def heads_after(seal: AuditSeal | None) -> tuple[str, str, str, int]:
    """(seal hash, keyed chain head, unkeyed chain head, last event id) after `seal`."""
    if seal is None:
        return chain.GENESIS, chain.GENESIS, chain.GENESIS, 0
    plain = seal.events_head if seal.scheme == chain.SIGNED_SCHEME else seal.chain_hash
    return seal.hash, seal.chain_hash, plain, seal.last_event_id


def _chain_rows(rows, keyed: str, plain: str, mac_key: bytes) -> tuple[list, str, str]:
    """The [id, short digest] list of `rows` and both chain heads after them."""
    listed = []
    for row in rows:
        digest = chain.content_digest(row)
        keyed = chain.keyed_event_hash(mac_key, keyed, row[0], digest)
        plain = chain.event_hash(plain, row[0], digest)
        listed.append([row[0], digest[: chain.SHORT_DIGEST]])
    return listed, keyed, plain


def _rows(after: int, up_to: int):
    return (AuditEvent.objects.filter(id__gt=after, id__lte=up_to).order_by("id")
            .values_list(*chain.ROW_FIELDS))


def _new_seal(previous: AuditSeal | None, listed: list, keyed: str, plain: str,
              key: SigningKey, sealed_at: datetime) -> AuditSeal:
    seal = AuditSeal(
        scheme=chain.SIGNED_SCHEME, sealed_at=sealed_at, first_event_id=listed[0][0],
        last_event_id=listed[-1][0], event_count=len(listed), event_digests=listed,
        previous_hash=heads_after(previous)[0], chain_hash=keyed, events_head=plain,
        key_id=key.id,
    )
    seal.hash = chain.hash_of_seal(seal, key.mac_key)
    return seal


def matches(seal: AuditSeal, document: dict, key: SigningKey) -> bool:
    """Whether `seal` is exactly the seal `document` signed, its keyed hash intact."""
    return (
        seal.scheme == chain.SIGNED_SCHEME
        and seal.first_event_id == document["first_event_id"]
        and seal.last_event_id == document["last_event_id"]
        and seal.hash == document["seal_hash"]
        and seal.chain_hash == document["chain_head"]
        and seal.events_head == document["events_head"]
        and chain.hash_of_seal(seal, key.mac_key) == seal.hash
    )


def _continuation(previous: AuditSeal | None, storage: Storage, key: SigningKey, result):
    """The seal and digest to continue from, restoring one interrupted sealing; else refuse."""
    name = store.latest_name(storage)
    if name is None:
        if previous is None or previous.scheme == chain.LEGACY_SCHEME:
            return previous, None
        raise SealRefused(
            f"{describe(previous)} is signed but the digest storage holds no digest "
            "(digests deleted, or not the storage they were written to)"
        )
    try:
        document = store.read(storage, name)
    except digests.DigestError as exc:
        raise SealRefused(f"the last digest {name} {exc}") from None
    problem = digests.signature_problem(document, key.public, key.id)
    if problem:
        raise SealRefused(f"the last digest {name} is {problem}")
    if previous is not None and matches(previous, document, key):
        return previous, document
    previous_hash, _, plain, after = heads_after(previous)
    if (document["previous_seal_hash"] == previous_hash
            and document["previous_events_head"] == plain
            and document["first_event_id"] > after):
        restored = _restore(document, name, previous, key)
        result.restored += 1
        return restored, document
    raise SealRefused(
        f"the database's seals do not continue the last digest {name} "
        f"(events {document['first_event_id']}–{document['last_event_id']}); "
        f"the last seal is {describe(previous)}"
    )


def _restore(document: dict, name: str, previous: AuditSeal | None,
             key: SigningKey) -> AuditSeal:
    """Insert the seal a signed digest describes, if its events still match it exactly."""
    _, keyed, plain, after = heads_after(previous)
    rows = _rows(after, document["last_event_id"]).iterator(chunk_size=2000)
    listed, keyed, plain = _chain_rows(rows, keyed, plain, key.mac_key)
    seal = None
    if listed:
        sealed_at = datetime.fromisoformat(document["sealed_at"])
        seal = _new_seal(previous, listed, keyed, plain, key, sealed_at)
    if seal is None or listed != document["event_digests"] or not matches(seal, document, key):
        raise SealRefused(
            f"the last digest {name} has no seal and its events no longer match it "
            "(events changed since they were sealed)"
        )
    seal.save(force_insert=True)
    logger.warning("restored %s from digest %s (a sealing was interrupted between its digest "
                   "and its commit)", describe(seal), name)
    return seal


def _seal_batch(ceiling: int, batch_size: int, result: "SealResult") -> AuditSeal | None:
    """Seal the next events up to `ceiling`, at most `batch_size`, under the sealers' lock."""
    key, storage = audit_settings.signing_key, store.digest_storage()
    with transaction.atomic():
        _lock()
        previous, document = _continuation(last_seal(), storage, key, result)
        _, keyed, plain, after = heads_after(previous)
        rows = _rows(after, ceiling)[:batch_size]
        listed, keyed, events_head = _chain_rows(rows, keyed, plain, key.mac_key)
        if not listed:
            return None
        seal = _new_seal(previous, listed, keyed, events_head, key, timezone.now())
        seal.save(force_insert=True)
        # Written before the seal commits: a crash in between leaves a digest without its seal,
        # which the next run restores from the signed digest (see the module's docstring).
        store.write(storage, digests.build(
            seal=seal, previous_events_head=plain, previous_document=document, key=key,
            signed_at=timezone.now(),
        ))
        return seal


def seal_pending(
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    settle_seconds: float = 0.5,
    wait_seconds: float = 30.0,
) -> SealResult:
    """Seal every event that can no longer change, in batches of `batch_size`.

    Raises SealRefused (and logs an error) when the seals do not continue the last digest, and
    DigestWriteFailed when the digest storage refuses a digest; the batch in hand is not sealed.
    """
    result = SealResult()
    ceiling = committed_ceiling(settle_seconds=settle_seconds, wait_seconds=wait_seconds)
    if ceiling is None:
        result.waited_out = True
        return result
    result.ceiling = ceiling
    while True:
        try:
            seal = _seal_batch(ceiling, batch_size, result)
        except IntegrityError:
            # Another sealer appended the same link first (SQLite has no advisory lock).
            break
        except SealRefused as exc:
            logger.error("seal_audit_log refused to seal: %s", exc)
            raise
        except AuditError as exc:
            logger.error("seal_audit_log failed: %s", exc)
            raise
        if seal is None:
            break
        result.seals += 1
        result.events += seal.event_count
        if seal.event_count < batch_size:
            break
    previous = last_seal()
    result.sealed_up_to = previous.last_event_id if previous else None
    return result
