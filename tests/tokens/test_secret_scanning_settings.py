"""SECRET_SCANNING_KEYS: GitHub's public_keys document, inline or a file, checked when the
settings load; a bad one stops every entry point with a sentence naming the variable."""

import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.test_settings import PRODUCTION, _manage, _settings_value

PEM = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
DOCUMENT = json.dumps({"public_keys": [{"key_identifier": "abc123", "key": PEM,
                                        "is_current": True}]})
SHAPE = ('give GitHub\'s secret-scanning public_keys document ({"public_keys": '
         '[{"key_identifier": ..., "key": "-----BEGIN PUBLIC KEY-----...", "is_current": true}]})'
         ", inline or as a path to a file holding it.")


@pytest.mark.parametrize("debug", ["0", "1"])
def test_a_bad_document_stops_every_entry_point(debug):
    result = _manage({**PRODUCTION, "DEBUG": debug, "SECRET_SCANNING_KEYS": '{"public_keys": 1}'},
                     "check")
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        'Configuration error: SECRET_SCANNING_KEYS must be a JSON object with a non-empty '
        f'"public_keys" list: {SHAPE}')


def test_a_document_with_a_bad_key_names_the_key():
    document = json.dumps({"public_keys": [{"key_identifier": "abc123", "key": "-----BEGIN"}]})
    result = _manage({**PRODUCTION, "SECRET_SCANNING_KEYS": document}, "check")
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1].startswith(
        "Configuration error: SECRET_SCANNING_KEYS public_keys[0] (abc123) is not an ECDSA P-256 "
        "public key in PEM: ")


def test_a_missing_file_is_named(tmp_path):
    missing = tmp_path / "keys.json"
    result = _manage({**PRODUCTION, "SECRET_SCANNING_KEYS": str(missing)}, "check")
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        f"Configuration error: SECRET_SCANNING_KEYS is neither a JSON document nor a readable "
        f"file: cannot read {missing}: No such file or directory.")


def test_a_bad_file_names_the_variable_and_the_file(tmp_path):
    path = tmp_path / "keys.json"
    path.write_text("not json")
    result = _manage({**PRODUCTION, "SECRET_SCANNING_KEYS": str(path)}, "check")
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1].startswith(
        f"Configuration error: SECRET_SCANNING_KEYS ({path}) is not valid JSON (")


def test_the_document_inline_or_in_a_file_gives_the_keys(tmp_path):
    path = tmp_path / "keys.json"
    path.write_text(DOCUMENT)
    for value in (DOCUMENT, str(path)):
        env = {**PRODUCTION, "SECRET_SCANNING_KEYS": value}
        assert _manage(env, "check").returncode == 0
        assert _settings_value(env, "sorted(settings.SECRET_SCANNING_KEYS)") == "['abc123']"


def test_unset_means_no_keys():
    assert _settings_value(PRODUCTION, "settings.SECRET_SCANNING_KEYS") == "{}"
