"""Flows 3 and 4: a configurator issues a token in the admin, an integration uses it, the
configurator revokes it."""

import pytest
import requests

from tests.accounts.factories import PersonFactory, ProgrammaticUserFactory, group
from tests.conftest import PASSWORD, api_error
from tests.e2e.conftest import login
from tests.projects.factories import ProjectFactory, give_object_perms
from tokens.models import ApiToken

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def api(live_server, method: str, path: str, token: str, **kwargs):
    return requests.request(method, f"{live_server.url}{path}", timeout=10,
                            headers={"Authorization": f"Bearer {token}"}, **kwargs)


def test_flow3_and_flow4_issue_use_and_revoke_a_token(page, shot, live_server):
    alice = PersonFactory(username="alice", is_staff=True)
    alice.groups.add(group("User configurators"), group("Token configurators"))
    robot = ProgrammaticUserFactory(username="erp-sync", description="ERP export")
    readable, writable, hidden = (ProjectFactory(code=c) for c in ("READ", "WRITE", "HIDDEN"))
    give_object_perms(robot, readable, "view_project")
    give_object_perms(robot, writable, "view_project", "change_project")
    # A token is the robot's credential: only someone who holds all it holds may obtain one.
    give_object_perms(alice, readable, "view_project")
    give_object_perms(alice, writable, "view_project", "change_project")

    login(page, "alice", PASSWORD)
    page.wait_for_url("**/admin/")
    page.goto(f"/admin/accounts/programmaticuser/{robot.pk}/change/")
    page.click("#issue-token")
    page.fill("#id_name", "erp-nightly")
    page.fill("#id_expires_in_days", "30")
    page.click("input[type=submit][value='Issue token']")

    warning = page.locator("#shown-once").inner_text()
    assert "will not be shown again" in warning
    assert page.locator("#copy-token").is_visible()
    plaintext = page.locator("#token-plaintext").input_value()
    assert plaintext.startswith("pgu_")
    shot(page, "flow3-token-shown-once")
    assert plaintext not in page.url

    page.reload()  # the browser re-posts or shows the form; either way no plaintext twice
    assert plaintext not in page.content()
    page.go_back()
    assert plaintext not in page.content()
    assert ApiToken.objects.count() == 1  # nor was a second token issued by the reload

    listed = api(live_server, "GET", "/api/v1/projects/", plaintext)
    assert listed.status_code == 200
    assert sorted(p["code"] for p in listed.json()["results"]) == ["READ", "WRITE"]
    assert api(live_server, "GET", f"/api/v1/projects/{hidden.pk}/", plaintext).status_code == 404
    patched = api(live_server, "PATCH", f"/api/v1/projects/{writable.pk}/", plaintext,
                  json={"name": "Renamed by the integration"})
    assert patched.status_code == 200
    assert patched.json()["name"] == "Renamed by the integration"
    assert api(live_server, "PATCH", f"/api/v1/projects/{readable.pk}/", plaintext,
               json={"name": "x"}).status_code == 403

    # Flow 4: revoke with a reason; the same call now answers 401.
    page.goto(f"/admin/accounts/programmaticuser/{robot.pk}/change/")
    assert "erp-nightly" in page.content()
    page.get_by_role("link", name="erp-nightly").first.click()
    page.click("#revoke-token")
    page.fill("#id_reason", "contract ended")
    page.click("input[type=submit][value='Yes, revoke it']")
    page.wait_for_url("**/change/")
    body = page.locator("#content-main").inner_text()
    assert "revoked" in body and "contract ended" in body and "alice" in body
    shot(page, "flow4-token-revoked")
    refused = api(live_server, "GET", "/api/v1/projects/", plaintext)
    assert refused.status_code == 401
    assert api_error(refused) == {"detail": "Invalid or expired token.", "code": "invalid_token"}
