"""Signed digests: one JSON document per seal, written outside the database (DESIGN rule 17).

A digest names the events its seal covers (each id with a short digest of its content, so a
verifier can point at the first event that differs), the unkeyed chain head before and after
them (`previous_events_head`, `events_head`: recomputable from an export, with no key), the
seal's keyed chain head and hash, the SHA-256 of the previous digest (or the genesis value),
the times, the key id and an Ed25519 signature over everything else. CloudTrail's digest files
are the model. Pure functions: no Django, no database; the offline export check uses them.

A digest's file name is `<first 14 of 20 digits>/<first id, 20 digits>-<last id, 20 digits>.json`,
so names sort in chain order and no folder holds more than a million events' digests.
"""

import base64
import binascii
import hashlib
import json
import re
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from audit import chain

FORMAT = "programmatic-users audit digest"
VERSION = 1
NAME_PATTERN = re.compile(r"(?P<bucket>\d{14})/(?P<first>\d{20})-(?P<last>\d{20})\.json")
BUCKET_PATTERN = re.compile(r"\d{14}")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_SHORT = re.compile(rf"[0-9a-f]{{{chain.SHORT_DIGEST}}}")
INFORMATIONAL = ("name", "sha256")  # an API listing adds them; they are not signed

FIELDS = {
    "format": str, "version": int, "scheme": int, "first_event_id": int, "last_event_id": int,
    "event_count": int, "event_digests": list, "previous_events_head": str, "events_head": str,
    "previous_seal_hash": str, "seal_hash": str, "chain_head": str, "sealed_at": str,
    "previous_digest": str, "signed_at": str, "key_id": str, "signature": str,
}


class DigestError(ValueError):
    """A digest that cannot be read as one (the message says why)."""


def name_for(first_event_id: int, last_event_id: int) -> str:
    """The storage name of the digest of these events (see the module's docstring)."""
    first = f"{first_event_id:020d}"
    return f"{first[:14]}/{first}-{last_event_id:020d}.json"


def encode(document: dict) -> bytes:
    """The bytes written to storage: canonical JSON and a newline."""
    return chain.canonical_json(document) + b"\n"


def decode(data: bytes) -> dict:
    """The document in `data`, its shape checked; the API's informational keys dropped."""
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise DigestError("is not JSON") from None
    if not isinstance(document, dict):
        raise DigestError("is not a JSON object")
    for key in INFORMATIONAL:
        document.pop(key, None)
    _check_shape(document)
    return document


def _check_shape(document: dict) -> None:
    for key, kind in FIELDS.items():
        value = document.get(key)
        if not isinstance(value, kind) or isinstance(value, bool):
            raise DigestError(f"has no valid {key}")
    if document["format"] != FORMAT or document["version"] != VERSION:
        raise DigestError("is not a digest this version can read")
    for key in ("previous_events_head", "events_head", "previous_seal_hash", "seal_hash",
                "chain_head", "previous_digest"):
        if not _HEX64.fullmatch(document[key]):
            raise DigestError(f"has no valid {key}")
    listed = document["event_digests"]
    pairs_ok = all(
        isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], int)
        and not isinstance(pair[0], bool) and isinstance(pair[1], str)
        and _SHORT.fullmatch(pair[1])
        for pair in listed
    )
    if not (
        pairs_ok and listed and len(listed) == document["event_count"]
        and listed[0][0] == document["first_event_id"] > 0
        and listed[-1][0] == document["last_event_id"]
        and all(a[0] < b[0] for a, b in zip(listed, listed[1:], strict=False))
    ):
        raise DigestError("has an event list that does not match its range")
    for key in ("sealed_at", "signed_at"):
        try:
            datetime.fromisoformat(document[key])
        except ValueError:
            raise DigestError(f"has no valid {key}") from None


def signed_bytes(document: dict) -> bytes:
    """What the signature covers: the canonical JSON of every field but the signature."""
    return chain.canonical_json({k: v for k, v in document.items() if k != "signature"})


def document_hash(document: dict) -> str:
    """SHA-256 of the canonical document: what the next digest's `previous_digest` holds."""
    return hashlib.sha256(chain.canonical_json(document)).hexdigest()


def build(
    *,
    seal,
    previous_events_head: str,
    previous_document: dict | None,
    key,
    signed_at: datetime,
) -> dict:
    """The signed digest of `seal` (scheme 2), continuing `previous_document`."""
    document: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "scheme": seal.scheme,
        "first_event_id": seal.first_event_id,
        "last_event_id": seal.last_event_id,
        "event_count": seal.event_count,
        "event_digests": seal.event_digests,
        "previous_events_head": previous_events_head,
        "events_head": seal.events_head,
        "previous_seal_hash": seal.previous_hash,
        "seal_hash": seal.hash,
        "chain_head": seal.chain_hash,
        "sealed_at": chain.iso_utc(seal.sealed_at),
        "previous_digest": (
            document_hash(previous_document) if previous_document else chain.GENESIS
        ),
        "signed_at": chain.iso_utc(signed_at),
        "key_id": key.id,
    }
    document["signature"] = base64.b64encode(key.sign(signed_bytes(document))).decode()
    return document


def signature_problem(document: dict, public_key: Ed25519PublicKey, key_id: str) -> str | None:
    """Why `document` is not a digest signed by `public_key` (whose id is `key_id`), or None."""
    if document["key_id"] != key_id:
        return f"signed by another key (key id {document['key_id']}, this log's key is {key_id})"
    try:
        signature = base64.b64decode(document["signature"], validate=True)
        public_key.verify(signature, signed_bytes(document))
    except (InvalidSignature, binascii.Error, ValueError):
        return "signature does not verify (forged or altered)"
    return None


def link_problem(document: dict, previous: dict | None) -> str | None:
    """Why `document` does not directly follow `previous` (None: the first digest), or None."""
    if previous is None:
        if document["previous_digest"] != chain.GENESIS:
            return "does not start the chain, and no digest before it was found"
        return None
    if (
        document["previous_digest"] != document_hash(previous)
        or document["first_event_id"] <= previous["last_event_id"]
        or document["previous_events_head"] != previous["events_head"]
        or document["previous_seal_hash"] != previous["seal_hash"]
    ):
        return "does not follow the digest before it (a digest was removed or altered)"
    return None
