"""Sealing: append AuditSeal rows that chain committed events in id order (DESIGN rule 17).

Requests insert events without hashes and take no lock. `seal_pending` runs apart (cron, every
minute), and never seals past an id that may still commit: ids come from a sequence, and a
transaction holding a low id can commit after one holding a higher id. A late commit below the
sealed range would look like an inserted row. On PostgreSQL the ceiling is the sequence's value
read first; then, after a short settle delay (so a transaction that drew an id just before has
its transaction id assigned), a snapshot is taken and every transaction it lists as running in
this database is awaited. Every id at or below the ceiling is then committed or rolled back for
good. Gaps from rollbacks are legitimate: each seal records the exact ids it covers. SQLite
serialises writers, so its ceiling is simply the highest visible id.
"""

import time
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone

from audit import chain
from audit.models import AuditEvent, AuditSeal

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

    def summary(self) -> str:
        if self.waited_out:
            return "nothing sealed: transactions that may still add events are open; retry later"
        up_to = self.sealed_up_to if self.sealed_up_to is not None else "nothing yet"
        return f"sealed {self.events} events in {self.seals} seals; sealed up to event {up_to}"


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
    return AuditSeal.objects.order_by("-last_event_id").first()


def _seal_batch(ceiling: int, batch_size: int) -> AuditSeal | None:
    """Seal the next events up to `ceiling`, at most `batch_size`, under the sealers' lock."""
    with transaction.atomic():
        _lock()
        previous = last_seal()
        after = previous.last_event_id if previous else 0
        rows = (
            AuditEvent.objects.filter(id__gt=after, id__lte=ceiling)
            .order_by("id")
            .values_list(*chain.ROW_FIELDS)[:batch_size]
        )
        running = previous.chain_hash if previous else chain.GENESIS
        digests = []
        for row in rows:
            digest = chain.content_digest(row)
            running = chain.event_hash(running, row[0], digest)
            digests.append([row[0], digest[: chain.SHORT_DIGEST]])
        if not digests:
            return None
        fields = {
            "scheme": chain.SCHEME,
            "sealed_at": timezone.now(),
            "first_event_id": digests[0][0],
            "last_event_id": digests[-1][0],
            "event_count": len(digests),
            "event_digests": digests,
            "previous_hash": previous.hash if previous else chain.GENESIS,
            "chain_hash": running,
        }
        seal = AuditSeal(**fields, hash=chain.seal_hash(**fields))
        seal.save(force_insert=True)
        return seal


def seal_pending(
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    settle_seconds: float = 0.5,
    wait_seconds: float = 30.0,
) -> SealResult:
    """Seal every event that can no longer change, in batches of `batch_size`."""
    result = SealResult()
    ceiling = committed_ceiling(settle_seconds=settle_seconds, wait_seconds=wait_seconds)
    if ceiling is None:
        result.waited_out = True
        return result
    result.ceiling = ceiling
    while True:
        try:
            seal = _seal_batch(ceiling, batch_size)
        except IntegrityError:
            # Another sealer appended the same link first (SQLite has no advisory lock).
            break
        if seal is None:
            break
        result.seals += 1
        result.events += seal.event_count
        if seal.event_count < batch_size:
            break
    previous = last_seal()
    result.sealed_up_to = previous.last_event_id if previous else None
    return result
