"""A read-only token may use only the view permissions of its user (issue 15): what it is shown
and what every permission read answers during its requests."""

import pytest
from rest_framework.test import APIClient

from permissions import engine
from tests.conftest import browser_for
from tests.projects.factories import (
    InvoiceFactory,
    ProjectFactory,
    give_model_perms,
    give_object_perms,
)
from tests.tokens.factories import ApiTokenFactory, bearer

pytestmark = pytest.mark.django_db


@pytest.fixture
def holder(programmatic_user):
    """Model-wide view/change of invoices and add of projects; view/change on one project."""
    project = ProjectFactory()
    give_model_perms(programmatic_user, "projects.view_invoice", "projects.change_invoice",
                     "projects.add_project")
    give_object_perms(programmatic_user, project, "view_project", "change_project")
    return programmatic_user, project


def test_a_read_only_tokens_me_permissions_lists_only_view_permissions(holder):
    user, project = holder
    client = bearer(APIClient(), ApiTokenFactory(user=user, read_only=True).plaintext)

    body = client.get("/api/v1/me/permissions/").json()

    assert body == {"global": ["projects.view_invoice"],
                    "objects": {"projects.project": {str(project.pk): ["view_project"]}}}


def test_a_full_token_of_the_same_user_lists_everything(holder):
    user, project = holder
    client = bearer(APIClient(), ApiTokenFactory(user=user).plaintext)

    body = client.get("/api/v1/me/permissions/").json()

    assert body == {
        "global": ["projects.add_project", "projects.change_invoice", "projects.view_invoice"],
        "objects": {"projects.project": {str(project.pk): ["change_project", "view_project"]}},
    }


def test_a_read_only_token_still_reads_what_its_user_may_view(holder):
    user, project = holder
    invoice = InvoiceFactory()
    client = bearer(APIClient(), ApiTokenFactory(user=user, read_only=True).plaintext)
    assert [row["id"] for row in client.get("/api/v1/projects/").json()["results"]] == [
        project.pk]
    assert client.get(f"/api/v1/invoices/{invoice.pk}/").status_code == 200
    assert client.patch(f"/api/v1/projects/{project.pk}/", {"name": "x"}).status_code == 403


def test_every_check_is_narrowed_by_the_scope_bound_to_the_request_user(holder):
    user, project = holder
    engine.bind_scope(user, engine.READ_ONLY)
    assert engine.model_permissions(user) == {"projects.view_invoice"}
    assert user.has_perm("projects.view_invoice")
    assert not user.has_perm("projects.change_invoice")
    assert not user.has_perm("projects.change_project", project)
    assert user.has_perm("projects.view_project", project)
    assert engine.object_permissions(user, project) == {"view_project"}
    assert user.get_all_permissions() == {"projects.view_invoice"}


def test_the_scope_of_one_request_does_not_reach_the_next(holder):
    user, _ = holder
    read_only = bearer(APIClient(), ApiTokenFactory(user=user, read_only=True).plaintext)
    full = bearer(APIClient(), ApiTokenFactory(user=user).plaintext)
    assert "projects.add_project" not in read_only.get("/api/v1/me/permissions/").json()["global"]
    assert "projects.add_project" in full.get("/api/v1/me/permissions/").json()["global"]


class TestAdminPage:
    def url(self, token) -> str:
        return f"/admin/tokens/apitoken/{token.pk}/effective-permissions/"

    def test_the_page_of_a_read_only_token_shows_only_view_permissions(self, holder,
                                                                         configurator):
        user, _ = holder
        token = ApiTokenFactory(user=user, read_only=True)
        page = browser_for(configurator).get(self.url(token))
        assert page.status_code == 200
        text = page.content.decode()
        assert "<code>projects.view_invoice</code>" in text
        assert "<code>view_project</code>" in text
        assert "<code>projects.change_invoice</code>" not in text
        assert "<code>change_project</code>" not in text
        assert "<code>projects.add_project</code>" not in text
        assert 'id="token-scope"' in text and "read-only" in text

    def test_the_page_of_a_full_token_shows_the_users_permissions(self, holder, configurator):
        user, _ = holder
        text = browser_for(configurator).get(self.url(ApiTokenFactory(user=user))).content
        assert b"projects.change_invoice" in text and b"change_project" in text

    def test_the_token_page_links_to_it_for_configurators_only(self, holder, configurator,
                                                               staff, superuser):
        user, _ = holder
        token = ApiTokenFactory(user=user, read_only=True)
        change = f"/admin/tokens/apitoken/{token.pk}/change/"
        assert self.url(token).encode() in browser_for(superuser).get(change).content
        assert browser_for(staff).get(self.url(token)).status_code == 403
