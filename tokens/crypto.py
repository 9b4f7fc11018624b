"""The token format of API.md §1: `<prefix><secret><checksum>`, and its keyed digest.

Pure functions, no database: a mistyped or made-up token is refused before any lookup.
"""

import hashlib
import hmac
import re
import secrets
import zlib
from dataclasses import dataclass

from tokens.conf import CHECKSUM_LENGTH, MAX_SECRET_LENGTH, SECRET_LENGTH, token_settings

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
MIN_SECRET_LENGTH = 30
HINT_SECRET_CHARS = 4
_BODY = re.compile(
    rf"[0-9A-Za-z]{{{MIN_SECRET_LENGTH},{MAX_SECRET_LENGTH}}}[0-9A-Za-z]{{{CHECKSUM_LENGTH}}}"
)


class TokenFormatError(ValueError):
    """A string that is not a token of our format."""

    reason = "malformed"


class TokenChecksumError(TokenFormatError):
    """A string of our format whose checksum does not match: mistyped or made up."""

    reason = "bad_checksum"


@dataclass(frozen=True)
class ParsedToken:
    prefix: str
    secret: str
    checksum: str

    @property
    def hint(self) -> str:
        return hint_for(self.prefix, self.secret)


def base62(number: int, width: int = CHECKSUM_LENGTH) -> str:
    """`number` in base62 (0-9A-Za-z), most significant digit first, left-padded with 0."""
    if number < 0:
        raise ValueError("base62 takes a non-negative number")
    digits = []
    while number:
        number, remainder = divmod(number, 62)
        digits.append(BASE62[remainder])
    return "".join(reversed(digits)).rjust(width, "0")


def checksum(prefix: str, secret: str) -> str:
    return base62(zlib.crc32((prefix + secret).encode()))


def hint_for(prefix: str, secret: str) -> str:
    return prefix + secret[:HINT_SECRET_CHARS]


def generate_secret(length: int = SECRET_LENGTH) -> str:
    return "".join(secrets.choice(BASE62) for _ in range(length))


def build(secret: str, prefix: str | None = None) -> str:
    prefix = token_settings.prefix if prefix is None else prefix
    return prefix + secret + checksum(prefix, secret)


def generate(prefix: str | None = None) -> str:
    """A new token's plaintext."""
    return build(generate_secret(), prefix)


def parse(token: str, prefix: str | None = None) -> ParsedToken:
    """Split and check a token; TokenFormatError or TokenChecksumError if it is not one of ours."""
    prefix = token_settings.prefix if prefix is None else prefix
    if not isinstance(token, str) or not token.startswith(prefix):
        raise TokenFormatError
    body = token[len(prefix):]
    if not _BODY.fullmatch(body):
        raise TokenFormatError
    secret, given = body[:-CHECKSUM_LENGTH], body[-CHECKSUM_LENGTH:]
    if not hmac.compare_digest(given, checksum(prefix, secret)):
        raise TokenChecksumError
    return ParsedToken(prefix=prefix, secret=secret, checksum=given)


def digest(token: str) -> str:
    """The keyed digest stored and looked up: HMAC-SHA256 with TOKEN_HASH_KEY, hex."""
    return hmac.new(token_settings.hash_key, token.encode(), hashlib.sha256).hexdigest()


def lookup_digest(token: str) -> str | None:
    """The digest to look `token` up by, or None for a string that is not a token of our format
    (malformed or a bad checksum: never looked up)."""
    try:
        parse(token)
    except TokenFormatError:
        return None
    return digest(token)
