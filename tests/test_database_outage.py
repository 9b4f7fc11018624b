"""A lost database answers 503 with Retry-After (JSON for the API, HTML for the admin), fast.

A real gunicorn with the product's settings (DEBUG off) is pointed at databases that are not
there: a closed port, a server that accepts the connection and never answers (the connect
timeout must end the wait), a SQLite file that cannot be opened, and a throwaway PostgreSQL
cluster made for the test and stopped under it. Loopback only; nothing here touches the
machine's shared PostgreSQL.
"""

import json
import socket
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager

import pytest
from django.db import InterfaceError, OperationalError
from django.test import RequestFactory

from bench.server import Gunicorn, free_port
from common.exception_handler import exception_handler
from common.http import RETRY_AFTER_SECONDS
from config import error_views
from tests.live import (
    UNAVAILABLE,
    assert_probes_say_unavailable,
    assert_unavailable_json,
    manage,
    throwaway_postgres,
)
from tests.live import product_env as _env
from tokens import crypto

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

@pytest.fixture
def throwaway_cluster():
    """A cluster of the test's own on a port in 55400-55499 (tests.live)."""
    with throwaway_postgres(range(55400, 55500)) as cluster:
        yield cluster


@pytest.mark.timeout(300)
def test_a_postgresql_stopped_under_a_live_server_answers_503_and_recovers(throwaway_cluster):
    env = _env(throwaway_cluster.url(), CONN_MAX_AGE="60")
    manage(env, "migrate", "--noinput")
    manage(env, "create_programmatic_user", "outage-probe", "--contact-email",
           "owner@example.com")
    plaintext = manage(env, "issue_token", "outage-probe").strip()
    with Gunicorn(env, workers=1) as server:
        assert fetch(f"{server.url}/api/v1/me/", token=plaintext)[0] == 200
        assert fetch(f"{server.url}/readyz")[0] == 200

        throwaway_cluster.stop("fast")
        status, headers, body, took = fetch(f"{server.url}/api/v1/me/", token=plaintext)
        assert_unavailable_json(status, headers, body)
        assert took < 3
        assert_probes_say_unavailable(server.url)

        throwaway_cluster.start()
        deadline = time.monotonic() + 10
        while fetch(f"{server.url}/api/v1/me/", token=plaintext)[0] != 200:
            assert time.monotonic() < deadline, "service did not resume within 10 s"
            time.sleep(0.2)
        assert fetch(f"{server.url}/readyz")[0] == 200
