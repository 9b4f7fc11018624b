"""The hash chain's arithmetic: canonical content, event digests and hashes, seal hashes.

An event's canonical content is the sorted-key JSON of every column but `id`, with `occurred_at`
in ISO 8601 UTC with microseconds; its digest is SHA-256 of that. Values are always hashed as
read back from the database (or as an export carries them), never as built in memory.

Scheme 1 (legacy, unkeyed): an event's hash is SHA-256 over the previous hash, its id and its
digest; a seal's hash is SHA-256 over its fields and the previous seal's hash. Anyone who can
write the database can recompute both.

Scheme 2 (signed): the same chain is kept unkeyed as `events_head` (it continues scheme 1's, so
an auditor can recompute it from an export), and beside it a keyed chain, HMAC-SHA256 with a key
derived from the signing key, fixes each seal (`chain_hash`, `hash`) against anyone without the
key. Each seal is also written as an Ed25519-signed digest outside the database (audit.digests).
"""

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

LEGACY_SCHEME = 1
SIGNED_SCHEME = 2
SCHEME = SIGNED_SCHEME  # what sealing writes now
GENESIS = "0" * 64
SHORT_DIGEST = 16

# The columns the content covers, fixed: a new column needs a new scheme, or old seals would break.
CONTENT_FIELDS = (
    "occurred_at", "event", "actor_id", "actor_username", "actor_category", "token_id",
    "token_hint", "target_type", "target_id", "target_repr", "ip", "user_agent", "request_id",
    "method", "path", "status", "details",
)
ROW_FIELDS = ("id", *CONTENT_FIELDS)


def iso_utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_json(data: Any) -> bytes:
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    ).encode()


def canonical_content(row: tuple) -> bytes:
    """The canonical bytes of one event, from a row of `ROW_FIELDS` values."""
    content = dict(zip(CONTENT_FIELDS, row[1:], strict=True))
    content["occurred_at"] = iso_utc(content["occurred_at"])
    return canonical_json(content)


def content_digest(row: tuple) -> str:
    return hashlib.sha256(canonical_content(row)).hexdigest()


def event_hash(previous_hash: str, event_id: int, digest: str) -> str:
    """The unkeyed link (scheme 1's chain, and scheme 2's `events_head`)."""
    return hashlib.sha256(f"{previous_hash}:{event_id}:{digest}".encode()).hexdigest()


def keyed_event_hash(mac_key: bytes, previous_hash: str, event_id: int, digest: str) -> str:
    """The keyed link of scheme 2: HMAC-SHA256 over the same three values."""
    message = f"{previous_hash}:{event_id}:{digest}".encode()
    return hmac.new(mac_key, message, hashlib.sha256).hexdigest()


def _seal_fields(seal) -> dict:
    fields = {
        "scheme": seal.scheme,
        "sealed_at": iso_utc(seal.sealed_at),
        "first_event_id": seal.first_event_id,
        "last_event_id": seal.last_event_id,
        "event_count": seal.event_count,
        "event_digests": seal.event_digests,
        "previous_hash": seal.previous_hash,
        "chain_hash": seal.chain_hash,
    }
    if seal.scheme != LEGACY_SCHEME:
        fields["events_head"] = seal.events_head
        fields["key_id"] = seal.key_id
    return fields


def hash_of_seal(seal, mac_key: bytes | None = None) -> str:
    """The hash `seal` should carry, recomputed from its stored fields.

    Scheme 1 is plain SHA-256; scheme 2 needs the chain's MAC key (None: it cannot match).
    """
    message = canonical_json(_seal_fields(seal))
    if seal.scheme == LEGACY_SCHEME:
        return hashlib.sha256(message).hexdigest()
    if mac_key is None:
        return ""
    return hmac.new(mac_key, message, hashlib.sha256).hexdigest()
