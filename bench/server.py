"""Start and stop gunicorn for the benchmark (2 sync workers, DEBUG off, persistent connections)."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    def __init__(self, env: dict[str, str], workers: int = 2, app: str = "config.wsgi:application",
                 log: Path | None = None):
        """`log`: a file that receives the server's standard error (its log), else inherited."""
        self.port = free_port()
        self.env = env
        self.workers = workers
        self.app = app
        self.log = log
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "Gunicorn":
        command = [sys.executable, "-m", "gunicorn", self.app,
                   "--workers", str(self.workers), "--worker-class", "sync",
                   "--bind", f"127.0.0.1:{self.port}", "--log-level", "warning",
                   "--backlog", "2048",
                   # a 1,000,000-row export streams for longer than gunicorn's default 30 s
                   "--timeout", "600"]
        stderr = None if self.log is None else self.log.open("ab")
        try:
            self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stderr=stderr)
        finally:
            if stderr is not None:
                stderr.close()  # the server holds its own copy
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/healthz", timeout=2)
                return self
            except OSError:
                time.sleep(0.3)
        self.__exit__()
        raise RuntimeError("gunicorn did not start within 60 s")

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def worker_pids(self) -> list[int]:
        out = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True,
                             text=True).stdout
        return [int(pid) for pid in out.split()]


def peak_rss_kib(pid: int) -> int:
    """VmHWM: the peak resident set size of a process, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


PLAIN_APP = "bench.baseline.wsgi:application"


def baseline_database_url(database_url: str) -> str:
    """The plain project's own database, beside the product's: <name>_baseline."""
    from urllib.parse import urlsplit

    parts = urlsplit(database_url)
    return parts._replace(path=parts.path.rstrip("/") + "_baseline").geturl()


def plain_env(database_url: str) -> dict[str, str]:
    """The minimal project's environment (bench.baseline): its settings, its database."""
    return {**server_env(database_url), "DJANGO_SETTINGS_MODULE": "bench.baseline.settings",
            "DATABASE_URL": baseline_database_url(database_url)}


def prepare_plain(database_url: str) -> str:
    """Migrate the minimal project's database; the DRF token key of its one user."""
    done = subprocess.run([sys.executable, "-m", "bench.baseline.prepare"], cwd=ROOT,
                          env=plain_env(database_url), check=True, capture_output=True,
                          text=True)
    return done.stdout.strip()


def server_env(database_url: str) -> dict[str, str]:
    """Production-like settings (DEBUG off): every secret supplied, the signing key included."""
    from audit.keys import generate_pem

    env = dict(os.environ)
    env.update({
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": env.get("SECRET_KEY", "bench-" + "q7Zp3Lr8Vx2Nc6Bt1Mw9Ks4Hd5Fg0Jy" * 2),
        "TOKEN_HASH_KEY": env.get("TOKEN_HASH_KEY", "bench-token-hash-key-0123456789abcdef"),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "CONN_MAX_AGE": "600",
        "LOG_LEVEL": "WARNING",
    })
    if not env.get("AUDIT_SIGNING_KEY_FILE"):
        env["AUDIT_SIGNING_KEY"] = env.get("AUDIT_SIGNING_KEY") or generate_pem()
    return env
