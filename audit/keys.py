"""The audit signing key (Ed25519): loading, its id, its public half, the chain's MAC key.

Pure functions over PEM text and key objects: no Django, no database. The settings loader, the
sealer, the verifiers and the offline export check all share them.
"""

import functools
import hashlib

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_ID_LENGTH = 16  # hex characters of SHA-256 over the raw public key
CHAIN_KEY_LABEL = b"programmatic-users audit chain v2"
GENERATE_COMMAND = "openssl genpkey -algorithm ed25519"


class InvalidKey(ValueError):
    """The text is not an unencrypted Ed25519 key in PEM; the message says why, never the key."""


def load_private_key(pem: str) -> Ed25519PrivateKey:
    """The Ed25519 private key in `pem` (PKCS#8), or InvalidKey saying what is wrong."""
    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except TypeError:
        raise InvalidKey("is encrypted: give it without a passphrase") from None
    except (ValueError, UnsupportedAlgorithm):
        raise InvalidKey(
            f"is not a PEM private key (PKCS#8, as `{GENERATE_COMMAND}` writes it)"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        kind = type(key).__name__.removeprefix("_").replace("PrivateKey", "") or "another kind"
        raise InvalidKey(f"is not an Ed25519 key but {kind} (`{GENERATE_COMMAND}`)")
    return key


def load_public_key(pem: str | bytes) -> Ed25519PublicKey:
    """The Ed25519 public key in `pem` (SubjectPublicKeyInfo), or InvalidKey."""
    data = pem.encode() if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm):
        raise InvalidKey("is not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise InvalidKey("is not an Ed25519 public key")
    return key


def generate_pem() -> str:
    """A new Ed25519 private key in PEM (PKCS#8), as openssl writes it."""
    return private_pem(Ed25519PrivateKey.generate())


def private_pem(key: Ed25519PrivateKey) -> str:
    """`key` in PEM, PKCS#8, unencrypted."""
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def public_pem(key: Ed25519PublicKey) -> str:
    """`key` in PEM, SubjectPublicKeyInfo: what auditors are given."""
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def key_id(key: Ed25519PublicKey) -> str:
    """A short fingerprint: the first hex characters of SHA-256 over the raw public key."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:KEY_ID_LENGTH]


def chain_key(key: Ed25519PrivateKey) -> bytes:
    """The HMAC key of the chain: HKDF-SHA256 over the private key with a fixed label."""
    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=CHAIN_KEY_LABEL).derive(raw)


class SigningKey:
    """One loaded signing key with what the log needs of it, computed once."""

    def __init__(self, pem: str):
        self.private = load_private_key(pem)
        self.public = self.private.public_key()
        self.id = key_id(self.public)
        self.mac_key = chain_key(self.private)
        self.public_pem = public_pem(self.public)

    def sign(self, message: bytes) -> bytes:
        return self.private.sign(message)


@functools.lru_cache(maxsize=4)
def signing_key(pem: str) -> SigningKey:
    """The SigningKey of `pem`, cached (settings hold the PEM; tests switch keys)."""
    return SigningKey(pem)
