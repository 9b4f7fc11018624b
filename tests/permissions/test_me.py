"""GET me/permissions/: the caller's effective permissions, group-derived ones included."""

import pytest
from django.contrib.auth.models import Group

from tests.accounts.factories import PersonFactory
from tests.conftest import client_for
from tests.projects.conftest import fresh_client
from tests.projects.factories import (
    InvoiceFactory,
    ProjectFactory,
    give_model_perms,
    give_object_perms,
)

pytestmark = pytest.mark.django_db


def test_it_lists_model_wide_and_object_grants_direct_and_through_groups(programmatic_user):
    project, other = ProjectFactory(), ProjectFactory()
    invoice = InvoiceFactory(project=project)
    role = Group.objects.create(name="Billing")
    give_model_perms(role, "projects.view_invoice")
    give_object_perms(role, other, "view_project")
    programmatic_user.groups.add(role)
    give_model_perms(programmatic_user, "projects.add_invoice")
    give_object_perms(programmatic_user, project, "view_project", "change_project")
    give_object_perms(programmatic_user, invoice, "change_invoice")

    response = fresh_client(programmatic_user).get("/api/v1/me/permissions/")
    assert response.status_code == 200
    assert response.json() == {
        "global": ["projects.add_invoice", "projects.view_invoice"],
        "objects": {
            "projects.invoice": {str(invoice.pk): ["change_invoice"]},
            "projects.project": {
                str(project.pk): ["change_project", "view_project"],
                str(other.pk): ["view_project"],
            },
        },
    }


def test_a_user_without_grants_gets_empty_sets(person):
    response = client_for(person).get("/api/v1/me/permissions/")
    assert response.json() == {"global": [], "objects": {}}


def test_a_superuser_holds_every_permission(superuser):
    body = client_for(superuser).get("/api/v1/me/permissions/").json()
    assert {"projects.delete_invoice", "accounts.configure_users"} <= set(body["global"])
    assert body["global"] == sorted(body["global"])


def test_an_inactive_user_holds_nothing(db):
    gone = PersonFactory(is_active=False)
    give_model_perms(gone, "projects.view_project")
    response = fresh_client(gone).get("/api/v1/me/permissions/")
    assert response.status_code == 403


def test_anonymous_is_401(db):
    assert client_for(None).get("/api/v1/me/permissions/").status_code == 401


def test_a_grant_shows_on_the_next_request(programmatic_user):
    client = fresh_client(programmatic_user)
    assert client.get("/api/v1/me/permissions/").json()["global"] == []
    give_model_perms(programmatic_user, "projects.view_project")
    assert client.get("/api/v1/me/permissions/").json()["global"] == ["projects.view_project"]
