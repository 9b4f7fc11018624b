"""Offline verification of a JSON Lines export against signed digests, with the public key only.

No database, no server, no signing key: an auditor checks that every digest is signed by the
log's key and chained to the one before, that the export holds exactly the events each digest
lists with the same content (each event's canonical digest, and the unkeyed chain head the
digest signed), and that the events before the first digest, if the log was sealed before
digests existed, hash to the head the first digest signed. Events after the last digest are
counted as not yet sealed. The first difference names a line of the export, an event or a
digest. Imports nothing that touches the database.
"""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from audit import chain, digests
from audit.keys import key_id as fingerprint

EXPORT_KEYS = {"id", "occurred_at", "event", "actor", "token", "target", "ip", "user_agent",
               "request_id", "method", "path", "status", "details"}
_NESTED = {
    "actor": (("id", "actor_id"), ("username", "actor_username"), ("category", "actor_category")),
    "token": (("id", "token_id"), ("hint", "token_hint")),
    "target": (("type", "target_type"), ("id", "target_id"), ("repr", "target_repr")),
}


class ExportLineError(ValueError):
    """A line that is not one exported event."""


def content_of(item: dict) -> tuple[int, bytes]:
    """(id, canonical content) of one exported event: the inverse of the JSONL export.

    Only the shape is checked here; any change of a value changes the canonical content, which
    the digests then refuse.
    """
    if not isinstance(item, dict) or set(item) != EXPORT_KEYS:
        raise ExportLineError("not an exported audit event (unexpected fields)")
    event_id = item["id"]
    if not isinstance(event_id, int) or isinstance(event_id, bool) or event_id < 1:
        raise ExportLineError("its id is not a positive integer")
    content = {"actor_id": None, "actor_username": "", "actor_category": "", "token_id": None,
               "token_hint": "", "target_type": "", "target_id": "", "target_repr": ""}
    for key, pairs in _NESTED.items():
        nested = item[key]
        if nested is None:
            continue
        names = {name for name, _ in pairs}
        if not isinstance(nested, dict) or set(nested) != names:
            raise ExportLineError(f"its {key} is not an object of {', '.join(sorted(names))}")
        for name, field in pairs:
            content[field] = nested[name]
    for field in ("occurred_at", "event", "ip", "user_agent", "request_id", "method", "path",
                  "status", "details"):
        content[field] = item[field]
    return event_id, chain.canonical_json(content)


@dataclass
class ExportVerdict:
    lines: int = 0
    events_checked: int = 0
    digests_checked: int = 0
    legacy_events: int = 0
    sealed_up_to: int | None = None
    unsealed: int = 0
    key_id: str = ""
    broken_line: int | None = None
    broken_event: int | None = None
    broken_digest: str | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem

    def summary(self) -> str:
        if not self.ok:
            if self.broken_line is not None:
                where = f"line {self.broken_line}"
            elif self.broken_event is not None:
                where = f"event {self.broken_event}"
            else:
                where = f"digest {self.broken_digest}"
            return f"export broken at {where}: {self.problem}"
        up_to = self.sealed_up_to if self.sealed_up_to is not None else "nothing yet"
        text = (f"export intact: {self.events_checked} events on {self.lines} lines checked "
                f"against {self.digests_checked} digests signed by key {self.key_id}, sealed "
                f"up to event {up_to}, {self.unsealed} not yet sealed")
        if self.legacy_events:
            text += (f"; {self.legacy_events} events sealed before digests existed match the "
                     "chain head the first digest signed")
        return text


class _Broken(Exception):
    def __init__(self, problem: str, *, line=None, event=None, digest=None):
        super().__init__(problem)
        self.problem, self.line, self.event, self.digest = problem, line, event, digest


def read_digest_folder(folder: Path) -> list[tuple[str, bytes]]:
    """(name relative to `folder`, bytes) of every digest file under it (`*.json`)."""
    return [(path.relative_to(folder).as_posix(), path.read_bytes())
            for path in sorted(folder.rglob("*.json")) if not path.name.startswith(".")]


def _documents(files: list[tuple[str, bytes]], public_key: Ed25519PublicKey) -> list:
    """(name, document) of every digest, signed by `public_key`, in chain order and linked."""
    expected_id = fingerprint(public_key)
    documents = []
    for name, data in files:
        try:
            document = digests.decode(data)
        except digests.DigestError as exc:
            raise _Broken(f"the digest {exc}", digest=name) from None
        problem = digests.signature_problem(document, public_key, expected_id)
        if problem:
            raise _Broken(problem, digest=name)
        documents.append((name, document))
    documents.sort(key=lambda pair: pair[1]["first_event_id"])
    previous = None
    for name, document in documents:
        problem = digests.link_problem(document, previous)
        if problem:
            raise _Broken(problem, digest=name)
        previous = document
    return documents


def _events(lines: Iterable, verdict: ExportVerdict) -> dict[int, tuple[int, str]]:
    """{id: (line number, content digest)} of the export; the first malformed line breaks."""
    events: dict[int, tuple[int, str]] = {}
    for number, line in enumerate(lines, start=1):
        verdict.lines = number
        if not line.strip():
            continue
        try:
            event_id, content = content_of(json.loads(line))
        except (ValueError, UnicodeDecodeError) as exc:
            problem = str(exc) if isinstance(exc, ExportLineError) else "not valid JSON"
            raise _Broken(problem, line=number) from None
        if event_id in events:
            first = events[event_id][0]
            raise _Broken(f"event {event_id} appears twice (also on line {first})", line=number)
        events[event_id] = (number, hashlib.sha256(content).hexdigest())
    return events


def _check(verdict: ExportVerdict, events: dict, documents: list) -> None:
    ordered = sorted(events)
    plain, position = chain.GENESIS, 0
    first_sealed = documents[0][1]["first_event_id"] if documents else None
    if documents:
        while position < len(ordered) and ordered[position] < first_sealed:
            event_id = ordered[position]
            plain = chain.event_hash(plain, event_id, events[event_id][1])
            position += 1
        verdict.legacy_events = position
        if plain != documents[0][1]["previous_events_head"]:
            line = events[ordered[0]][0] if position else None
            problem = ("an event was inserted before the first digest, which starts the chain"
                       if documents[0][1]["previous_events_head"] == chain.GENESIS else
                       "the events sealed before digests existed do not match the chain head "
                       "the first digest signed (one was edited, inserted, deleted or moved)")
            raise _Broken(problem, line=line, digest=documents[0][0])
    for name, document in documents:
        listed = document["event_digests"]
        owner_of = {short: event_id for event_id, short in listed}
        for expected_id, expected_short in listed:
            actual_id = ordered[position] if position < len(ordered) else None
            if actual_id is None or actual_id > expected_id:
                raise _Broken(f"missing from the export (sealed in digest {name})",
                              event=expected_id)
            line, digest = events[actual_id]
            if actual_id < expected_id:
                raise _Broken(f"event {actual_id} is in no digest's list (inserted)", line=line)
            short = digest[: chain.SHORT_DIGEST]
            if short != expected_short:
                other = owner_of.get(short)
                if other is not None:
                    raise _Broken(f"event {actual_id} holds the content sealed as event {other} "
                                  "(reordered)", line=line)
                raise _Broken(f"event {actual_id} content altered (sealed in digest {name})",
                              line=line)
            plain = chain.event_hash(plain, actual_id, digest)
            position += 1
        if plain != document["events_head"]:
            raise _Broken("its events do not match its chain head", digest=name)
        verdict.events_checked += len(listed)
        verdict.digests_checked += 1
        verdict.sealed_up_to = document["last_event_id"]
    verdict.events_checked += verdict.legacy_events
    verdict.unsealed = len(ordered) - position


def verify_export(lines: Iterable, files: list[tuple[str, bytes]],
                  public_key: Ed25519PublicKey) -> ExportVerdict:
    """Check an unfiltered JSONL export (any iterable of its lines) against every digest in
    `files`, offline."""
    verdict = ExportVerdict(key_id=fingerprint(public_key))
    try:
        documents = _documents(files, public_key)
        _check(verdict, _events(lines, verdict), documents)
    except _Broken as broken:
        verdict.problem = broken.problem
        verdict.broken_line, verdict.broken_event = broken.line, broken.event
        verdict.broken_digest = broken.digest
    return verdict
