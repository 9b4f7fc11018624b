"""`make run` (manage.py run_demo): the logins and the demo token come last, framed, once the
server answers; development warnings are printed once (issue 18)."""

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_run_demo_prints_the_logins_last_after_the_server_started(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in {"SECRET_KEY", "TOKEN_HASH_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(DEBUG="1", DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}",
               PYTHONUNBUFFERED="1")
    process = subprocess.Popen([sys.executable, "manage.py", "run_demo", f"127.0.0.1:{port}"],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    out: list[str] = []
    reader = threading.Thread(target=lambda: out.extend(process.stdout), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and "Stop it with Ctrl-C." not in "".join(out):
            time.sleep(0.2)
    finally:
        process.terminate()
        _, err = process.communicate(timeout=30)
    text = "".join(out)
    assert "Stop it with Ctrl-C." in text, text + err
    assert text.index("Quit the server with CONTROL-C.") < text.index("Programmatic Users is")
    assert f"| Admin:        http://127.0.0.1:{port}/admin/" in text
    assert "| Demo token:   pgu_" in text
    assert err.count("SECRET_KEY is not set") == 1
    assert err.count("TOKEN_HASH_KEY is not set") == 1
    assert "Traceback" not in err
