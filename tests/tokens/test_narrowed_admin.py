"""Narrowed tokens in the admin: issuing one (with a preview of what it will reach), its page
and its effective-permissions page showing the intersection."""

import re

import pytest
from rest_framework.test import APIClient

from permissions.services import permission_grant
from tests.conftest import browser_for
from tests.projects.factories import (
    InvoiceFactory,
    ProjectFactory,
    give_model_perms,
    give_object_perms,
)
from tests.tokens.factories import ApiTokenFactory, bearer
from tests.tokens.test_admin import NONCE, PLAINTEXT, TOKENS, issue_form, post_issue
from tokens.models import ApiToken

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(programmatic_user):
    """The user views three projects (model-wide) and changes the first; it views the
    invoices of the second (a grant on the project)."""
    projects = [ProjectFactory(code=f"P{n}") for n in range(3)]
    give_model_perms(programmatic_user, "projects.view_project")
    give_object_perms(programmatic_user, projects[0], "change_project")
    permission_grant(actor=None, user=programmatic_user, permission="projects.view_invoice",
                     obj=projects[1])
    invoices = [InvoiceFactory(project=p) for p in projects]
    return programmatic_user, projects, invoices


def row(html: str, table: str, label: str) -> str:
    found = re.search(rf'<table id="{table}">.*?<tr data-model="{label}">(.*?)</tr>', html,
                      re.S)
    assert found, (table, label)
    return found.group(1)


def count(html: str, table: str, label: str) -> int:
    return int(re.search(r'class="count">(\d+)<', row(html, table, label)).group(1))


def test_issuing_a_narrowed_token_in_the_admin(superuser, world):
    user, projects, _ = world
    lines = (f"projects.view_project projects.project:{projects[2].pk}\n\n"
             f"projects.view_invoice projects.project:{projects[1].pk}")
    page = post_issue(browser_for(superuser), user, permissions=lines)

    assert page.status_code == 200
    [plaintext] = PLAINTEXT.findall(page.content.decode())
    token = ApiToken.objects.get()
    assert token.permissions == [
        {"permission": "projects.view_invoice",
         "object": {"type": "projects.project", "id": projects[1].pk}},
        {"permission": "projects.view_project",
         "object": {"type": "projects.project", "id": projects[2].pk}}]
    client = bearer(APIClient(), plaintext)
    assert [r["id"] for r in client.get("/api/v1/projects/").json()["results"]] == [
        projects[2].pk]


@pytest.mark.parametrize("lines, message", [
    ("projects.view_project on projects.project:1", "Line 1: give a permission"),
    ("projects.view_project\nprojects.view_project projects.project:x", "Line 2: give a"),
    ("projects.change_invoice", "projects.change_invoice: billing-sync does not hold this"),
    ("projects.view_projekt", "projects.view_projekt: Unknown permission."),
])
def test_a_bad_list_is_refused_in_the_form_and_nothing_is_issued(superuser, world, lines,
                                                                  message):
    user, *_ = world
    page = post_issue(browser_for(superuser), user, permissions=lines)
    assert page.status_code == 200
    assert message in page.content.decode()
    assert not ApiToken.objects.exists()


def test_the_preview_shows_what_the_token_would_reach_and_issues_nothing(superuser, world):
    user, projects, invoices = world
    browser = browser_for(superuser)
    form = browser.get(f"{TOKENS}issue/{user.pk}/")
    [nonce] = NONCE.findall(form.content.decode())
    lines = (f"projects.view_project projects.project:{projects[0].pk}\n"
             f"projects.view_project projects.project:{projects[2].pk}\n"
             f"projects.view_invoice projects.project:{projects[1].pk}")

    page = browser.post(f"{TOKENS}issue/{user.pk}/",
                        {**issue_form(permissions=lines), "nonce": nonce, "preview": "Preview"})

    html = page.content.decode()
    assert page.status_code == 200 and 'id="token-preview"' in html
    assert count(html, "token-preview-models", "projects.project") == 2
    assert "P0" in row(html, "token-preview-models", "projects.project")
    assert "P1" not in row(html, "token-preview-models", "projects.project")
    assert count(html, "token-preview-models", "projects.invoice") == 1
    assert not ApiToken.objects.exists()
    assert PLAINTEXT.findall(html) == []
    # The preview used no nonce: the same form still issues once.
    issued = browser.post(f"{TOKENS}issue/{user.pk}/",
                          {**issue_form(permissions=lines), "nonce": nonce})
    assert len(PLAINTEXT.findall(issued.content.decode())) == 1
    assert ApiToken.objects.count() == 1


def test_the_preview_of_an_unnarrowed_token_shows_everything_its_user_reaches(superuser,
                                                                              world):
    user, *_ = world
    browser = browser_for(superuser)
    [nonce] = NONCE.findall(browser.get(f"{TOKENS}issue/{user.pk}/").content.decode())
    html = browser.post(f"{TOKENS}issue/{user.pk}/", {**issue_form(read_only="on"),
                                                      "nonce": nonce, "preview": "1"}
                        ).content.decode()
    assert count(html, "token-preview-models", "projects.project") == 3
    assert count(html, "token-preview-models", "projects.invoice") == 1
    assert "<code>projects.view_project</code>" in html


def test_the_preview_refuses_what_the_user_lacks(superuser, world):
    user, projects, _ = world
    browser = browser_for(superuser)
    [nonce] = NONCE.findall(browser.get(f"{TOKENS}issue/{user.pk}/").content.decode())
    html = browser.post(f"{TOKENS}issue/{user.pk}/", {
        **issue_form(permissions="projects.delete_project"), "nonce": nonce,
        "preview": "1"}).content.decode()
    assert 'id="token-preview"' not in html
    assert "projects.delete_project: billing-sync does not hold this" in html


def test_the_issue_page_needs_no_script_for_the_preview(superuser, world):
    user, *_ = world
    html = browser_for(superuser).get(f"{TOKENS}issue/{user.pk}/").content.decode()
    assert 'name="preview"' in html and "<script>" not in html and "onclick" not in html


def test_the_tokens_page_shows_its_list_and_what_it_reaches(superuser, world):
    user, projects, _ = world
    token = ApiTokenFactory(user=user, permissions=[
        {"permission": "projects.view_project",
         "object": {"type": "projects.project", "id": projects[1].pk}}])
    html = browser_for(superuser).get(f"{TOKENS}{token.pk}/change/").content.decode()
    assert f"<code>projects.view_project on projects.project #{projects[1].pk}</code>" in html
    assert count(html, "token-reach-models", "projects.project") == 1
    assert count(html, "token-reach-models", "projects.invoice") == 0


def test_an_unnarrowed_tokens_page_says_so_and_shows_no_reach(superuser, world):
    user, *_ = world
    token = ApiTokenFactory(user=user)
    html = browser_for(superuser).get(f"{TOKENS}{token.pk}/change/").content.decode()
    assert "every permission of its user" in html and 'id="token-reach"' not in html


def test_the_tokens_effective_permissions_page_shows_the_intersection(configurator, world):
    user, projects, invoices = world
    token = ApiTokenFactory(user=user, permissions=[
        {"permission": "projects.view_project",
         "object": {"type": "projects.project", "id": projects[2].pk}},
        {"permission": "projects.change_project"},
        {"permission": "projects.view_invoice"}])
    html = browser_for(configurator).get(
        f"{TOKENS}{token.pk}/effective-permissions/").content.decode()

    assert 'id="token-scope"' in html and "it is narrowed to" in html
    assert "<code>projects.view_project</code>" not in html  # model-wide: not in the list
    objects = re.search(r'data-model="projects.project">(.*?)</table>', html, re.S).group(1)
    assert "P2" in objects and "P0" in objects and "P1" in objects
    assert objects.count("<code>view_project</code>") == 1
    assert objects.count("<code>change_project</code>") == 1
    assert objects.count("<code>view_invoice</code>") == 1


@pytest.mark.parametrize("lines", ["", "projects.view_project"])
def test_the_preview_shows_nothing_to_who_may_not_issue_this_users_tokens(token_configurator,
                                                                           world, lines):
    """A token configurator holding less than the programmatic user may not issue its tokens;
    the Preview must not show her what they would reach (objects' names, counts, and whether
    an object exists) any more than issuing would."""
    user, projects, invoices = world
    browser = browser_for(token_configurator)
    [nonce] = NONCE.findall(browser.get(f"{TOKENS}issue/{user.pk}/").content.decode())
    html = browser.post(f"{TOKENS}issue/{user.pk}/", {
        **issue_form(permissions=lines), "nonce": nonce, "preview": "1"}).content.decode()
    assert 'id="token-preview"' not in html
    assert "billing-sync holds permissions you do not hold" in html
    for project in projects:
        assert project.name not in html
    assert not ApiToken.objects.exists()
