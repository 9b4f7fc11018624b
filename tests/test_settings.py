"""Settings come from the environment; production refuses to start without its secrets."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from audit.keys import generate_pem

ROOT = Path(__file__).resolve().parent.parent
SIGNING_KEY = generate_pem()
PRODUCTION = {"SECRET_KEY": "8f3Kq-z1Lw9xVb7Ne2Rt5Yu0Io4Pa6Sd3Fg8Hj1Kl5Zx7Cv9Bn2Mq4We6Rt8Yu0",
              "TOKEN_HASH_KEY": "Vq8-Tz3pWk1Lx6Rb9Nc4Md7Fg2Hj5Ks0Ya8Ue3Oi",
              "ALLOWED_HOSTS": "example.com", "AUDIT_SIGNING_KEY": SIGNING_KEY}
FROM_THE_CALLER = {"DEBUG", "SECRET_KEY", "TOKEN_HASH_KEY", "DATABASE_URL", "AUDIT_SIGNING_KEY",
                   "AUDIT_SIGNING_KEY_FILE", "AUDIT_DIGEST_DIR", "MIGRATE_DATABASE_URL",
                   "TRUSTED_PROXY_COUNT", "DJANGO_ALLOW_ASYNC_UNSAFE"}


def _manage(env_overrides: dict, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in FROM_THE_CALLER}
    env.update(env_overrides)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("missing", ["SECRET_KEY", "TOKEN_HASH_KEY", "AUDIT_SIGNING_KEY"])
def test_production_without_a_secret_stops_with_a_message_naming_it(missing):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = _manage(env, "check")
    assert result.returncode == 1
    assert result.stderr.startswith(f"Configuration error: {missing} is not set.")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("name,value", [("DEBUG", "maybe"), ("TOKEN_MAX_LIFETIME_DAYS", "many"),
                                        ("TRUSTED_PROXY_COUNT", "-1"),
                                        ("EMAIL_URL", "http://mail"),
                                        ("DATABASE_URL", "nonsense://x"),
                                        ("LEAK_REPORT_RATE", "lots"),
                                        ("LEAK_REPORT_RATE", "0/minute"),
                                        ("AUTH_FAILURE_RATE", "30/fortnight"),
                                        ("TOKEN_RATE", "lots"),
                                        ("TOKEN_MAX_PER_USER", "0"),
                                        ("TOKEN_REUSE_DETECTION", "sometimes"),
                                        ("LOGIN_FAILURE_LIMIT", "five"),
                                        ("LOGIN_FAILURE_LIMIT", "0"),
                                        ("LOGIN_LOCKOUT_MINUTES", "soon"),
                                        ("LOGIN_LOCKOUT_MINUTES", "0"),
                                        ("LOGIN_LOCKOUT_MINUTES", "10081"),
                                        ("EMAIL_TIMEOUT", "0"),
                                        ("AUDIT_USAGE_COMMIT", "never"),
                                        ("MIGRATE_DATABASE_URL", "nonsense://x"),
                                        ("TRUSTED_PROXY_COUNT", "some"),
                                        ("DATABASE_CONNECT_TIMEOUT", "soon"),
                                        ("DATABASE_CONNECT_TIMEOUT", "0")])
def test_a_bad_value_names_its_variable(name, value):
    result = _manage({**PRODUCTION, name: value}, "check")
    assert result.returncode == 1
    assert f"Configuration error: {name}" in result.stderr


def test_the_login_limit_defaults_to_five_failures_in_fifteen_minutes_and_reads_the_environment():
    shown = "settings.LOGIN_FAILURE_LIMIT, settings.LOGIN_LOCKOUT_MINUTES"
    assert _settings_value(PRODUCTION, shown) == "5 15"
    assert _settings_value({**PRODUCTION, "LOGIN_FAILURE_LIMIT": "3",
                            "LOGIN_LOCKOUT_MINUTES": "60"}, shown) == "3 60"


def test_development_runs_with_warnings_instead_of_secrets():
    result = _manage({"DEBUG": "1"}, "check")
    assert result.returncode == 0, result.stderr
    assert "SECRET_KEY is not set: using an insecure development value." in result.stderr


def test_check_deploy_is_clean_with_production_settings():
    result = _manage(PRODUCTION, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_postgresql_connections_give_up_after_the_connect_timeout():
    env = {**PRODUCTION, "DATABASE_URL": "postgres://app@db.example:5432/pgu",
           "DATABASE_CONNECT_TIMEOUT": "7"}
    result = _manage(env, "shell", "--no-imports", "-c",
                     "from django.conf import settings; "
                     "print(settings.DATABASES['default']['OPTIONS']['connect_timeout'])")
    assert (result.returncode, result.stdout.strip()) == (0, "7"), result.stderr


def _with_cache(env: dict, code: str) -> str:
    """What `code` prints in a fresh process, with `cache` the default cache."""
    result = _manage(env, "shell", "--no-imports", "-c",
                     f"from django.core.cache import caches; cache = caches['default']; {code}")
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def _redis_or_skip() -> None:
    """Redis at 127.0.0.1:6379, or a skip saying so; with REDIS_REQUIRED=1 (CI) a failure."""
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=2).close()
    except OSError:
        message = "needs Redis at 127.0.0.1:6379 (apt-get install redis-server)"
        if os.environ.get("REDIS_REQUIRED") == "1":
            pytest.fail(message)
        pytest.skip(message)


def test_redis_url_makes_the_cache_shared_between_processes():
    """Throttles and the last-used throttle live in the cache: with REDIS_URL every process
    (every gunicorn worker) sees the same counts."""
    _redis_or_skip()
    key = f"settings-test-{os.getpid()}"
    env = {"DEBUG": "1", "REDIS_URL": "redis://127.0.0.1:6379/15"}
    assert _with_cache(env, f"cache.set({key!r}, 'seen', 30); print(type(cache).__name__)"
                       ) == "RedisCache"
    assert _with_cache(env, f"print(cache.get({key!r}))") == "seen"


def test_without_redis_url_each_process_has_its_own_cache():
    assert _with_cache({"DEBUG": "1"}, "print(type(cache).__name__)") == "LocMemCache"


# --- the audit signing key ----------------------------------------------------------------

def _settings_value(env: dict, expression: str) -> str:
    result = _manage(env, "shell", "--no-imports", "-c",
                     f"from django.conf import settings; print({expression})")
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def _pem(key) -> str:
    from cryptography.hazmat.primitives import serialization

    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def _bad_keys() -> dict[str, tuple[str, str]]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed448, rsa

    from audit.keys import load_private_key

    ed25519 = load_private_key(SIGNING_KEY)
    encrypted = ed25519.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"passphrase")).decode()
    public = ed25519.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    not_pem = "is not a PEM private key (PKCS#8, as `openssl genpkey -algorithm ed25519` writes it)"
    return {
        "garbage": ("not a key at all", not_pem),
        "truncated": (SIGNING_KEY[:60], not_pem),
        "public": (public, not_pem),
        "rsa": (_pem(rsa.generate_private_key(public_exponent=65537, key_size=2048)),
                "is not an Ed25519 key but RSA (`openssl genpkey -algorithm ed25519`)"),
        "ec": (_pem(ec.generate_private_key(ec.SECP256R1())),
               "is not an Ed25519 key but EC (`openssl genpkey -algorithm ed25519`)"),
        "ed448": (_pem(ed448.Ed448PrivateKey.generate()),
                  "is not an Ed25519 key but Ed448 (`openssl genpkey -algorithm ed25519`)"),
        "encrypted": (encrypted, "is encrypted: give it without a passphrase"),
    }


@pytest.mark.parametrize("kind", ["garbage", "truncated", "public", "rsa", "ec", "ed448",
                                  "encrypted"])
@pytest.mark.parametrize("debug", ["0", "1"])
def test_a_malformed_or_foreign_signing_key_stops_every_entry_point(kind, debug, tmp_path):
    value, problem = _bad_keys()[kind]
    result = _manage({**PRODUCTION, "DEBUG": debug, "AUDIT_SIGNING_KEY": value}, "check")
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == f"Configuration error: AUDIT_SIGNING_KEY {problem}."
    assert value.splitlines()[1 if value.startswith("-----") else 0] not in result.stderr
    path = tmp_path / "key.pem"
    path.write_text(value)
    env = {k: v for k, v in PRODUCTION.items() if k != "AUDIT_SIGNING_KEY"}
    result = _manage({**env, "AUDIT_SIGNING_KEY_FILE": str(path)}, "check")
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        f"Configuration error: AUDIT_SIGNING_KEY_FILE ({path}) {problem}.")


def test_the_signing_key_can_come_from_a_file(tmp_path):
    from audit.keys import signing_key

    path = tmp_path / "audit-signing-key.pem"
    path.write_text(SIGNING_KEY)
    env = {k: v for k, v in PRODUCTION.items() if k != "AUDIT_SIGNING_KEY"}
    env["AUDIT_SIGNING_KEY_FILE"] = str(path)
    assert _manage(env, "check").returncode == 0
    assert _settings_value(env, f"settings.AUDIT_SIGNING_KEY == open({str(path)!r}).read()"
                           ) == "True"
    assert signing_key(SIGNING_KEY).id == _settings_value(
        env, "__import__('audit.conf').conf.audit_settings.signing_key.id")


def test_a_missing_key_file_is_named(tmp_path):
    env = {k: v for k, v in PRODUCTION.items() if k != "AUDIT_SIGNING_KEY"}
    missing = tmp_path / "nowhere.pem"
    result = _manage({**env, "AUDIT_SIGNING_KEY_FILE": str(missing)}, "check")
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        f"Configuration error: AUDIT_SIGNING_KEY_FILE: cannot read {missing}: "
        "No such file or directory.")


def test_the_key_and_a_key_file_together_are_refused(tmp_path):
    path = tmp_path / "key.pem"
    path.write_text(SIGNING_KEY)
    result = _manage({**PRODUCTION, "AUDIT_SIGNING_KEY_FILE": str(path)}, "check")
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        "Configuration error: Set AUDIT_SIGNING_KEY or AUDIT_SIGNING_KEY_FILE, not both.")


def test_production_without_a_signing_key_says_how_to_make_one():
    env = {k: v for k, v in PRODUCTION.items() if k != "AUDIT_SIGNING_KEY"}
    result = _manage(env, "check")
    assert result.returncode == 1
    assert result.stderr == (
        "Configuration error: AUDIT_SIGNING_KEY is not set. Set AUDIT_SIGNING_KEY to an Ed25519 "
        "private key in PEM (openssl genpkey -algorithm ed25519), or AUDIT_SIGNING_KEY_FILE to a "
        "file holding one, or set DEBUG=1 for development.\n")


def test_development_generates_one_key_once_with_one_warning(tmp_path, capsys):
    from config.env import env_signing_key

    path = tmp_path / "var" / "audit-signing-key.dev.pem"
    environment = {k: v for k, v in os.environ.items()
                   if k not in {"AUDIT_SIGNING_KEY", "AUDIT_SIGNING_KEY_FILE"}}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "environ", environment)
        generated = env_signing_key("AUDIT_SIGNING_KEY", file_name="AUDIT_SIGNING_KEY_FILE",
                                    debug=True, dev_path=path)
        first = capsys.readouterr().err.splitlines()
        again = env_signing_key("AUDIT_SIGNING_KEY", file_name="AUDIT_SIGNING_KEY_FILE",
                                debug=True, dev_path=path)
        second = capsys.readouterr().err.splitlines()
    assert generated == again == path.read_text()
    assert path.stat().st_mode & 0o777 == 0o600
    assert first == [
        f"warning: AUDIT_SIGNING_KEY is not set: signing audit digests with the development key "
        f"in {path} (generated now)."]
    assert second == [
        f"warning: AUDIT_SIGNING_KEY is not set: signing audit digests with the development key "
        f"in {path} (not for production)."]
    assert list(path.parent.iterdir()) == [path]  # no temporary file left behind


def test_development_uses_the_same_key_in_every_process():
    first = _settings_value({"DEBUG": "1"}, "settings.AUDIT_SIGNING_KEY")
    result = _manage({"DEBUG": "1"}, "check")
    assert result.returncode == 0
    assert result.stderr.count("AUDIT_SIGNING_KEY is not set") == 1
    assert _settings_value({"DEBUG": "1"}, "settings.AUDIT_SIGNING_KEY") == first
    assert (ROOT / ".gitignore").read_text().splitlines().count("var/") == 1


# --- check --deploy and the other hygiene -------------------------------------------------

def test_check_deploy_fails_on_a_short_token_hash_key():
    result = _manage({**PRODUCTION, "TOKEN_HASH_KEY": "x" * 31}, "check", "--deploy")
    assert result.returncode == 1
    assert ("(config.E001) TOKEN_HASH_KEY is too weak: it has 31 characters, fewer than 32."
            in result.stderr)
    result = _manage({**PRODUCTION, "TOKEN_HASH_KEY": "y" * 32}, "check", "--deploy",
                     "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr


def test_check_deploy_fails_on_a_bad_signing_key_set_by_a_settings_module(settings, db):
    from django.core.checks import run_checks

    settings.AUDIT_SIGNING_KEY = "-----BEGIN PRIVATE KEY-----\nnonsense\n-----END PRIVATE KEY-----"
    issues = {i.id: i.msg for i in run_checks(include_deployment_checks=True)}
    assert issues["audit.E001"].startswith("AUDIT_SIGNING_KEY is not a PEM private key")
    settings.TOKEN_HASH_KEY = "dev-insecure-token-hash-key-" + "y" * 36
    issues = {i.id: i.msg for i in run_checks(include_deployment_checks=True)}
    assert issues["config.E001"] == "TOKEN_HASH_KEY is too weak: it is the development value."


@pytest.mark.parametrize(("count", "header"), [
    ("0", "None"), ("1", "('HTTP_X_FORWARDED_PROTO', 'https')"),
    ("2", "('HTTP_X_FORWARDED_PROTO', 'https')"),
])
def test_the_proxy_ssl_header_is_trusted_only_behind_a_trusted_proxy(count, header):
    env = {**PRODUCTION, "TRUSTED_PROXY_COUNT": count}
    assert _settings_value(env, "getattr(settings, 'SECURE_PROXY_SSL_HEADER', None)") == header


def test_the_digest_folder_is_a_setting_resolved_in_the_project(tmp_path):
    assert _settings_value({"DEBUG": "1"}, "settings.STORAGES['audit_digests']") == str({
        "BACKEND": "audit.storage.DigestFileSystemStorage",
        "OPTIONS": {"location": str(ROOT / "var" / "audit-digests")}})
    assert _settings_value({"DEBUG": "1", "AUDIT_DIGEST_DIR": "elsewhere/digests"},
                           "settings.AUDIT_DIGEST_DIR") == str(ROOT / "elsewhere" / "digests")
    assert _settings_value({"DEBUG": "1", "AUDIT_DIGEST_DIR": str(tmp_path)},
                           "settings.AUDIT_DIGEST_DIR") == str(tmp_path)


def test_migrate_database_url_must_name_the_same_database():
    env = {**PRODUCTION, "DATABASE_URL": "postgres://app@127.0.0.1:5432/pgu",
           "MIGRATE_DATABASE_URL": "postgres://owner@127.0.0.1:5432/other"}
    result = _manage(env, "check")
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        "Configuration error: MIGRATE_DATABASE_URL must name the same database as DATABASE_URL "
        "(the owner's credentials for it).")
    env["MIGRATE_DATABASE_URL"] = "postgres://owner:secret@127.0.0.1:5432/pgu"
    assert _settings_value(env, "settings.MIGRATE_DATABASE['USER']") == "owner"
