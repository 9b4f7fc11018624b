"""Deployed as the README says (collectstatic, then gunicorn with DEBUG off), the application
serves its own static files: a styled admin and a working /api/docs/ (issue 18)."""

import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

from audit.keys import generate_pem
from bench.server import Gunicorn

ROOT = Path(__file__).resolve().parents[1]
YEAR = 365 * 24 * 3600


def production_env(tmp_path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": "static-test-" + "q7Zp3Lr8Vx2Nc6Bt1Mw9Ks4Hd5Fg0Jy" * 2,
        "TOKEN_HASH_KEY": "static-test-token-hash-key-0123456789abcdef",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'static.sqlite3'}",
        "STATIC_ROOT": str(tmp_path / "static"),
        "LOG_LEVEL": "WARNING",
        "AUDIT_SIGNING_KEY": generate_pem(),
        "AUDIT_DIGEST_DIR": str(tmp_path / "digests"),
    })
    return env


def get(url: str) -> tuple[int, dict, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (local test server)
        return response.status, dict(response.headers), response.read()


def test_gunicorn_serves_the_admin_stylesheet_and_the_swagger_bundle(tmp_path):
    env = production_env(tmp_path)
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
        subprocess.run([sys.executable, "manage.py", *command, "-v", "0"], cwd=ROOT, env=env,
                       check=True, timeout=300)
    with Gunicorn(env, workers=1) as server:
        _, _, login = get(f"{server.url}/admin/login/")
        [stylesheet] = re.findall(rb'href="(/static/admin/css/base\.[0-9a-f]{12}\.css)"', login)
        status, headers, body = get(server.url + stylesheet.decode())
        assert (status, headers["Content-Type"].split(";")[0]) == (200, "text/css")
        assert b"body" in body
        assert f"max-age={YEAR}" in headers["Cache-Control"]
        assert "immutable" in headers["Cache-Control"]

        _, _, docs = get(f"{server.url}/api/docs/")
        [bundle] = re.findall(rb'src="(/static/drf_spectacular_sidecar/swagger-ui-dist/'
                              rb'swagger-ui-bundle\.[0-9a-f]{12}\.js)"', docs)
        status, headers, body = get(server.url + bundle.decode())
        assert status == 200 and len(body) > 100_000
        assert f"max-age={YEAR}" in headers["Cache-Control"]
