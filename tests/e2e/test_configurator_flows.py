"""Flows 1 and 2: a configurator creates a programmatic user, then grants it per-object
permissions and checks its effective permissions."""

import pytest
from guardian.shortcuts import get_perms

from accounts.models import User
from tests.accounts.factories import PersonFactory, group
from tests.conftest import PASSWORD
from tests.e2e.conftest import login
from tests.projects.factories import ProjectFactory, give_model_perms
from tokens.models import ApiToken

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def alice():
    user = PersonFactory(username="alice", is_staff=True)
    user.groups.add(group("User configurators"), group("Token configurators"))
    give_model_perms(user, "projects.view_project", "projects.add_project",
                     "projects.change_project")
    return user


def test_adding_a_programmatic_user_issues_its_first_token_shown_once(page, shot, alice):
    login(page, "alice", PASSWORD)
    page.wait_for_url("**/admin/")
    page.goto("/admin/accounts/programmaticuser/add/")
    assert page.is_checked("#id_issue_token")  # checked by default for a token configurator
    page.fill("#id_username", "erp-export")
    page.fill("#id_contact_email", "owner@example.com")
    page.fill("#id_token_expires_in_days", "30")
    page.check("#id_token_read_only")
    page.click("input[name=_save]")

    assert "will not be shown again" in page.locator("#shown-once").inner_text()
    plaintext = page.locator("#token-plaintext").input_value()
    assert plaintext.startswith("pgu_") and plaintext not in page.url
    shot(page, "first-token-shown-once")
    token = ApiToken.objects.get()
    assert (token.user.username, token.name, token.read_only) == ("erp-export", "initial", True)

    page.reload()  # the browser re-posts or shows the form; either way no plaintext twice
    assert plaintext not in page.content()
    page.go_back()
    assert plaintext not in page.content()
    page.goto(f"/admin/accounts/programmaticuser/{token.user_id}/change/")
    assert plaintext not in page.content() and token.hint in page.content()
    assert ApiToken.objects.count() == 1 and User.objects.filter(username="erp-export").count() == 1


def test_flow1_a_created_programmatic_user_appears_only_where_it_belongs(page, shot, alice):
    PersonFactory(username="bob", first_name="Bob", is_staff=False)
    login(page, "alice", PASSWORD)
    page.wait_for_url("**/admin/")
    page.goto("/admin/accounts/programmaticuser/add/")
    page.fill("#id_username", "erp-export")
    page.fill("#id_description", "Exports invoices to the ERP every night")
    page.fill("#id_contact_email", "owner@example.com")
    page.uncheck("#id_issue_token")  # no token yet (the next test takes the box's default)
    page.click("input[name=_save]")
    page.wait_for_url("**/admin/accounts/programmaticuser/")
    assert "erp-export" in page.locator("#result_list").inner_text()
    assert "Exports invoices to the ERP" in page.locator("#result_list").inner_text()
    shot(page, "flow1-programmatic-users")
    robot = User.objects.get(username="erp-export")
    assert (robot.category, robot.has_usable_password()) == ("programmatic", False)

    page.goto("/admin/accounts/person/")
    people = page.locator("#result_list").inner_text()
    assert "bob" in people and "erp-export" not in people
    filters = page.locator("#changelist-filter").inner_text()
    assert "erp-export" not in filters

    page.goto("/admin/projects/project/add/")
    options = page.locator("#id_manager option").all_inner_texts()
    assert not any("erp-export" in option for option in options)
    found = page.request.get("/admin/autocomplete/?app_label=projects&model_name=project"
                             "&field_name=manager&term=e").json()
    names = [row["text"] for row in found["results"]]
    assert "erp-export" not in names
    bob = page.request.get("/admin/autocomplete/?app_label=projects&model_name=project"
                           "&field_name=manager&term=bob").json()
    assert [row["text"] for row in bob["results"]] == ["bob"]


def test_flow2_grants_per_object_show_in_effective_permissions(page, shot, alice,
                                                             programmatic_user):
    readable, writable, untouched = (ProjectFactory(code=c) for c in ("READ", "WRITE", "NONE"))
    login(page, "alice", PASSWORD)
    page.wait_for_url("**/admin/")

    for project, codename in ((readable, "view_project"), (writable, "change_project")):
        page.goto(f"/admin/projects/project/{project.pk}/permissions/")
        page.fill("#id_user", programmatic_user.username)
        page.click("input[name=submit_manage_user]")
        page.wait_for_url(f"**/permissions/user-manage/{programmatic_user.pk}/")
        # guardian's two-box chooser: pick from "available", move it to "chosen", save.
        page.select_option("#id_permissions_from", [codename])
        page.click("#id_permissions_add")
        with page.expect_navigation():
            page.click("input[type=submit]")
        assert get_perms(programmatic_user, project) == [codename]

    page.goto(f"/admin/accounts/programmaticuser/{programmatic_user.pk}/change/")
    page.click("#effective-permissions")
    page.wait_for_url("**/effective-permissions/")
    shot(page, "flow2-effective-permissions")
    report = page.locator("#content-main").inner_text()
    assert "READ" in report and "WRITE" in report and "NONE" not in report
    rows = page.locator("#content-main table tbody tr").all_inner_texts()
    object_rows = [row for row in rows if "READ" in row or "WRITE" in row]
    assert len(object_rows) == 2
    assert any("view_project" in r and "READ" in r and "change_project" not in r
               for r in object_rows)
    assert any("change_project" in r and "WRITE" in r and "view_project" not in r
               for r in object_rows)
    assert untouched.code not in report
