"""The demo accounts complete every tour of the README (issue 18): `alice` the configurator's
(in the admin and through the API with her session), `audrey` the auditor's (the permission
usage included, read-only), and `root`, a superuser, for the rest. The shell commands of the
tours are run by tests/test_readme_tours.py."""

import pytest
from django.core.management import call_command

from accounts.models import User
from projects.models import Project
from tests.conftest import browser_for, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo", "--demo-token")
    return capsys.readouterr().out


def person(username: str) -> User:
    return User.objects.get(username=username)


def test_the_logins_include_a_superuser(demo):
    assert "Superuser:    root / demo-pass-2026   (for everything else)" in demo
    root = person("root")
    assert (root.is_superuser, root.is_staff, root.category) == (True, True, "personal")
    assert root.check_password("demo-pass-2026")
    assert not person("alice").is_superuser and not person("audrey").is_superuser


def test_alice_does_the_configurators_tour_in_the_admin(demo):
    browser = browser_for(person("alice"))
    integration = person("billing-sync")
    atlas = Project.objects.get(code="ATLAS")
    user_page = f"/admin/accounts/programmaticuser/{integration.pk}/"
    for page in ["/admin/projects/project/", f"/admin/projects/project/{atlas.pk}/permissions/",
                 f"/admin/projects/project/{atlas.pk}/permissions/user-manage/{integration.pk}/",
                 f"{user_page}change/", f"{user_page}effective-permissions/",
                 f"{user_page}permission-usage/", f"/admin/tokens/apitoken/issue/{integration.pk}/",
                 "/admin/tokens/apitoken/"]:
        assert browser.get(page).status_code == 200, page


def test_alice_grants_on_a_demo_project_and_model_wide_through_the_api(demo):
    client = client_for(person("alice"))
    integration = person("billing-sync")
    grants = f"/api/v1/programmatic-users/{integration.pk}/permissions/"
    # On a fresh database (the README's, held by tests/test_readme_tours.py) these are ids 1-3;
    # here the sequences run on from earlier tests.
    assert list(Project.objects.order_by("pk").values_list("code", flat=True)) == [
        "ATLAS", "BOREAL", "CIRRUS"]
    cirrus = Project.objects.get(code="CIRRUS").pk
    on_cirrus = {"permission": "projects.view_project",
                 "object": {"type": "projects.project", "id": cirrus}}
    response = client.post(grants, on_cirrus, format="json")
    assert (response.status_code, response.json()["object"]["id"]) == (201, cirrus)
    response = client.post(grants, {"permission": "projects.view_invoice",
                                     "object": {"type": "projects.project", "id": cirrus}},
                           format="json")
    assert response.status_code == 201
    response = client.post(grants, {"permission": "projects.view_project"}, format="json")
    assert (response.status_code, response.json()["object"]) == (201, None)
    assert integration.has_perm("projects.view_project")


def test_alice_issues_rotates_and_revokes_a_token_through_the_api(demo):
    client = client_for(person("alice"))
    integration = person("billing-sync")
    issued = client.post(f"/api/v1/programmatic-users/{integration.pk}/tokens/",
                         {"name": "tour", "expires_in_days": 30}, format="json")
    assert issued.status_code == 201
    rotated = client.post(f"/api/v1/tokens/{issued.json()['id']}/rotate/", {"grace_hours": 1},
                          format="json")
    assert rotated.status_code == 201
    revoked = client.post(f"/api/v1/tokens/{rotated.json()['id']}/revoke/",
                          {"reason": "tour", "family": True}, format="json")
    assert revoked.status_code == 200


def test_audrey_reads_the_log_and_any_programmatic_users_permission_usage(demo):
    audrey = person("audrey")
    integration = person("billing-sync")
    browser = browser_for(audrey)
    for page in ["/admin/audit/auditevent/", "/admin/audit/auditevent/?q=billing",
                 "/admin/tokens/apitoken/",
                 f"/admin/accounts/programmaticuser/{integration.pk}/permission-usage/"]:
        assert browser.get(page).status_code == 200, page
    usage = client_for(audrey).get(
        f"/api/v1/programmatic-users/{integration.pk}/permission-usage/")
    assert usage.status_code == 200
    assert {row["permission"] for row in usage.json()["permissions"]} == {
        "projects.view_project", "projects.view_invoice", "projects.change_project"}


def test_audrey_changes_nothing(demo):
    client = client_for(person("audrey"))
    integration = person("billing-sync")
    response = client.post(f"/api/v1/programmatic-users/{integration.pk}/permissions/",
                           {"permission": "projects.view_project"}, format="json")
    assert response.status_code == 403
    assert not integration.has_perm("projects.view_project")


def test_the_audit_page_is_named_as_the_readme_names_it(demo):
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert "Admin → *Audit events*" in readme and "*Audit log*" not in readme
    html = browser_for(person("audrey")).get("/admin/").content.decode()
    assert ">Audit events<" in html
