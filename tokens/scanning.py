"""Secret-scanning partner alerts (GitHub's documented format): the keys and the signature.

GitHub signs each alert's raw body with ECDSA P-256 (SHA-256), sends the DER signature in base64
as `Github-Public-Key-Signature` and names the key in `Github-Public-Key-Identifier`. The public
keys come from SECRET_SCANNING_KEYS (GitHub's `public_keys` document), read and checked when the
settings load and never fetched at request time. Any key of the document verifies (during a key
rotation GitHub signs with the new one while the old one is still listed).
"""

import base64
import binascii
import functools
import json
from collections.abc import Mapping

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_pem_public_key

KEY_ID_HEADER = "Github-Public-Key-Identifier"
SIGNATURE_HEADER = "Github-Public-Key-Signature"
PARTNER = "github"
MAX_KEY_ID_LENGTH = 128
MAX_SIGNATURE_LENGTH = 256  # base64 of a P-256 DER signature is at most 96 characters


class KeysError(ValueError):
    """A `public_keys` document that cannot be used; the message says why, in one sentence."""


class SignatureError(Exception):
    """An alert that is not signed by one of the configured keys."""


def parse_keys(document: str) -> dict[str, str]:
    """{key_identifier: PEM} from GitHub's `public_keys` JSON, every key checked to be an
    ECDSA P-256 public key; KeysError otherwise."""
    try:
        data = json.loads(document)
    except ValueError as exc:
        raise KeysError(f"is not valid JSON ({exc})") from None
    entries = data.get("public_keys") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise KeysError('must be a JSON object with a non-empty "public_keys" list')
    keys: dict[str, str] = {}
    for position, entry in enumerate(entries):
        key_id = entry.get("key_identifier") if isinstance(entry, dict) else None
        pem = entry.get("key") if isinstance(entry, dict) else None
        if not isinstance(key_id, str) or not key_id or len(key_id) > MAX_KEY_ID_LENGTH:
            raise KeysError(f"public_keys[{position}] has no key_identifier")
        if not isinstance(pem, str):
            raise KeysError(f"public_keys[{position}] ({key_id}) has no key")
        try:
            _load(pem)
        except ValueError:
            raise KeysError(f"public_keys[{position}] ({key_id}) is not an ECDSA P-256 public "
                            "key in PEM") from None
        keys[key_id] = pem
    return keys


@functools.lru_cache(maxsize=16)
def _load(pem: str) -> ec.EllipticCurvePublicKey:
    key = load_pem_public_key(pem.encode("ascii"))
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
        raise ValueError("not a P-256 public key")
    return key


def verify(body: bytes, *, key_id: str, signature: str, keys: Mapping[str, str]) -> None:
    """Raise SignatureError unless `signature` (base64 DER) is `key_id`'s over `body`."""
    if not key_id or not signature or len(key_id) > MAX_KEY_ID_LENGTH \
            or len(signature) > MAX_SIGNATURE_LENGTH:
        raise SignatureError("missing or oversized signature headers")
    pem = keys.get(key_id)
    if pem is None:
        raise SignatureError("unknown key identifier")
    try:
        der = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError("signature is not base64") from None
    try:
        _load(pem).verify(der, body, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        raise SignatureError("signature does not verify") from None
