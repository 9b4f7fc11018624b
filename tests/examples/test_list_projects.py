"""The README's integration example, run as a separate process against a live server."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.projects.factories import ProjectFactory, give_object_perms
from tests.tokens.factories import ApiTokenFactory

pytestmark = pytest.mark.django_db(transaction=True)

SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "list_projects.py"


def run_example(live_server, token: str | None):
    env = {key: value for key, value in os.environ.items() if key != "PGU_TOKEN"}
    env["PGU_URL"] = live_server.url
    if token is not None:
        env["PGU_TOKEN"] = token
    return subprocess.run([sys.executable, str(SCRIPT)], env=env, capture_output=True,
                          text=True, timeout=60, check=False)


def test_the_example_lists_every_visible_project_across_pages(live_server, programmatic_user):
    visible = [ProjectFactory(code=f"VIS-{n:03d}") for n in range(205)]  # two pages of 200
    ProjectFactory(code="HIDDEN")
    for project in visible:
        give_object_perms(programmatic_user, project, "view_project")
    token = ApiTokenFactory(user=programmatic_user)
    result = run_example(live_server, token.plaintext)
    assert result.returncode == 0, result.stderr
    codes = sorted(line.split("\t")[0] for line in result.stdout.splitlines())
    assert codes == sorted(p.code for p in visible)
    assert token.plaintext not in result.stdout + result.stderr


def test_the_example_explains_a_401_without_printing_the_token(live_server, programmatic_user):
    token = ApiTokenFactory(user=programmatic_user, revoked_at=programmatic_user.date_joined,
                            revoked_reason="x")
    result = run_example(live_server, token.plaintext)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: 401: the token is invalid, expired or revoked; ask your configurator for a new one")
    assert token.plaintext not in result.stdout + result.stderr


def test_the_example_needs_the_token_in_the_environment(live_server):
    result = run_example(live_server, None)
    assert (result.returncode, result.stderr.strip()) == (
        2, "Set PGU_TOKEN to the integration's token.")


def test_the_example_reports_an_unreachable_server_in_one_line():
    env = {key: value for key, value in os.environ.items()}
    env.update(PGU_URL="http://127.0.0.1:9", PGU_TOKEN="pgu_whatever")  # port 9: nothing there
    result = subprocess.run([sys.executable, str(SCRIPT)], env=env, capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: cannot reach http://127.0.0.1:9/api/v1/projects/")
    assert "Traceback" not in result.stderr and "pgu_whatever" not in result.stderr
