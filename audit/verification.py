"""Verification of the log against its seals and signed digests (DESIGN rule 17). Read-only.

Legacy seals (scheme 1, before signing began) are checked as they always were: each links to
the one before and carries its own hash, and the events in its range match the ids and digests
it lists. Then every digest, in chain order: its signature and key, its link to the digest
before it (the first one: to the legacy seals, or to nothing), the events in its range against
its list and unkeyed chain head, and the database's seal against the digest and the keyed
chain. A seal left without a digest is broken. The first difference names an event (content
altered, deleted, inserted or moved) or a digest (forged, foreign, missing, out of chain).
"""

from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection, transaction

from audit import chain, digests
from audit import storage as store
from audit.conf import audit_settings
from audit.models import AuditEvent, AuditSeal
from audit.sealing import SEAL_LOCK_KEY, describe, heads_after, matches

CHUNK_SIZE = 2000
RECENT_SEALS = 20  # what the admin and the API check by default; the command checks them all


@dataclass
class Verdict:
    events_checked: int = 0
    seals_checked: int = 0
    digests_checked: int = 0
    sealed_up_to: int | None = None
    unsealed: int = 0
    broken_event_id: int | None = None
    broken_digest: str | None = None
    problem: str = ""
    head_hash: str | None = None
    key_id: str = ""
    partial: bool = False

    @property
    def ok(self) -> bool:
        return self.broken_event_id is None and self.broken_digest is None and not self.problem

    def summary(self) -> str:
        if not self.ok:
            if self.broken_event_id is not None:
                where = f"event {self.broken_event_id}"
            elif self.broken_digest:
                where = f"digest {self.broken_digest}"
            else:
                where = "its seals"
            return f"audit log broken at {where}: {self.problem}"
        scope = "recent seals intact" if self.partial else "audit log intact"
        up_to = self.sealed_up_to if self.sealed_up_to is not None else "nothing yet"
        text = (
            f"{scope}: {self.events_checked} events checked in {self.seals_checked} seals, "
            f"sealed up to event {up_to}, {self.unsealed} not yet sealed; "
            f"{self.digests_checked} signed digests (key {self.key_id})"
        )
        if self.head_hash:
            text += f"; head seal hash {self.head_hash}"
        return text


class _Broken(Exception):
    def __init__(self, event_id: int | None, problem: str, digest: str | None = None):
        super().__init__(problem)
        self.event_id = event_id
        self.problem = problem
        self.digest = digest


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


def _check_events(listed: list, after: int, up_to: int, plain: str, keyed: str | None,
                  mac_key: bytes) -> tuple[str, str | None, int]:
    """Merge the events in (after, up_to] with `listed`; both chain heads and the count after."""
    owner_of = {digest: event_id for event_id, digest in listed}
    position = 0
    for row in _rows(after, up_to):
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
        plain = chain.event_hash(plain, event_id, digest)
        if keyed is not None:
            keyed = chain.keyed_event_hash(mac_key, keyed, event_id, digest)
        position += 1
    if position < len(listed):
        raise _Broken(listed[position][0], "event deleted")
    return plain, keyed, position


class _Walk:
    """The chain walked from a starting point: genesis, or an anchor seal (recent checks)."""

    def __init__(self, verdict: Verdict, seals: list, names: list[str]):
        self.verdict = verdict
        self.key = audit_settings.signing_key
        self.storage = store.digest_storage()
        self.seals = seals
        self.names = names
        self.present = set(names)
        self.position = 0
        self.document: dict | None = None
        self.set_heads(None)

    def set_heads(self, seal: AuditSeal | None) -> None:
        self.previous_hash, self.keyed, self.plain, self.previous_last = heads_after(seal)

    def next_seal(self) -> AuditSeal | None:
        return self.seals[self.position] if self.position < len(self.seals) else None

    def take(self, seal: AuditSeal, checked: int) -> None:
        self.position += 1
        self.set_heads(seal)
        self.verdict.events_checked += checked
        self.verdict.seals_checked += 1
        self.verdict.sealed_up_to = seal.last_event_id
        self.verdict.head_hash = seal.hash

    def legacy(self, seal: AuditSeal) -> None:
        """A scheme-1 seal: linked, well formed, its hash and its events' chain intact."""
        if seal.previous_hash != self.previous_hash:
            raise _Broken(
                _first_event_after(self.previous_last, seal.first_event_id),
                f"seal {seal.id} does not follow the previous seal (a seal was removed or altered)",
            )
        listed = seal.event_digests
        well_formed = (
            isinstance(listed, list)
            and len(listed) == seal.event_count > 0
            and seal.first_event_id > self.previous_last
            and listed[0][0] == seal.first_event_id
            and listed[-1][0] == seal.last_event_id
            and all(a[0] < b[0] for a, b in zip(listed, listed[1:], strict=False))
        )
        if not well_formed or chain.hash_of_seal(seal) != seal.hash:
            raise _Broken(seal.first_event_id, f"seal {seal.id} altered")
        plain, _, checked = _check_events(listed, self.previous_last, seal.last_event_id,
                                          self.plain, None, self.key.mac_key)
        if plain != seal.chain_hash:
            raise _Broken(seal.first_event_id, f"seal {seal.id} does not match its events")
        self.take(seal, checked)

    def read(self, name: str) -> dict:
        """The digest `name`, read and signed by this log's key."""
        try:
            document = store.read(self.storage, name)
        except digests.DigestError as exc:
            raise _Broken(None, f"the digest {exc}", name) from None
        problem = digests.signature_problem(document, self.key.public, self.key.id)
        if problem:
            raise _Broken(None, problem, name)
        return document

    def digest(self, name: str) -> dict:
        """The digest `name`, read, signed by this log's key and linked to the one before."""
        document = self.read(name)
        if self.document is None:
            if (document["previous_digest"] != chain.GENESIS
                    or document["previous_seal_hash"] != self.previous_hash
                    or document["previous_events_head"] != self.plain
                    or document["first_event_id"] <= self.previous_last):
                raise _Broken(None, "does not continue the seals before it (a seal or event "
                                    "before the first digest was removed, added or rewritten)",
                              name)
        elif digests.link_problem(document, self.document):
            following = self.next_seal()
            if following is not None:
                expected = digests.name_for(following.first_event_id, following.last_event_id)
                if expected != name and expected not in self.present:
                    raise _Broken(None, self.missing(following), expected)
            raise _Broken(None, digests.link_problem(document, self.document), name)
        return document

    @staticmethod
    def missing(seal: AuditSeal) -> str:
        return f"missing from the digest storage: {describe(seal)} has no digest (deleted or lost)"

    def signed(self, name: str) -> None:
        """One digest and its seal, against each other and the events in their range."""
        document = self.digest(name)
        plain, keyed, checked = _check_events(
            document["event_digests"], self.previous_last, document["last_event_id"],
            self.plain, self.keyed, self.key.mac_key,
        )
        if plain != document["events_head"]:
            raise _Broken(None, "its events do not match its chain head", name)
        seal = self.next_seal()
        if seal is None or seal.first_event_id > document["first_event_id"]:
            problem = (f"its seal (events {document['first_event_id']}–"
                       f"{document['last_event_id']}) is missing from the database")
            if seal is None and name == self.names[-1]:
                problem += (" (deleted, or a sealing interrupted before its commit: the next "
                            "seal_audit_log restores it if its events still match)")
            raise _Broken(None, problem, name)
        if not matches(seal, document, self.key) or keyed != seal.chain_hash:
            raise _Broken(seal.first_event_id, f"seal {seal.id} altered (it does not match "
                                               f"its digest {name})")
        self.verdict.digests_checked += 1
        self.document = document
        self.take(seal, checked)

    def run(self) -> None:
        while (seal := self.next_seal()) is not None and seal.scheme == chain.LEGACY_SCHEME:
            self.legacy(seal)
        for name in self.names:
            self.signed(name)
        seal = self.next_seal()
        if seal is not None:
            if seal.scheme == chain.LEGACY_SCHEME:
                raise _Broken(seal.first_event_id,
                              f"seal {seal.id} uses the unsigned scheme 1 after signing began")
            expected = digests.name_for(seal.first_event_id, seal.last_event_id)
            raise _Broken(None, self.missing(seal), expected)


def _walk(verdict: Verdict, names: list[str], recent_seals: int | None) -> None:
    seals = AuditSeal.objects.order_by("id")
    anchor = None
    if recent_seals is not None:
        total = seals.count()
        if total > recent_seals:
            anchor = seals[total - recent_seals - 1]
            seals = seals.filter(id__gt=anchor.id)
            verdict.partial = True
    walk = _Walk(verdict, list(seals), names)
    if anchor is not None:
        walk.set_heads(anchor)
        if anchor.scheme == chain.SIGNED_SCHEME:
            name = digests.name_for(anchor.first_event_id, anchor.last_event_id)
            if name not in walk.present:
                raise _Broken(None, walk.missing(anchor), name)
            walk.document = walk.read(name)
            if not matches(anchor, walk.document, walk.key):
                raise _Broken(anchor.first_event_id, f"seal {anchor.id} altered (it does not "
                                                     f"match its digest {name})")
            walk.names = names[names.index(name) + 1:]
    walk.run()
    verdict.unsealed = AuditEvent.objects.filter(id__gt=walk.previous_last).count()


def _sealers(action: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT pg_advisory_{action}_shared(%s)", [SEAL_LOCK_KEY])


def verify_log(*, recent_seals: int | None = None) -> Verdict:
    """Check the log (or only its `recent_seals` latest seals) against the digests; never writes.

    On PostgreSQL, when this starts its own transaction, the snapshot and the digest listing
    are taken while no sealer is between writing a digest and committing its seal.
    """
    verdict = Verdict(key_id=audit_settings.signing_key.id)
    storage = store.digest_storage()
    own_snapshot = connection.vendor == "postgresql" and not connection.in_atomic_block
    paused = False
    try:
        if own_snapshot:
            _sealers("lock")
            paused = True
        with transaction.atomic():
            if own_snapshot:
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    cursor.execute("SELECT 1")  # the snapshot, taken now
            names = store.names(storage)
            if paused:
                _sealers("unlock")
                paused = False
            try:
                _walk(verdict, names, recent_seals)
            except _Broken as broken:
                verdict.broken_event_id = broken.event_id
                verdict.broken_digest = broken.digest
                verdict.problem = broken.problem
    finally:
        if paused:
            _sealers("unlock")
    return verdict
