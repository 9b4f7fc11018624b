"""The hash chain's arithmetic: canonical content, event digests and hashes, seal hashes.

Scheme 1. An event's canonical content is the sorted-key JSON of every column but `id`, with
`occurred_at` in ISO 8601 UTC with microseconds. Its digest is SHA-256 of that; its hash is
SHA-256 over the previous event's hash, its id and its digest, so the chain fixes content,
presence and order. A seal's hash covers its own fields and the previous seal's hash.
Values are always hashed as read back from the database, never as built in memory.
"""

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

SCHEME = 1
GENESIS = "0" * 64
SHORT_DIGEST = 16

# The columns scheme 1 covers, fixed: a new column needs a new scheme, or old seals would break.
CONTENT_FIELDS = (
    "occurred_at", "event", "actor_id", "actor_username", "actor_category", "token_id",
    "token_hint", "target_type", "target_id", "target_repr", "ip", "user_agent", "request_id",
    "method", "path", "status", "details",
)
ROW_FIELDS = ("id", *CONTENT_FIELDS)


def iso_utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _canonical_json(data: Any) -> bytes:
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    ).encode()


def canonical_content(row: tuple) -> bytes:
    """The canonical bytes of one event, from a row of `ROW_FIELDS` values."""
    content = dict(zip(CONTENT_FIELDS, row[1:], strict=True))
    content["occurred_at"] = iso_utc(content["occurred_at"])
    return _canonical_json(content)


def content_digest(row: tuple) -> str:
    return hashlib.sha256(canonical_content(row)).hexdigest()


def event_hash(previous_hash: str, event_id: int, digest: str) -> str:
    return hashlib.sha256(f"{previous_hash}:{event_id}:{digest}".encode()).hexdigest()


def seal_hash(
    *,
    scheme: int,
    sealed_at: datetime,
    first_event_id: int,
    last_event_id: int,
    event_count: int,
    event_digests: list,
    previous_hash: str,
    chain_hash: str,
) -> str:
    return hashlib.sha256(_canonical_json({
        "scheme": scheme,
        "sealed_at": iso_utc(sealed_at),
        "first_event_id": first_event_id,
        "last_event_id": last_event_id,
        "event_count": event_count,
        "event_digests": event_digests,
        "previous_hash": previous_hash,
        "chain_hash": chain_hash,
    })).hexdigest()


def hash_of_seal(seal) -> str:
    """The hash `seal` should carry, recomputed from its stored fields."""
    return seal_hash(
        scheme=seal.scheme, sealed_at=seal.sealed_at, first_event_id=seal.first_event_id,
        last_event_id=seal.last_event_id, event_count=seal.event_count,
        event_digests=seal.event_digests, previous_hash=seal.previous_hash,
        chain_hash=seal.chain_hash,
    )
