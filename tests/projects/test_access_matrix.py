"""Who may do what on projects and invoices: every role × every action, exact status and body."""

import pytest

from projects.models import Invoice, Project
from tests.conftest import api_error
from tests.projects.conftest import ROLES, client_as

DENIED = {"detail": "You do not have permission to perform this action.",
          "code": "permission_denied"}
ANONYMOUS = {"detail": "Authentication credentials were not provided.",
             "code": "not_authenticated"}
NO_PROJECT = {"detail": "Not found.", "code": "not_found"}
NO_INVOICE = NO_PROJECT

# role: (list, retrieve, create, update, delete); a list is the names of the visible objects.
PROJECT_MATRIX = {
    "creator": (["P-1"], 200, 403, 200, 204),
    "object_viewer": (["P-1"], 200, 403, 403, 403),
    "group_editor": (["P-1"], 200, 403, 200, 403),
    "model_wide": (["Q-1", "P-1"], 200, 201, 200, 204),
    "outsider": ([], 404, 403, 404, 404),
    "inactive": ([], 404, 403, 404, 404),
    "superuser": (["Q-1", "P-1"], 200, 201, 200, 204),
    "anonymous": (401, 401, 401, 401, 401),
}
INVOICE_MATRIX = {
    "creator": (["I-1"], 200, 403, 200, 204),
    "object_viewer": (["I-1"], 200, 403, 403, 403),
    "group_editor": (["I-1"], 200, 403, 200, 403),
    "model_wide": (["J-1", "I-1"], 200, 201, 200, 204),
    "outsider": ([], 404, 403, 404, 404),
    "inactive": ([], 404, 403, 404, 404),
    "superuser": (["J-1", "I-1"], 200, 201, 200, 204),
    "anonymous": (401, 401, 401, 401, 401),
}


def test_the_matrices_cover_every_role():
    assert set(PROJECT_MATRIX) == set(INVOICE_MATRIX) == set(ROLES)


def error_body(status: int, missing: dict) -> dict | None:
    return {401: ANONYMOUS, 403: DENIED, 404: missing}.get(status)


@pytest.mark.parametrize("role", ROLES)
class TestProjects:
    def test_list(self, world, role):
        expected = PROJECT_MATRIX[role][0]
        response = client_as(world, role).get("/api/v1/projects/")
        if expected == 401:
            assert (response.status_code, api_error(response)) == (401, ANONYMOUS)
            return
        assert response.status_code == 200
        assert [p["code"] for p in response.json()["results"]] == expected

    def test_retrieve(self, world, role):
        status = PROJECT_MATRIX[role][1]
        response = client_as(world, role).get(f"/api/v1/projects/{world.project.pk}/")
        assert response.status_code == status
        if status == 200:
            assert response.json() == {
                "id": world.project.pk, "code": "P-1", "name": "Pilot", "client": "ACME",
                "manager": None, "status": "planned", "budget": "100.00",
                "created_at": response.json()["created_at"],
            }
        else:
            assert api_error(response) == error_body(status, NO_PROJECT)

    def test_create(self, world, role):
        status = PROJECT_MATRIX[role][2]
        response = client_as(world, role).post(
            "/api/v1/projects/", {"code": "NEW-1", "name": "New", "budget": "5.00"}
        )
        assert response.status_code == status
        if status == 201:
            assert response.json()["code"] == "NEW-1"
        else:
            assert api_error(response) == error_body(status, NO_PROJECT)
            assert not Project.objects.filter(code="NEW-1").exists()

    def test_update(self, world, role):
        status = PROJECT_MATRIX[role][3]
        response = client_as(world, role).patch(f"/api/v1/projects/{world.project.pk}/",
                                                {"name": "Renamed"})
        assert response.status_code == status
        world.project.refresh_from_db()
        if status == 200:
            assert response.json()["name"] == "Renamed" == world.project.name
        else:
            assert api_error(response) == error_body(status, NO_PROJECT)
            assert world.project.name == "Pilot"

    def test_delete(self, world, role):
        status = PROJECT_MATRIX[role][4]
        response = client_as(world, role).delete(f"/api/v1/projects/{world.project.pk}/")
        assert response.status_code == status
        exists = Project.objects.filter(pk=world.project.pk).exists()
        if status == 204:
            assert not exists
        else:
            assert api_error(response) == error_body(status, NO_PROJECT)
            assert exists


@pytest.mark.parametrize("role", ROLES)
class TestInvoices:
    def test_list(self, world, role):
        expected = INVOICE_MATRIX[role][0]
        response = client_as(world, role).get("/api/v1/invoices/")
        if expected == 401:
            assert (response.status_code, api_error(response)) == (401, ANONYMOUS)
            return
        assert response.status_code == 200
        assert [i["number"] for i in response.json()["results"]] == expected

    def test_retrieve(self, world, role):
        status = INVOICE_MATRIX[role][1]
        response = client_as(world, role).get(f"/api/v1/invoices/{world.invoice.pk}/")
        assert response.status_code == status
        if status == 200:
            assert response.json() == {
                "id": world.invoice.pk, "project": world.project.pk, "number": "I-1",
                "amount": "10.00", "currency": "EUR", "issued_on": "2025-01-01",
                "status": "draft",
            }
        else:
            assert api_error(response) == error_body(status, NO_INVOICE)

    def test_create(self, world, role):
        status = INVOICE_MATRIX[role][2]
        response = client_as(world, role).post("/api/v1/invoices/", {
            "project": world.project.pk, "number": "NEW-1", "amount": "1.50",
            "currency": "USD", "issued_on": "2025-02-01",
        })
        assert response.status_code == status
        if status == 201:
            assert response.json()["number"] == "NEW-1"
        else:
            assert api_error(response) == error_body(status, NO_INVOICE)
            assert not Invoice.objects.filter(number="NEW-1").exists()

    def test_update(self, world, role):
        status = INVOICE_MATRIX[role][3]
        response = client_as(world, role).patch(f"/api/v1/invoices/{world.invoice.pk}/",
                                                {"amount": "99.00"})
        assert response.status_code == status
        world.invoice.refresh_from_db()
        if status == 200:
            assert response.json()["amount"] == "99.00"
            assert str(world.invoice.amount) == "99.00"
        else:
            assert api_error(response) == error_body(status, NO_INVOICE)
            assert str(world.invoice.amount) == "10.00"

    def test_delete(self, world, role):
        status = INVOICE_MATRIX[role][4]
        response = client_as(world, role).delete(f"/api/v1/invoices/{world.invoice.pk}/")
        assert response.status_code == status
        exists = Invoice.objects.filter(pk=world.invoice.pk).exists()
        if status == 204:
            assert not exists
        else:
            assert api_error(response) == error_body(status, NO_INVOICE)
            assert exists
