"""Flow 6: an auditor finds what a token did, tells integrations from people, exports the
filtered view and sees the integrity verdict."""

import csv
import io
from pathlib import Path

import pytest
import requests

from audit.sealing import seal_pending
from tests.accounts.factories import PersonFactory, group
from tests.conftest import PASSWORD
from tests.e2e.conftest import login
from tokens import services

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_flow6_the_auditor_follows_a_token_and_exports_it(page, shot, live_server,
                                                         programmatic_user):
    alice = PersonFactory(username="alice", is_staff=True)
    alice.groups.add(group("Token configurators"))
    auditor = PersonFactory(username="audrey", is_staff=True)
    auditor.groups.add(group("Auditors"))
    issued = services.token_issue(actor=alice, user=programmatic_user, name="erp")
    other = services.token_issue(actor=alice, user=programmatic_user, name="other")
    headers = {"Authorization": f"Bearer {issued.plaintext}", "User-Agent": "erp-sync/1.0"}
    for _ in range(2):
        response = requests.get(f"{live_server.url}/api/v1/me/", headers=headers, timeout=10)
        assert response.status_code == 200
    requests.get(f"{live_server.url}/api/v1/me/", timeout=10,
                 headers={"Authorization": f"Bearer {other.plaintext}"})
    services.token_revoke(actor=alice, token=issued.token, reason="rotation drill")
    seal_pending(settle_seconds=0, wait_seconds=5)

    login(page, "audrey", PASSWORD)
    page.wait_for_url("**/admin/")
    page.goto("/admin/audit/auditevent/")
    page.fill("#searchbar", issued.token.hint)
    page.press("#searchbar", "Enter")
    page.wait_for_url("**q=*")
    rows = page.locator("#result_list tbody tr").all_inner_texts()
    used = [row for row in rows if "token.used" in row]
    assert len(used) == 2
    assert all("programmatic" in row and "200" in row for row in used)
    [revoked] = [row for row in rows if "token.revoked" in row]
    assert "person" in revoked and "alice" in revoked
    assert not any(other.token.hint in row for row in rows)
    assert "Integrity:" in page.locator("#audit-integrity").inner_text()
    shot(page, "flow6-audit-log-by-token")
    # The list shows when, what, who, token, target and status; the row's page the rest.
    with page.expect_navigation():
        page.locator("#result_list tbody tr", has_text="token.used").first.locator("a").click()
    details = page.locator("#content-main").inner_text()
    assert "127.0.0.1" in details and "/api/v1/me/" in details and "erp-sync/1.0" in details
    page.go_back()

    with page.expect_download() as download_info:
        page.click("a.export-link")
    content = Path(download_info.value.path()).read_text(encoding="utf-8")
    exported = list(csv.DictReader(io.StringIO(content)))
    events = sorted(row["event"] for row in exported)
    assert events == ["token.issued", "token.revoked", "token.used", "token.used"]
    assert issued.plaintext not in content
