"""The product as deployed, for the tests that run it: gunicorn's environment, plain HTTP calls,
and throwaway PostgreSQL clusters and Redis servers that a test may stop under load.

Loopback only. Nothing here touches the machine's shared PostgreSQL or Redis: a cluster is made
with `initdb` in a temporary folder (as the `postgres` OS user, on a port of the range the test
names), a Redis server is started on a port of its range and killed afterwards.
"""

import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bench.server import server_env
from common.http import DATABASE_UNAVAILABLE, RETRY_AFTER_SECONDS

ROOT = Path(__file__).resolve().parent.parent
UNAVAILABLE = {"detail": DATABASE_UNAVAILABLE, "code": "service_unavailable"}


# --- The product's environment and commands -------------------------------------------------

def product_env(database_url: str, **extra: str) -> dict[str, str]:
    """gunicorn's and manage.py's environment: the product's settings, DEBUG off, quiet."""
    env = server_env(database_url)
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", "LOG_LEVEL": "CRITICAL",
                "CONN_MAX_AGE": "0", **extra})
    return env


def run_manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    """Run `manage.py *args` in a fresh process, whatever its outcome."""
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def manage(env: dict, *args: str) -> str:
    """Run `manage.py *args` in a fresh process; its standard output (it must succeed)."""
    result = run_manage(env, *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def live_database_url() -> str:
    """The URL of pytest-django's PostgreSQL test database (for a server the test starts)."""
    from django.db import connection

    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return (f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}")


# --- HTTP -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Answer:
    """One request and its answer, with the client's monotonic clock on both sides."""

    request_id: str
    sent: float
    received: float
    status: int
    headers: Message  # case-insensitive
    body: bytes

    @property
    def took(self) -> float:
        return self.received - self.sent

    def json(self):
        return json.loads(self.body)


def call(url: str, path: str, *, method: str = "GET", token: str | None = None,
         body: dict | None = None, request_id: str | None = None,
         headers: dict[str, str] | None = None, timeout: float = 30) -> Answer:
    """Send one request on a connection of its own (gunicorn's sync workers close each)."""
    parts = urlsplit(url)
    sent_headers = dict(headers or {})
    if token is not None:
        sent_headers["Authorization"] = f"Bearer {token}"
    if request_id is not None:
        sent_headers["X-Request-ID"] = request_id
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        sent_headers["Content-Type"] = "application/json"
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    sent = time.monotonic()
    try:
        conn.request(method, path, body=data, headers=sent_headers)
        response = conn.getresponse()
        content = response.read()
    finally:
        conn.close()
    received = time.monotonic()
    return Answer(request_id=request_id or "", sent=sent, received=received,
                  status=response.status, headers=response.headers, body=content)


def assert_unavailable_json(status: int, headers, body: bytes) -> None:
    """A 503 the API's way: JSON, Retry-After, the request id in the body and the header."""
    assert status == 503, body[:300]
    assert headers["Content-Type"] == "application/json"
    assert headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    data = json.loads(body)
    assert data.pop("request_id") == headers["X-Request-ID"]
    assert data == UNAVAILABLE


def assert_probes_say_unavailable(url: str) -> None:
    """/healthz stays up, /readyz says the database is unreachable (503 with Retry-After)."""
    health = call(url, "/healthz")
    assert (health.status, health.json()) == (200, {"status": "ok"})
    ready = call(url, "/readyz")
    assert (ready.status, ready.json()) == (503, {"status": "unavailable",
                                                  "database": "unreachable"})
    assert ready.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)


# --- Ports ----------------------------------------------------------------------------------

def port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def candidate_ports(ports: range, count: int = 5) -> list[int]:
    """A few free ports of `ports`, starting at a point that differs between processes."""
    start = ports.start + os.getpid() % max(1, len(ports) // 2)
    return [port for port in range(start, ports.stop) if port_free(port)][:count]


# --- A throwaway PostgreSQL cluster -----------------------------------------------------------

def _pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent if found else None


def _as_postgres(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(["runuser", "-u", "postgres", "--", *command], check=True,
                          capture_output=True, text=True, timeout=120)


class Cluster:
    """A PostgreSQL cluster of the test's own: stop it (`fast`, `immediate`), start it again."""

    def __init__(self, bin_dir: Path, folder: Path):
        self.bin_dir, self.folder = bin_dir, folder
        self.data, self.log = folder / "data", folder / "log"
        self.port: int | None = None

    def pg_ctl(self, *args: str) -> None:
        _as_postgres(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-w", "-t", "60", *args)

    def start(self) -> None:
        self.pg_ctl("-o", f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1",
                    "-l", str(self.log), "start")

    def stop(self, mode: str = "fast") -> None:
        self.pg_ctl("-m", mode, "stop")

    def url(self, user: str = "postgres", database: str = "postgres") -> str:
        return f"postgres://{user}@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str = "postgres"):
        """A psycopg connection as the owner (autocommit), for the test's own checks."""
        import psycopg

        return psycopg.connect(host="127.0.0.1", port=self.port, user="postgres",
                               dbname=database, autocommit=True, connect_timeout=10)

    def execute(self, sql: str, params=None, database: str = "postgres") -> list[tuple]:
        with self.connect(database) as conn, conn.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else []


@contextmanager
def throwaway_postgres(ports: range) -> Iterator[Cluster]:
    """A cluster made with initdb in a temporary folder, on a port of `ports`; removed after."""
    bin_dir = _pg_bin()
    if bin_dir is None or os.geteuid() != 0 or shutil.which("runuser") is None:
        pytest.skip("needs root and PostgreSQL's server binaries (initdb) to make a cluster")
    folder = Path(tempfile.mkdtemp(prefix="pgu-cluster-"))
    shutil.chown(folder, "postgres")
    cluster = Cluster(bin_dir, folder)
    try:
        _as_postgres(str(bin_dir / "initdb"), "-D", str(cluster.data), "-A", "trust",
                     "-U", "postgres")
        # Another process may take a free port before the server binds it: try the next one.
        for port in candidate_ports(ports):
            cluster.port = port
            try:
                cluster.start()
                break
            except subprocess.CalledProcessError:
                continue
        else:
            log = cluster.log.read_text()[-500:] if cluster.log.exists() else ""
            pytest.fail("the throwaway cluster did not start: " + log)
        yield cluster
    finally:
        subprocess.run(["runuser", "-u", "postgres", "--", str(bin_dir / "pg_ctl"), "-D",
                        str(cluster.data), "-m", "immediate", "stop"], capture_output=True,
                       timeout=60)
        shutil.rmtree(folder, ignore_errors=True)


# --- A throwaway Redis server -----------------------------------------------------------------

class RedisServer:
    """A redis-server of the test's own (no persistence): stop it, start it again, same port."""

    def __init__(self, folder: Path, port: int):
        self.folder, self.port = folder, port
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.folder), "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not self.answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"redis-server did not start on port {self.port}")
            time.sleep(0.05)

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        """Kill the server (SIGKILL: gone at once, as a crashed or unreachable Redis is)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@contextmanager
def throwaway_redis(ports: range) -> Iterator[RedisServer]:
    """A redis-server on a port of `ports`, in a temporary folder; killed and removed after."""
    if shutil.which("redis-server") is None:
        message = "needs redis-server (apt-get install redis-server)"
        if os.environ.get("REDIS_REQUIRED") == "1":
            pytest.fail(message)
        pytest.skip(message)
    folder = Path(tempfile.mkdtemp(prefix="pgu-redis-"))
    server = None
    try:
        for port in candidate_ports(ports):
            server = RedisServer(folder, port)
            try:
                server.start()
                break
            except RuntimeError:
                continue
        else:
            pytest.fail(f"no redis-server could start on a port of {ports}")
        yield server
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)
