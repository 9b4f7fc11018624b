"""A quiet console: each log record once, one line; a 403 without a traceback (issue 18)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import browser_for

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = """
import logging, django
django.setup()
logging.getLogger("django.request").warning("first line")
logging.getLogger("django.server").info("second line")
logging.getLogger("tokens").warning("third line")
"""


def test_each_record_is_printed_once_on_one_line():
    env = {**os.environ, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "config.settings",
           "PYTHONWARNINGS": "ignore"}
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60, check=True)
    lines = result.stderr.splitlines()
    for message in ("first line", "second line", "third line"):
        assert len([line for line in lines if message in line]) == 1, result.stderr


@pytest.mark.django_db
def test_a_403_is_logged_as_one_line_without_a_traceback(staff, caplog):
    response = browser_for(staff).get("/admin/accounts/user/")  # the hidden picker: 403
    assert response.status_code == 403
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.getMessage() == "Forbidden (Permission denied): /admin/accounts/user/"
    assert record.exc_info is None and record.exc_text is None
