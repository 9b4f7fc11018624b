"""The token format of API.md §1, against its worked examples."""

import hashlib
import hmac
import re
import zlib

import pytest

from tokens import crypto

VECTOR_SECRET = "0123456789abcdefghijABCDEFGHIJ"
VECTOR_TOKEN = "pgu_0123456789abcdefghijABCDEFGHIJ0d26jv"


def test_spec_vector_builds_the_documented_token():
    assert crypto.build(VECTOR_SECRET, prefix="pgu_") == VECTOR_TOKEN


def test_forty_zz_checksum_is_the_documented_one():
    assert crypto.checksum("pgu_", "Zz" * 20) == "1LCPI7"


def test_short_checksum_is_left_padded_with_zero():
    assert zlib.crc32(b"pgu_aaac") == 69051279
    assert crypto.checksum("pgu_", "aaac") == "04fjOJ"


@pytest.mark.parametrize("number, expected", [
    (0, "000000"), (61, "00000z"), (62, "000010"), (2**32 - 1, "4gfFC3"),
])
def test_base62_alphabet_is_digits_upper_lower(number, expected):
    assert crypto.base62(number) == expected


def test_generated_token_has_prefix_long_secret_and_valid_checksum(settings):
    settings.TOKEN_PREFIX = "pgu_"
    token = crypto.generate()
    assert re.fullmatch(r"pgu_[0-9A-Za-z]{46}", token)
    parsed = crypto.parse(token)
    assert parsed.prefix == "pgu_"
    assert len(parsed.secret) == 40
    assert parsed.hint == token[:8]


def test_generated_tokens_differ():
    assert len({crypto.generate() for _ in range(200)}) == 200


def test_prefix_comes_from_the_setting_at_use(settings):
    settings.TOKEN_PREFIX = "acme_"
    token = crypto.generate()
    assert token.startswith("acme_")
    assert crypto.parse(token).prefix == "acme_"
    settings.TOKEN_PREFIX = "pgu_"
    with pytest.raises(crypto.TokenFormatError):
        crypto.parse(token)


def test_parse_accepts_the_spec_vector():
    parsed = crypto.parse(VECTOR_TOKEN, prefix="pgu_")
    assert (parsed.secret, parsed.checksum, parsed.hint) == (VECTOR_SECRET, "0d26jv", "pgu_0123")


@pytest.mark.parametrize("text", [
    "",
    "pgu_",
    "ghp_0123456789abcdefghijABCDEFGHIJ0d26jv",  # another prefix
    "pgu_0123456789abcdefghijABCDEFGHI0d26jv",  # 29-character secret
    "pgu_0123456789abcdefghij-BCDEFGHIJ0d26jv",  # not base62
    "pgu_0123456789abcdefghijABCDEFGHIJ0d26jv ",
    "pgu_0123456789abcdéfghijABCDEFGHIJ0d26jv",
    "pgu_" + "a" * 200,
])
def test_malformed_strings_are_refused_as_malformed(text):
    with pytest.raises(crypto.TokenFormatError) as caught:
        crypto.parse(text, prefix="pgu_")
    assert caught.value.reason == "malformed"


@pytest.mark.parametrize("text", [
    "pgu_0123456789abcdefghijABCDEFGHIJ0d26jV",  # checksum case
    "pgu_0123456789abcdefghijABCDEFGHIj0d26jv",  # one secret character
    "pgu_1123456789abcdefghijABCDEFGHIJ0d26jv",
])
def test_mistyped_tokens_fail_the_checksum(text):
    with pytest.raises(crypto.TokenChecksumError) as caught:
        crypto.parse(text, prefix="pgu_")
    assert caught.value.reason == "bad_checksum"


def test_digest_is_keyed_hmac_sha256(settings):
    settings.TOKEN_HASH_KEY = "k1"
    first = crypto.digest(VECTOR_TOKEN)
    assert re.fullmatch(r"[0-9a-f]{64}", first)
    assert first == hmac.new(b"k1", VECTOR_TOKEN.encode(), hashlib.sha256).hexdigest()
    settings.TOKEN_HASH_KEY = "k2"
    assert crypto.digest(VECTOR_TOKEN) != first
