"""A configurator previews what a narrowed token would reach, then issues it, in a real browser
under the Content-Security-Policy (the preview is a form button: no script)."""

import pytest
import requests

from permissions.services import permission_grant
from tests.accounts.factories import PersonFactory, ProgrammaticUserFactory
from tests.conftest import PASSWORD
from tests.e2e.conftest import login
from tests.e2e.test_csp import violations, watched  # noqa: F401  (a fixture)
from tests.projects.factories import ProjectFactory
from tokens.models import ApiToken

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_preview_then_issue_a_narrowed_token(watched, shot, live_server):  # noqa: F811
    PersonFactory(username="root", is_staff=True, is_superuser=True)
    robot = ProgrammaticUserFactory(username="erp-sync")
    shown, other = ProjectFactory(code="SHOWN"), ProjectFactory(code="OTHER")
    for project in (shown, other):
        permission_grant(actor=None, user=robot, permission="projects.view_project",
                         obj=project)

    login(watched, "root", PASSWORD)
    watched.wait_for_url("**/admin/")
    watched.goto(f"/admin/tokens/apitoken/issue/{robot.pk}/")
    watched.fill("#id_name", "narrow")
    watched.fill("#id_permissions", f"projects.view_project projects.project:{shown.pk}")
    watched.click("#preview-token")

    preview = watched.locator("#token-preview")
    assert preview.is_visible()
    row = preview.locator('tr[data-model="projects.project"]')
    assert row.locator(".count").inner_text() == "1"
    assert "SHOWN" in row.inner_text() and "OTHER" not in row.inner_text()
    assert not ApiToken.objects.exists()
    shot(watched, "narrowed-token-preview")

    watched.click("input[type=submit][value='Issue token']")
    plaintext = watched.locator("#token-plaintext").input_value()
    listed = requests.get(f"{live_server.url}/api/v1/projects/", timeout=10,
                          headers={"Authorization": f"Bearer {plaintext}"})
    assert [p["code"] for p in listed.json()["results"]] == ["SHOWN"]
    assert violations(watched) == []
    assert [text for text in watched.console_errors if "Content Security Policy" in text] == []
