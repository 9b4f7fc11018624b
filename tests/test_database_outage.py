"""A lost database answers 503 with Retry-After (JSON for the API, HTML for the admin), fast.

A real gunicorn with the product's settings (DEBUG off) is pointed at databases that are not
there: a closed port, a server that accepts the connection and never answers (the connect
timeout must end the wait), a SQLite file that cannot be opened, and a throwaway PostgreSQL
cluster made for the test and stopped under it. Loopback only; nothing here touches the
machine's shared PostgreSQL.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import InterfaceError, OperationalError
from django.test import RequestFactory

from bench.server import Gunicorn, free_port, server_env
from common.exception_handler import exception_handler
from common.http import DATABASE_UNAVAILABLE, RETRY_AFTER_SECONDS
from config import error_views
from tokens import crypto

ROOT = Path(__file__).resolve().parent.parent
UNAVAILABLE = {"detail": DATABASE_UNAVAILABLE, "code": "service_unavailable"}
# A well-formed token (its checksum is right), so authentication goes to the database.
TOKEN = crypto.build("A" * 40, "pgu_")


def fetch(url: str, *, token: str | None = None, method: str = "GET", body: bytes | None = None,
          headers: dict | None = None, timeout: float = 30):
    """(status, headers, body bytes, seconds taken) of one request."""
    request = urllib.request.Request(url, method=method, data=body, headers=headers or {})
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.headers, response.read(), time.monotonic() - started
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read(), time.monotonic() - started


def _env(database_url: str, **extra) -> dict:
    env = server_env(database_url)
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", "LOG_LEVEL": "CRITICAL",
                "CONN_MAX_AGE": "0", **extra})
    return env


def assert_unavailable_json(status, headers, body) -> None:
    assert status == 503, body[:300]
    assert headers["Content-Type"] == "application/json"
    assert headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    data = json.loads(body)
    assert data.pop("request_id") == headers["X-Request-ID"]
    assert data == UNAVAILABLE


def assert_probes_say_unavailable(url: str) -> None:
    status, _, body, _ = fetch(f"{url}/healthz")
    assert (status, json.loads(body)) == (200, {"status": "ok"})
    status, headers, body, _ = fetch(f"{url}/readyz")
    assert (status, json.loads(body)) == (503, {"status": "unavailable",
                                                "database": "unreachable"})
    assert headers["Retry-After"] == str(RETRY_AFTER_SECONDS)


def check_every_kind_of_request(url: str, limit: float) -> None:
    """API (token, anonymous write), probes and the admin, each answered within `limit` s."""
    status, headers, body, took = fetch(f"{url}/api/v1/me/", token=TOKEN)
    assert_unavailable_json(status, headers, body)
    assert took < limit
    status, headers, body, took = fetch(
        f"{url}/api/v1/tokens/revoke-leaked/", method="POST", body=b'{"token": "x"}',
        headers={"Content-Type": "application/json"})
    assert_unavailable_json(status, headers, body)
    assert took < limit
    assert_probes_say_unavailable(url)
    # The admin's session lives in the database: any page with a session cookie needs it.
    status, headers, body, took = fetch(f"{url}/admin/",
                                        headers={"Cookie": "sessionid=abcdefghijklmnop"})
    assert status == 503
    assert headers["Content-Type"].startswith("text/html")
    assert headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert b"Traceback" not in body
    assert took < limit


def test_a_closed_database_port_answers_503_at_once():
    port = free_port()  # nothing listens there
    with Gunicorn(_env(f"postgres://postgres@127.0.0.1:{port}/nothing"), workers=1) as server:
        check_every_kind_of_request(server.url, limit=3)


@contextmanager
def silent_server():
    """A TCP server that accepts connections and never says a word (a hung database)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    accepted, stop = [], threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        listener.close()


def test_a_database_that_never_answers_is_given_up_after_the_connect_timeout():
    with silent_server() as port:
        env = _env(f"postgres://postgres@127.0.0.1:{port}/nothing",
                   DATABASE_CONNECT_TIMEOUT="2")
        with Gunicorn(env, workers=1) as server:
            status, headers, body, took = fetch(f"{server.url}/api/v1/me/", token=TOKEN)
            assert_unavailable_json(status, headers, body)
            assert 1.5 < took < 6


def test_a_sqlite_file_that_cannot_be_opened_answers_503(tmp_path):
    env = _env("", DATABASE_URL=f"sqlite:///{tmp_path}/missing-dir/db.sqlite3")
    with Gunicorn(env, workers=1) as server:
        check_every_kind_of_request(server.url, limit=3)


# --- The mapping itself, in process --------------------------------------------------------------

@pytest.mark.parametrize("error", [OperationalError("server closed the connection"),
                                   InterfaceError("connection already closed")])
def test_the_api_maps_a_lost_database_to_503(error):
    request = RequestFactory().get("/api/v1/me/")
    request.audit = type("Audit", (), {"request_id": "req-7"})()
    response = exception_handler(error, {"request": request})
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response.data == {**UNAVAILABLE, "request_id": "req-7"}


def test_the_last_resort_handler_maps_a_lost_database_to_503_and_anything_else_to_500():
    request = RequestFactory().get("/api/v1/me/")
    try:
        raise OperationalError("the database system is shutting down")
    except OperationalError:
        response = error_views.server_error(request)
    assert (response.status_code, response["Retry-After"]) == (503, str(RETRY_AFTER_SECONDS))
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        response = error_views.server_error(request)
    assert response.status_code == 500
    assert json.loads(response.content) == {"detail": "Server error.", "code": "server_error"}


# --- A throwaway PostgreSQL, stopped and restarted under a live server ---------------------------

def _pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent if found else None


def _as_postgres(*command: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(["runuser", "-u", "postgres", "--", *command], check=True,
                          capture_output=True, text=True, timeout=120, **kwargs)


@pytest.fixture
def throwaway_postgres():
    """Its own cluster in a temporary folder, on its own port in 55400-55499; removed after."""
    bin_dir = _pg_bin()
    if bin_dir is None or os.geteuid() != 0 or shutil.which("runuser") is None:
        pytest.skip("needs root and PostgreSQL's server binaries (initdb) to make a cluster")
    folder = Path(tempfile.mkdtemp(prefix="pgu-outage-"))
    shutil.chown(folder, "postgres")
    data = folder / "data"

    def pg_ctl(*args: str) -> None:
        _as_postgres(str(bin_dir / "pg_ctl"), "-D", str(data), "-w", "-t", "30", *args)

    try:
        _as_postgres(str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres")
        # Another process may take a free port before the server binds it: try the next one.
        candidates = [p for p in range(55400 + os.getpid() % 50, 55500) if _port_free(p)]
        for port in candidates[:5]:
            start = ("-o", f"-p {port} -k {folder} -c listen_addresses=127.0.0.1", "-l",
                     str(folder / "log"), "start")
            try:
                pg_ctl(*start)
                break
            except subprocess.CalledProcessError:
                continue
        else:
            pytest.fail("the throwaway cluster did not start: "
                        + (folder / "log").read_text()[-500:])
        yield port, pg_ctl, start
    finally:
        subprocess.run(["runuser", "-u", "postgres", "--", str(bin_dir / "pg_ctl"), "-D",
                        str(data), "-m", "immediate", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def _manage(env: dict, *args: str) -> str:
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.timeout(300)
def test_a_postgresql_stopped_under_a_live_server_answers_503_and_recovers(throwaway_postgres):
    port, pg_ctl, start = throwaway_postgres
    env = _env(f"postgres://postgres@127.0.0.1:{port}/postgres", CONN_MAX_AGE="60")
    _manage(env, "migrate", "--noinput")
    _manage(env, "create_programmatic_user", "outage-probe", "--contact-email",
            "owner@example.com")
    plaintext = _manage(env, "issue_token", "outage-probe").strip()
    with Gunicorn(env, workers=1) as server:
        assert fetch(f"{server.url}/api/v1/me/", token=plaintext)[0] == 200
        assert fetch(f"{server.url}/readyz")[0] == 200

        pg_ctl("-m", "fast", "stop")
        status, headers, body, took = fetch(f"{server.url}/api/v1/me/", token=plaintext)
        assert_unavailable_json(status, headers, body)
        assert took < 3
        assert_probes_say_unavailable(server.url)

        pg_ctl(*start)
        deadline = time.monotonic() + 10
        while fetch(f"{server.url}/api/v1/me/", token=plaintext)[0] != 200:
            assert time.monotonic() < deadline, "service did not resume within 10 s"
            time.sleep(0.2)
        assert fetch(f"{server.url}/readyz")[0] == 200
