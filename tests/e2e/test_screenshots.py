"""The README's screenshots, regenerated from the seeded demo at 1400 × 1000: the dashboard (admin
index), the token list, the audit log and the programmatic user's page, into docs/images/.

Not run by default (it rewrites committed files); run it with

    SCREENSHOTS=1 DEBUG=1 .venv/bin/python -m pytest tests/e2e/test_screenshots.py

The lists are captured at the viewport's size, the programmatic user's page whole (its tokens
and chart are below the fold); each PNG stays under 300 kB.
"""

import os
from pathlib import Path

import pytest

from audit.sealing import seal_pending
from tests.e2e import demo
from tests.e2e.conftest import login

pytestmark = [
    pytest.mark.e2e, pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(os.environ.get("SCREENSHOTS") != "1",
                       reason="rewrites docs/images/: run with SCREENSHOTS=1"),
]

IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
MAX_BYTES = 300_000


def test_regenerate_the_readmes_screenshots(browser, live_server):
    seeded = demo.seed(live_server.url)
    seal_pending(settle_seconds=0, wait_seconds=5)  # the dashboard's verdict: sealed up to now
    shots = {
        "audrey": [("dashboard.png", "/admin/"),
                   ("audit-log.png", "/admin/audit/auditevent/")],
        "alice": [("token-list.png", "/admin/tokens/apitoken/"),
                  ("programmatic-user.png",
                   f"/admin/accounts/programmaticuser/{seeded.integration.pk}/change/")],
    }
    for username, pages in shots.items():
        context = browser.new_context(base_url=live_server.url,
                                      viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        login(page, username, seeded.password)
        page.wait_for_url("**/admin/")
        for name, path in pages:
            page.goto(path)
            path_out = IMAGES / name
            page.screenshot(path=str(path_out), full_page=name == "programmatic-user.png")
            assert path_out.stat().st_size < MAX_BYTES, name
        context.close()
