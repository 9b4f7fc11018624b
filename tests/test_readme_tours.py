"""The README's three tours, run literally against `make run` (issue 18).

Every ```sh block of the sections "The configurator's tour", "The integrator's tour" and "The
auditor's tour" is run, in README order, one bash process per tour (so a tour's `export`s carry
from one of its blocks to the next), against `manage.py run_demo` — what `make run` runs: it
migrates a fresh database, seeds the demo (`seed_demo --demo-token`), serves it with the
development server and prints the logins and the demo token, framed. The database is the test's
own: a new PostgreSQL database beside the suite's when DATABASE_URL is set (as in CI), else a new
SQLite file. The commands run in a temporary folder holding `manage.py` and `.venv` (links to the
checkout and to the running virtualenv), with DATABASE_URL naming that database and
AUDIT_DIGEST_DIR a folder of the test's, as a reader's shell would have at the checkout.

Substitution, the way a reader follows the README — and nothing else is changed:
- `pgu_...` (or `pgu_…`) is the demo token `make run` printed;
- `http://127.0.0.1:8000` is the address the test's server listens on.
Other tokens in the tours (`pgu_not-a-token`, `pgu_the-token-you-found`) are meant literally.

Each command (a line, with its `\\` continuations or its here-document) must exit 0 and every
HTTP answer curl receives must be below 400, unless the command ends with a marker comment:
`# expect: 404` (every answer it receives has that status) or `# expect: exit 1` (its exit
status). curl is run as written; a `.curlrc` (CURL_HOME) of the test's adds only `--silent
--show-error` and a `--write-out` of each status to standard error, which the test reads.

Not run: the README's other sh blocks — `make run`/`make test` at the top (the test is what they
start), Deployment (a production host, secrets, gunicorn, cron), the release checklist
(pip-audit needs the network) — since only the three tours' sections are read.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from tests.live import ROOT, candidate_ports

pytestmark = [pytest.mark.slow]

README = ROOT / "README.md"
TOURS = ("The configurator's tour", "The integrator's tour", "The auditor's tour")
README_URL = "http://127.0.0.1:8000"
TOKEN_PLACEHOLDER = re.compile(r"pgu_(?:\.\.\.|…)")
EXPECT = re.compile(r"#\s*expect:\s*(exit\s+)?(\d+)\s*$")
HEREDOC = re.compile(r"<<-?\s*(['\"]?)(\w+)\1")
PORTS = range(56700, 56800)
START_SECONDS = 180


# --- Reading the README ---------------------------------------------------------------------

def section(text: str, heading: str) -> str:
    start = text.index(f"\n## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end != -1 else len(text)]


def sh_blocks(text: str) -> list[str]:
    """The ```sh blocks of `text`, each without its fence's indentation."""
    blocks, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        opening = re.fullmatch(r"(\s*)```sh\s*", lines[i])
        i += 1
        if not opening:
            continue
        indent, body = opening.group(1), []
        while not re.fullmatch(r"\s*```\s*", lines[i]):
            body.append(lines[i][len(indent):] if lines[i].startswith(indent) else lines[i])
            i += 1
        i += 1
        blocks.append("\n".join(body))
    return blocks


def commands(block: str) -> list[str]:
    """The commands of a block: a line, with its `\\` continuations or its here-document."""
    found, lines, i = [], block.splitlines(), 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        command = [line]
        while command[-1].rstrip().endswith("\\") and i < len(lines):
            command.append(lines[i])
            i += 1
        heredoc = HEREDOC.search(command[0])
        if heredoc:
            while i < len(lines):
                command.append(lines[i])
                i += 1
                if lines[i - 1].strip() == heredoc.group(2):
                    break
        found.append("\n".join(command))
    return found


def expectation(command: str) -> tuple[str, int] | None:
    """("exit", 1) or ("http", 404) from the command's marker comment, or None."""
    marker = EXPECT.search(command.splitlines()[0]) or EXPECT.search(command.splitlines()[-1])
    if marker is None:
        return None
    return ("exit" if marker.group(1) else "http", int(marker.group(2)))


def tour_commands() -> dict[str, list[str]]:
    text = README.read_text()
    return {tour: [c for block in sh_blocks(section(text, tour)) for c in commands(block)]
            for tour in TOURS}


def test_the_tours_have_shell_blocks_with_markers_the_test_understands():
    """Parsing alone (no server): each tour has commands, every marker is understood."""
    found = tour_commands()
    assert all(found[tour] for tour in TOURS), {tour: len(c) for tour, c in found.items()}
    every = [c for tour in TOURS for c in found[tour]]
    assert all(expectation(c) is not None for c in every if "expect" in c)
    assert any(expectation(c) == ("http", 401) for c in every)
    assert any(expectation(c) == ("exit", 1) for c in every)
    assert any(TOKEN_PLACEHOLDER.search(c) for c in every)


# --- The server, as `make run` starts it ----------------------------------------------------

def _postgres_database() -> tuple[str, object] | None:
    """A new database beside the suite's (PostgreSQL only): (its URL, a callable dropping it)."""
    db = settings.DATABASES["default"]
    if not db["ENGINE"].endswith("postgresql"):
        return None
    import psycopg

    # pytest-django renamed the suite's database ("test_..."): ours sits beside it.
    name = f"pgu_readme_tours_{os.getpid()}"
    params = {"host": db["HOST"] or "127.0.0.1", "port": db["PORT"] or 5432,
              "user": db["USER"], "password": db["PASSWORD"] or None, "dbname": "postgres",
              "autocommit": True}

    def run(statement: str) -> None:
        with psycopg.connect(**params) as conn:
            conn.execute(statement)

    run(f'DROP DATABASE IF EXISTS "{name}"')
    run(f'CREATE DATABASE "{name}"')
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    url = f"postgres://{db['USER']}{password}@{params['host']}:{params['port']}/{name}"
    return url, lambda: run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def demo(tmp_path):
    """`manage.py run_demo` on a fresh database: (its URL, the demo token, the environment of
    the reader's shell, the folder the commands run in)."""
    postgres = _postgres_database()
    if postgres is not None:
        database_url, drop = postgres
    else:
        database_url, drop = f"sqlite:///{tmp_path / 'db.sqlite3'}", lambda: None
    work = tmp_path / "checkout"
    work.mkdir()
    (work / "manage.py").symlink_to(ROOT / "manage.py")
    (work / ".venv").symlink_to(Path(sys.prefix))
    curl_home = tmp_path / "curl"
    curl_home.mkdir()
    (curl_home / ".curlrc").write_text(
        'silent\nshow-error\nwrite-out = "%{stderr}::http %{http_code}\\n"\n')
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("DJANGO_", "PYTEST_", "DATABASE_", "MIGRATE_DATABASE_"))}
    env.update({"DEBUG": "1", "DATABASE_URL": database_url, "CURL_HOME": str(curl_home),
                "AUDIT_DIGEST_DIR": str(tmp_path / "audit-digests"), "LOG_LEVEL": "WARNING",
                "PYTHONUNBUFFERED": "1"})
    server = url = token = None
    try:
        for port in candidate_ports(PORTS):
            server = subprocess.Popen(
                [sys.executable, "manage.py", "run_demo", f"127.0.0.1:{port}"], cwd=work,
                env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                start_new_session=True)
            token = _printed_token(server)
            if token is not None:
                url = f"http://127.0.0.1:{port}"
                break
            _stop(server)
        else:
            pytest.fail("manage.py run_demo did not print the demo token")
        yield url, token, env, work
    finally:
        if server is not None:
            _stop(server)
        drop()


def _printed_token(server: subprocess.Popen) -> str | None:
    deadline = time.monotonic() + START_SECONDS
    for line in server.stdout:  # the framed block comes once the server answers
        found = re.search(r"Demo token:\s+(pgu_\S+)", line)
        if found:
            return found.group(1)
        if time.monotonic() > deadline:
            break
    return None


def _stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


# --- Running the tours ----------------------------------------------------------------------

def script(found: list[str], url: str, token: str) -> str:
    """One bash script for a tour: each command between markers on standard error."""
    parts = ["set -o pipefail"]
    for n, command in enumerate(found):
        command = TOKEN_PLACEHOLDER.sub(token, command).replace(README_URL, url)
        parts += [f"echo '::command {n}' >&2", command, f"echo \"::exit {n} $?\" >&2"]
    return "\n".join(parts) + "\n"


def outcomes(stderr: str) -> dict[int, dict]:
    """{command number: {"exit": status or None, "http": [statuses], "stderr": [lines]}}."""
    found, current = {}, None
    for line in stderr.splitlines():
        if match := re.fullmatch(r"::command (\d+)", line):
            current = found.setdefault(int(match.group(1)), {"exit": None, "http": [],
                                                              "stderr": []})
        elif match := re.fullmatch(r"::exit (\d+) (\d+)", line):
            found[int(match.group(1))]["exit"] = int(match.group(2))
        elif match := re.fullmatch(r"::http (\d{3})", line):
            current["http"].append(int(match.group(1)))
        elif current is not None:
            current["stderr"].append(line)
    return found


def test_every_command_of_the_tours_works_against_make_run(demo):
    url, token, env, work = demo
    failures = []
    for tour, found in tour_commands().items():
        result = subprocess.run(["bash", "-c", script(found, url, token)], cwd=work, env=env,
                                capture_output=True, text=True, timeout=300)
        ran = outcomes(result.stderr)
        for n, command in enumerate(found):
            outcome = ran.get(n)
            expected = expectation(command)
            if outcome is None or outcome["exit"] is None:
                failures.append(f"{tour}: not run to its end: {command}")
                continue
            problems = []
            exit_expected = expected[1] if expected and expected[0] == "exit" else 0
            if outcome["exit"] != exit_expected:
                problems.append(f"exit {outcome['exit']}, expected {exit_expected}")
            statuses = outcome["http"]
            if re.search(r"(^|[\s(|])curl\s", command) and not statuses:
                problems.append("curl received no answer")
            if expected and expected[0] == "http":
                if statuses != [expected[1]] * len(statuses):
                    problems.append(f"HTTP {statuses}, expected {expected[1]}")
            elif any(status >= 400 for status in statuses):
                problems.append(f"HTTP {statuses}")
            if problems:
                failures.append(f"{tour}: {'; '.join(problems)}: {command}\n    "
                                + "\n    ".join(outcome["stderr"][-5:]))
    assert not failures, "\n".join(failures)
    # What the tours left behind: the offline verification's files, in the reader's folder.
    assert (work / "audit.jsonl").exists() and (work / "audit.csv").exists()
    assert shutil.which("bash")
