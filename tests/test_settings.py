"""Settings come from the environment; production refuses to start without its secrets."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {"SECRET_KEY": "8f3Kq-z1Lw9xVb7Ne2Rt5Yu0Io4Pa6Sd3Fg8Hj1Kl5Zx7Cv9Bn2Mq4We6Rt8Yu0",
              "TOKEN_HASH_KEY": "k" * 40, "ALLOWED_HOSTS": "example.com"}


def _manage(env_overrides: dict, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if k not in {"DEBUG", "SECRET_KEY", "TOKEN_HASH_KEY", "DATABASE_URL",
                        "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(env_overrides)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("missing", ["SECRET_KEY", "TOKEN_HASH_KEY"])
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
                                        ("AUDIT_USAGE_COMMIT", "never"),
                                        ("DATABASE_CONNECT_TIMEOUT", "soon"),
                                        ("DATABASE_CONNECT_TIMEOUT", "0")])
def test_a_bad_value_names_its_variable(name, value):
    result = _manage({**PRODUCTION, name: value}, "check")
    assert result.returncode == 1
    assert f"Configuration error: {name}" in result.stderr


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
