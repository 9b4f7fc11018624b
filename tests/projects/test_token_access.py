"""Issue 3's "done when", through a real token: one granted project and its permitted invoices."""

import pytest
from rest_framework.test import APIClient

from tests.conftest import api_error
from tests.projects.factories import InvoiceFactory, ProjectFactory, give_object_perms
from tests.tokens.factories import ApiTokenFactory, bearer

pytestmark = pytest.mark.django_db


def test_an_integration_sees_exactly_its_project_and_its_permitted_invoices(programmatic_user):
    granted, other = ProjectFactory(), ProjectFactory()
    permitted = InvoiceFactory(project=granted)
    unpermitted = InvoiceFactory(project=granted)
    foreign = InvoiceFactory(project=other)
    give_object_perms(programmatic_user, granted, "view_project")
    give_object_perms(programmatic_user, permitted, "view_invoice")
    client = bearer(APIClient(), ApiTokenFactory(user=programmatic_user).plaintext)

    projects = client.get("/api/v1/projects/").json()["results"]
    assert [p["id"] for p in projects] == [granted.pk]
    invoices = client.get("/api/v1/invoices/").json()["results"]
    assert [i["id"] for i in invoices] == [permitted.pk]
    for hidden in (unpermitted, foreign):
        response = client.get(f"/api/v1/invoices/{hidden.pk}/")
        assert (response.status_code, api_error(response)) == (
            404, {"detail": "Not found.", "code": "not_found"})
    assert client.get(f"/api/v1/projects/{other.pk}/").status_code == 404
    assert api_error(client.get("/api/v1/invoices/999999/")) == {
        "detail": "Not found.", "code": "not_found"}


def test_an_inactive_integrations_token_reaches_nothing(programmatic_user):
    project = ProjectFactory()
    give_object_perms(programmatic_user, project, "view_project")
    client = bearer(APIClient(), ApiTokenFactory(user=programmatic_user).plaintext)
    assert client.get(f"/api/v1/projects/{project.pk}/").status_code == 200
    programmatic_user.is_active = False
    programmatic_user.save()
    assert client.get(f"/api/v1/projects/{project.pk}/").status_code == 401
