"""Verification of the sealed log: every seal, every event it covers (DESIGN rule 17).

Read-only. Walks the seals in order, checks each links to the previous one and carries its own
hash, then merges the events in its id range with the ids and digests it recorded, recomputing
the chain. The first difference names an event: content altered, deleted, inserted or moved.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import connection, transaction

from audit import chain
from audit.models import AuditEvent, AuditSeal

CHUNK_SIZE = 2000


@dataclass
class Verdict:
    events_checked: int = 0
    seals_checked: int = 0
    sealed_up_to: int | None = None
    unsealed: int = 0
    broken_event_id: int | None = None
    problem: str = ""
    head_hash: str | None = None
    partial: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.broken_event_id is None and not self.problem

    def summary(self) -> str:
        if not self.ok:
            where = f"event {self.broken_event_id}" if self.broken_event_id else "its seals"
            return f"audit log broken at {where}: {self.problem}"
        scope = "recent seals intact" if self.partial else "audit log intact"
        up_to = self.sealed_up_to if self.sealed_up_to is not None else "nothing yet"
        text = (
            f"{scope}: {self.events_checked} events checked in {self.seals_checked} seals, "
            f"sealed up to event {up_to}, {self.unsealed} not yet sealed"
        )
        if self.head_hash:
            text += f"; head seal hash {self.head_hash}"
        return text


class _Broken(Exception):
    def __init__(self, event_id: int | None, problem: str):
        super().__init__(problem)
        self.event_id = event_id
        self.problem = problem


def _rows(after: int, up_to: int) -> Iterator[tuple]:
    return (
        AuditEvent.objects.filter(id__gt=after, id__lte=up_to)
        .order_by("id")
        .values_list(*chain.ROW_FIELDS)
        .iterator(chunk_size=CHUNK_SIZE)
    )


def _first_event_after(after: int, fallback: int) -> int:
    found = AuditEvent.objects.filter(id__gt=after).order_by("id").values_list("id", flat=True)
    return found.first() or fallback


def _check_seal(seal: AuditSeal, previous_hash: str, previous_last: int) -> None:
    if seal.previous_hash != previous_hash:
        raise _Broken(
            _first_event_after(previous_last, seal.first_event_id),
            f"seal {seal.id} does not follow the previous seal (a seal was removed or altered)",
        )
    listed = seal.event_digests
    well_formed = (
        seal.scheme == chain.SCHEME
        and isinstance(listed, list)
        and len(listed) == seal.event_count > 0
        and seal.first_event_id > previous_last
        and listed[0][0] == seal.first_event_id
        and listed[-1][0] == seal.last_event_id
        and all(a[0] < b[0] for a, b in zip(listed, listed[1:], strict=False))
    )
    if not well_formed or chain.hash_of_seal(seal) != seal.hash:
        raise _Broken(seal.first_event_id, f"seal {seal.id} altered")


def _check_events(seal: AuditSeal, running: str, previous_last: int) -> tuple[str, int]:
    """Merge the events in the seal's range with its list; the chain hash and count after it."""
    listed = seal.event_digests
    owner_of = {digest: event_id for event_id, digest in listed}
    position = 0
    checked = 0
    for row in _rows(previous_last, seal.last_event_id):
        event_id = row[0]
        expected_id = listed[position][0] if position < len(listed) else None
        if expected_id is not None and expected_id < event_id:
            raise _Broken(expected_id, "event deleted")
        if expected_id != event_id:
            raise _Broken(event_id, "event inserted")
        digest = chain.content_digest(row)
        short = digest[: chain.SHORT_DIGEST]
        if short != listed[position][1]:
            other = owner_of.get(short)
            if other is not None:
                moved = f"rows reordered (holds the content sealed as event {other})"
                raise _Broken(event_id, moved)
            raise _Broken(event_id, "content altered")
        running = chain.event_hash(running, event_id, digest)
        position += 1
        checked += 1
    if position < len(listed):
        raise _Broken(listed[position][0], "event deleted")
    if running != seal.chain_hash:
        raise _Broken(seal.first_event_id, f"seal {seal.id} does not match its events")
    return running, checked


def _walk(verdict: Verdict, recent_seals: int | None) -> None:
    seals = AuditSeal.objects.order_by("id")
    previous_hash, running, previous_last = chain.GENESIS, chain.GENESIS, 0
    if recent_seals is not None:
        total = seals.count()
        if total > recent_seals:
            anchor = seals[total - recent_seals - 1]
            seals = seals.filter(id__gt=anchor.id)
            previous_hash, running = anchor.hash, anchor.chain_hash
            previous_last = anchor.last_event_id
            verdict.partial = True
    for seal in seals.iterator(chunk_size=50):
        _check_seal(seal, previous_hash, previous_last)
        running, checked = _check_events(seal, running, previous_last)
        verdict.events_checked += checked
        verdict.seals_checked += 1
        previous_hash, previous_last = seal.hash, seal.last_event_id
        verdict.sealed_up_to = seal.last_event_id
        verdict.head_hash = seal.hash
    verdict.unsealed = AuditEvent.objects.filter(id__gt=previous_last).count()


def verify_log(*, recent_seals: int | None = None) -> Verdict:
    """Check the sealed log (or only its `recent_seals` latest seals); never writes."""
    verdict = Verdict()
    # One consistent snapshot, when this is the transaction's start (not nested in another).
    own_snapshot = connection.vendor == "postgresql" and not connection.in_atomic_block
    with transaction.atomic():
        if own_snapshot:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        try:
            _walk(verdict, recent_seals)
        except _Broken as broken:
            verdict.broken_event_id = broken.event_id
            verdict.problem = broken.problem
    return verdict
