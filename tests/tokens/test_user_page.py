"""The programmatic user's page for the task: its roles as checkboxes, its tokens in one table with
rotate and revoke per row for who may use them, and the same page, its tokens, effective
permissions and permission usage read-only for auditors; links only to pages the viewer may open.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from tests.accounts.factories import PersonFactory, ProgrammaticUserFactory, group
from tests.conftest import browser_for
from tests.permissions.escalation.cells import robot_form
from tests.projects.factories import ProjectFactory, give_model_perms, give_object_perms
from tests.tokens.factories import ApiTokenFactory
from tokens.models import ApiToken
from tokens.services import token_rotate
from tokens.suspension import token_suspend

pytestmark = pytest.mark.django_db

ROBOTS = "/admin/accounts/programmaticuser/"
TOKENS = "/admin/tokens/apitoken/"
WRITE_CONTROLS = ('name="_save"', 'name="_continue"', 'name="_addanother"', 'id="issue-token"',
                  'class="button rotate-token"', 'class="button revoke-token"',
                  'id="rotate-token"', 'id="revoke-token"', 'id="suspend-token"',
                  'id="resume-token"', "deletelink")


@pytest.fixture
def audrey(db):
    """The demo's auditor: audit.view_auditevent and tokens.view_apitoken."""
    user = PersonFactory(username="audrey", is_staff=True)
    user.groups.add(group("Auditors"))
    return user


@pytest.fixture
def robot(db):
    return ProgrammaticUserFactory(username="billing-sync")


@pytest.fixture
def tokens(robot):
    """One token of `robot` in each status a row may show."""
    days = lambda n: timezone.now() + timedelta(days=n)  # noqa: E731
    made = {name: ApiTokenFactory(user=robot, name=f"tok-{name}", expires_at=days(60))
            for name in ("active", "rotating", "suspended")}
    token_rotate(actor=None, token=made["rotating"], grace_hours=24).token.delete()
    token_suspend(actor=None, token=made["suspended"])
    made["expired"] = ApiTokenFactory(user=robot, name="tok-expired", created_at=days(-10),
                                      expires_at=days(-1))
    made["revoked"] = ApiTokenFactory(user=robot, name="tok-revoked", revoked_at=timezone.now(),
                                      revoked_reason="x")
    for token in made.values():
        token.refresh_from_db()
    return made


def page_of(viewer, robot) -> str:
    response = browser_for(viewer).get(f"{ROBOTS}{robot.pk}/change/")
    assert response.status_code == 200
    return response.content.decode()


def rows(html: str) -> dict[int, str]:
    """{token id: its row's HTML} of the page's token table."""
    table = html.split('id="user-tokens"')[1].split("</table>")[0]
    return {int(pk): row for pk, row in re.findall(r'<tr data-token="(\d+)">(.*?)</tr>', table,
                                                   flags=re.S)}


def test_the_roles_are_checkboxes_not_a_two_pane_picker(alice, robot):
    html = page_of(alice, robot)
    for name in ("Auditors", "Token configurators", "User configurators"):
        pk = group(name).pk
        assert re.search(rf'<input type="checkbox" name="groups" value="{pk}"[^>]*>', html)
    assert "selectfilter" not in html and "SelectFilter" not in html


def test_the_roles_checkboxes_still_save_through_the_service(superuser, robot):
    auditors = group("Auditors")
    response = browser_for(superuser).post(f"{ROBOTS}{robot.pk}/change/",
                                           robot_form(robot, groups=[auditors.pk]))
    assert response.status_code == 302
    assert list(robot.groups.all()) == [auditors]


def test_each_token_is_one_row_without_a_repeated_caption(alice, robot, tokens):
    html = page_of(alice, robot)
    found = rows(html)
    assert sorted(found) == sorted(token.pk for token in tokens.values())
    for token in tokens.values():
        assert html.count(f'title="{token.name}">{token.name}</span>') == 1
        assert f'<span class="token-status token-status-{token.status}"' in found[token.pk]
    assert 'class="original"' not in html and "api_tokens-TOTAL_FORMS" not in html


def test_rotate_and_revoke_are_offered_per_row_where_they_apply(alice, robot, tokens):
    found = rows(page_of(alice, robot))
    rotate = {name for name, token in tokens.items()
              if f'href="{TOKENS}{token.pk}/rotate/"' in found[token.pk]}
    revoke = {name for name, token in tokens.items()
              if f'href="{TOKENS}{token.pk}/revoke/"' in found[token.pk]}
    assert rotate == {"active"}
    assert revoke == {"active", "rotating", "suspended"}


def test_the_row_links_open_the_existing_confirmation_pages(alice, robot, tokens):
    browser = browser_for(alice)
    token = tokens["active"]
    for action in ("rotate", "revoke"):
        page = browser.get(f"{TOKENS}{token.pk}/{action}/")
        assert page.status_code == 200 and b'method="post"' in page.content
    assert ApiToken.objects.get(pk=token.pk).status == "active"  # a GET changes nothing


def test_no_rotate_for_a_user_holding_what_the_configurator_lacks(alice, robot, tokens):
    give_model_perms(robot, "projects.view_invoice")  # alice lacks it: no new credential
    found = rows(page_of(alice, robot))
    assert not any("/rotate/" in row for row in found.values())
    assert f'href="{TOKENS}{tokens["active"].pk}/revoke/"' in found[tokens["active"].pk]


def test_a_user_configurator_without_token_rights_sees_no_token_table(configurator, robot,
                                                                      tokens):
    html = page_of(configurator, robot)
    assert 'id="user-tokens"' not in html and tokens["active"].hint not in html


def test_the_auditor_reads_the_users_page_without_any_write_control(audrey, robot, tokens):
    html = page_of(audrey, robot)
    assert "View programmatic user" in html and ">Close</a>" in html
    assert len(rows(html)) == len(tokens)
    assert [control for control in WRITE_CONTROLS if control in html] == []
    assert '<input type="checkbox" name="groups"' not in html
    assert 'name="description"' not in html and 'name="contact_email"' not in html
    for link in ("effective-permissions", "permission-usage"):
        assert f'href="{ROBOTS}{robot.pk}/{link}/"' in html


def test_the_auditor_opens_the_users_list_and_its_permission_pages(audrey, robot, tokens):
    browser = browser_for(audrey)
    listed = browser.get(ROBOTS)
    assert listed.status_code == 200 and b"billing-sync" in listed.content
    assert b"addlink" not in listed.content
    for page in ("effective-permissions", "permission-usage"):
        response = browser.get(f"{ROBOTS}{robot.pk}/{page}/")
        assert response.status_code == 200, page
    token = tokens["active"]
    detail = browser.get(f"{TOKENS}{token.pk}/change/").content.decode()
    assert [control for control in WRITE_CONTROLS if control in detail] == []
    assert f'href="{TOKENS}{token.pk}/effective-permissions/"' in detail
    assert f'<a href="{ROBOTS}{robot.pk}/change/">billing-sync</a>' in detail
    assert browser.get(f"{TOKENS}{token.pk}/effective-permissions/").status_code == 200


def test_the_auditor_reads_no_persons_permissions(audrey, alice):
    response = browser_for(audrey).get(f"{ROBOTS}{alice.pk}/effective-permissions/")
    assert response.status_code == 403


def test_the_auditor_posting_the_users_page_is_refused_and_changes_nothing(audrey, robot):
    response = browser_for(audrey).post(f"{ROBOTS}{robot.pk}/change/",
                                        robot_form(robot, description="changed by the auditor"))
    assert response.status_code == 403
    robot.refresh_from_db()
    assert robot.description != "changed by the auditor"
    assert browser_for(audrey).post(f"{ROBOTS}add/", {
        "username": "new-robot", "contact_email": "x@example.com"}).status_code == 403
    assert not User.objects.filter(username="new-robot").exists()


def test_people_with_neither_role_still_cannot_open_the_users_page(staff, token_configurator,
                                                                   robot):
    for viewer in (staff, token_configurator):
        assert browser_for(viewer).get(f"{ROBOTS}{robot.pk}/change/").status_code == 403
        assert browser_for(viewer).get(
            f"{ROBOTS}{robot.pk}/effective-permissions/").status_code == 403


def test_the_token_page_links_its_user_only_for_who_may_open_that_page(token_configurator,
                                                                       alice, robot, tokens):
    token = tokens["active"]
    link = f'<a href="{ROBOTS}{robot.pk}/change/">billing-sync</a>'
    assert link in browser_for(alice).get(f"{TOKENS}{token.pk}/change/").content.decode()
    plain = browser_for(token_configurator).get(f"{TOKENS}{token.pk}/change/").content.decode()
    assert link not in plain and f"{ROBOTS}{robot.pk}/" not in plain
    assert "billing-sync" in plain


def test_a_foreign_key_link_to_a_user_opens_that_users_own_page(alice, robot):
    browser = browser_for(alice)
    manager = PersonFactory(username="bob")
    to_robot = browser.get(f"/admin/accounts/user/{robot.pk}/change/")
    assert (to_robot.status_code, to_robot["Location"]) == (302, f"{ROBOTS}{robot.pk}/change/")
    to_person = browser.get(f"/admin/accounts/user/{manager.pk}/change/")
    assert (to_person.status_code, to_person["Location"]) == (
        302, f"/admin/accounts/person/{manager.pk}/change/")
    assert browser.post(f"/admin/accounts/user/{robot.pk}/change/", {}).status_code == 403
    assert browser.get("/admin/accounts/user/999999/change/").status_code == 403


def test_effective_permissions_link_an_object_only_for_who_may_open_it(alice, audrey, robot):
    project = ProjectFactory(code="ATLAS")
    give_object_perms(robot, project, "view_project")
    give_model_perms(alice, "projects.view_project")
    url = f"{ROBOTS}{robot.pk}/effective-permissions/"
    link = f'href="/admin/projects/project/{project.pk}/change/"'
    assert link in browser_for(alice).get(url).content.decode()
    as_auditor = browser_for(audrey).get(url).content.decode()
    assert link not in as_auditor and str(project) in as_auditor
