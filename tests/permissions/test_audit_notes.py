"""Every permission a request checks is noted for its audit event (token.used)."""

import pytest

from audit.context import RequestAudit
from tests.conftest import client_for
from tests.projects.conftest import fresh_client
from tests.projects.factories import ProjectFactory, give_model_perms, give_object_perms

pytestmark = pytest.mark.django_db


@pytest.fixture
def noted(monkeypatch):
    seen: list[str] = []
    original = RequestAudit.note_permission

    def note(self, codename, on=()):
        seen.append(codename)
        original(self, codename, on)

    monkeypatch.setattr(RequestAudit, "note_permission", note)
    return seen


def test_list_and_detail_note_the_view_permission(programmatic_user, noted):
    project = ProjectFactory()
    give_object_perms(programmatic_user, project, "view_project")
    client = fresh_client(programmatic_user)
    client.get("/api/v1/projects/")
    assert set(noted) == {"projects.view_project"}
    noted.clear()
    client.patch(f"/api/v1/projects/{project.pk}/", {"name": "x"})
    assert set(noted) == {"projects.view_project", "projects.change_project"}


def test_creating_an_invoice_notes_add_invoice_and_view_project(programmatic_user, noted):
    project = ProjectFactory()
    give_model_perms(programmatic_user, "projects.add_invoice")
    give_object_perms(programmatic_user, project, "view_project")
    response = fresh_client(programmatic_user).post("/api/v1/invoices/", {
        "project": project.pk, "number": "N-1", "amount": "1", "currency": "EUR",
        "issued_on": "2025-01-01",
    })
    assert response.status_code == 201
    assert set(noted) == {"projects.add_invoice", "projects.view_project"}


def test_the_grant_endpoint_notes_configure_users(configurator, programmatic_user, noted):
    client_for(configurator).get(f"/api/v1/programmatic-users/{programmatic_user.pk}/permissions/")
    assert noted == ["accounts.configure_users"]


@pytest.mark.parametrize(("path", "permission"), [
    ("/api/v1/programmatic-users/", "accounts.configure_users"),
    ("/api/v1/users/", "accounts.view_user"),
    ("/api/v1/audit-events/", "audit.view_auditevent"),
    ("/api/v1/tokens/", "tokens.view_apitoken"),
])
def test_every_permission_class_notes_what_it_checked(programmatic_user, superuser, path,
                                                      permission):
    from rest_framework.test import APIClient

    from audit.models import AuditEvent
    from permissions.services import permission_grant
    from tests.tokens.factories import ApiTokenFactory, bearer

    permission_grant(actor=superuser, user=programmatic_user, permission=permission)
    client = bearer(APIClient(), ApiTokenFactory(user=programmatic_user).plaintext)

    assert client.get(path).status_code == 200

    used = AuditEvent.objects.get(event="token.used", path=path)
    assert used.details["permissions"] == [permission]


def test_the_usage_advice_counts_configure_users_when_programmatic_users_are_listed(
    programmatic_user, superuser, configurator
):
    from rest_framework.test import APIClient

    from permissions.services import permission_grant
    from tests.tokens.factories import ApiTokenFactory, bearer

    permission_grant(actor=superuser, user=programmatic_user,
                     permission="accounts.configure_users")
    token_client = bearer(APIClient(), ApiTokenFactory(user=programmatic_user).plaintext)
    assert token_client.get("/api/v1/programmatic-users/").status_code == 200

    advice = client_for(superuser).get(
        f"/api/v1/programmatic-users/{programmatic_user.pk}/permission-usage/").json()

    [row] = advice["permissions"]
    assert (row["permission"], row["uses"], row["unused"]) == (
        "accounts.configure_users", 1, False)
