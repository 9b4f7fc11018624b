"""Container scope (Spot's "account level"): an invoice permission granted on a project covers
every invoice of that project, present and future, on every path that reads permissions."""

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from audit.models import AuditEvent
from permissions import exceptions, selectors
from permissions.services import group_permission_grant, permission_grant
from projects.models import Invoice, ProjectUserObjectPermission
from tests.accounts.factories import PersonFactory, ProgrammaticUserFactory, group
from tests.conftest import api_error, client_for
from tests.projects.factories import InvoiceFactory, ProjectFactory, give_object_perms
from tests.tokens.factories import ApiTokenFactory, bearer

pytestmark = pytest.mark.django_db


def grants_url(user) -> str:
    return f"/api/v1/programmatic-users/{user.pk}/permissions/"


def on_project(permission: str, project) -> dict:
    return {"permission": permission, "object": {"type": "projects.project", "id": project.pk}}


@pytest.fixture
def books(superuser):
    """Two projects with two invoices each; the integration holds view_project on both, and
    view_invoice and change_invoice on the first project only (not on any invoice)."""
    first, second = ProjectFactory(code="FIRST"), ProjectFactory(code="SECOND")
    invoices = {project.code: InvoiceFactory.create_batch(2, project=project)
                for project in (first, second)}
    integration = ProgrammaticUserFactory(username="books-sync")
    for project in (first, second):
        permission_grant(actor=superuser, user=integration, permission="projects.view_project",
                         obj=project)
    for name in ("projects.view_invoice", "projects.change_invoice"):
        permission_grant(actor=superuser, user=integration, permission=name, obj=first)
    client = bearer(APIClient(), ApiTokenFactory(user=integration).plaintext)
    return integration, client, first, second, invoices


def listed(client, path: str) -> list[int]:
    response = client.get(path)
    assert response.status_code == 200
    return [row["id"] for row in response.json()["results"]]


class TestApi:
    def test_the_list_holds_the_invoices_of_the_project_and_a_future_one(self, books):
        _, client, first, _, invoices = books
        later = InvoiceFactory(project=first)
        expected = sorted([later.pk, *(i.pk for i in invoices["FIRST"])], reverse=True)
        assert listed(client, "/api/v1/invoices/") == expected

    def test_details_of_the_covered_invoices_and_404_for_the_others(self, books):
        _, client, _, _, invoices = books
        assert client.get(f"/api/v1/invoices/{invoices['FIRST'][0].pk}/").status_code == 200
        assert client.get(f"/api/v1/invoices/{invoices['SECOND'][0].pk}/").status_code == 404

    def test_change_on_the_project_lets_the_invoice_be_changed_but_not_deleted(self, books):
        _, client, _, _, invoices = books
        invoice = invoices["FIRST"][0]
        patched = client.patch(f"/api/v1/invoices/{invoice.pk}/", {"status": "paid"})
        deleted = client.delete(f"/api/v1/invoices/{invoice.pk}/")
        assert patched.status_code == 200 and patched.json()["status"] == "paid"
        assert deleted.status_code == 403
        assert Invoice.objects.get(pk=invoice.pk).status == "paid"

    def test_a_group_grant_on_the_project_covers_its_invoices_too(self, books, superuser):
        _, _, _, second, invoices = books
        member = ProgrammaticUserFactory(username="group-member")
        role = Group.objects.create(name="Second's bookkeepers")
        member.groups.add(role)
        group_permission_grant(actor=superuser, group=role, permission="projects.view_invoice",
                               obj=second)
        client = bearer(APIClient(), ApiTokenFactory(user=member).plaintext)
        assert listed(client, "/api/v1/invoices/") == sorted(
            (i.pk for i in invoices["SECOND"]), reverse=True)

    def test_a_project_grant_and_an_invoice_grant_together_list_each_invoice_once(
        self, books, superuser
    ):
        integration, client, _, _, invoices = books
        extra = invoices["SECOND"][1]
        permission_grant(actor=superuser, user=integration, permission="projects.view_invoice",
                         obj=extra)
        give_object_perms(integration, invoices["FIRST"][0], "view_invoice")
        ids = listed(client, "/api/v1/invoices/")
        assert ids == sorted([extra.pk, *(i.pk for i in invoices["FIRST"])], reverse=True)
        assert listed(client, "/api/v1/invoices/?search=INV") == ids
        assert listed(client, "/api/v1/invoices/?ordering=id") == sorted(ids)

    def test_view_project_alone_covers_no_invoice(self, superuser):
        project = ProjectFactory()
        InvoiceFactory(project=project)
        reader = ProgrammaticUserFactory()
        permission_grant(actor=superuser, user=reader, permission="projects.view_project",
                         obj=project)
        client = bearer(APIClient(), ApiTokenFactory(user=reader).plaintext)
        assert listed(client, "/api/v1/invoices/") == []

    def test_an_inactive_holder_gets_nothing(self, books):
        integration, _, first, _, invoices = books
        integration.is_active = False
        integration.save()
        assert selectors.object_permissions(integration, invoices["FIRST"][0]) == frozenset()
        assert not selectors.permitted(Invoice.objects.all(), integration).exists()


class TestGrantApi:
    def test_the_grant_api_accepts_an_invoice_permission_on_a_project(self, superuser):
        project = ProjectFactory()
        invoice = InvoiceFactory(project=project)
        integration = ProgrammaticUserFactory()
        client = client_for(superuser)

        response = client.post(grants_url(integration), on_project("projects.view_invoice",
                                                                  project))

        assert response.status_code == 201
        assert response.json()["object"]["type"] == "projects.project"
        assert ProjectUserObjectPermission.objects.filter(
            user=integration, content_object=project,
            permission__codename="view_invoice").count() == 1
        assert integration.has_perm("projects.view_invoice", invoice)
        listed_grants = client.get(grants_url(integration)).json()["results"]
        assert [g["permission"] for g in listed_grants] == ["projects.view_invoice"]
        assert client.delete(grants_url(integration), on_project("projects.view_invoice",
                                                                 project)).status_code == 204
        assert not type(integration).objects.get(pk=integration.pk).has_perm(
            "projects.view_invoice", invoice)

    def test_creating_invoices_is_not_grantable_on_a_project(self, superuser):
        integration = ProgrammaticUserFactory()
        response = client_for(superuser).post(
            grants_url(integration), on_project("projects.add_invoice", ProjectFactory()))
        assert response.status_code == 400
        assert api_error(response) == {
            "permission": [exceptions.NOT_FOR_TYPE.format(type="projects.project")]}
        assert not ProjectUserObjectPermission.objects.exists()

    def test_a_configurator_grants_on_a_project_only_what_it_holds_there(self):
        caller = PersonFactory(username="owner")
        caller.groups.add(group("User configurators"))
        mine, theirs = ProjectFactory(), ProjectFactory()
        give_object_perms(caller, mine, "view_project")
        give_object_perms(caller, theirs, "view_project")
        ProjectUserObjectPermission.objects.create(
            user=caller, content_object=mine,
            permission=selectors_permission("projects", "view_invoice"))
        integration = ProgrammaticUserFactory()
        client = client_for(caller)
        granted = client.post(grants_url(integration), on_project("projects.view_invoice", mine))
        refused = client.post(grants_url(integration), on_project("projects.view_invoice",
                                                                  theirs))
        assert (granted.status_code, refused.status_code) == (201, 403)
        assert selectors.object_permissions(caller, mine) == {"view_project", "view_invoice"}


def selectors_permission(app_label: str, codename: str):
    from django.contrib.auth.models import Permission

    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


class TestReads:
    def test_object_permissions_of_a_project_include_what_it_carries(self, books):
        integration, _, first, second, invoices = books
        assert selectors.object_permissions(integration, first) == {
            "view_project", "view_invoice", "change_invoice"}
        assert selectors.object_permissions(integration, invoices["FIRST"][1]) == {
            "view_invoice", "change_invoice"}
        assert selectors.object_permissions(integration, invoices["SECOND"][1]) == frozenset()

    def test_me_permissions_shows_the_grants_on_the_project(self, books):
        _, client, first, second, _ = books
        assert client.get("/api/v1/me/permissions/").json() == {
            "global": [],
            "objects": {"projects.project": {
                str(first.pk): ["change_invoice", "view_invoice", "view_project"],
                str(second.pk): ["view_project"],
            }},
        }

    def test_the_usage_advice_counts_an_invoice_list_as_a_use_of_the_project_grant(
        self, books, configurator
    ):
        integration, client, first, second, _ = books
        listed(client, "/api/v1/invoices/")
        body = client_for(configurator).get(
            f"/api/v1/programmatic-users/{integration.pk}/permission-usage/").json()
        rows = {row["permission"]: row for row in body["permissions"]}
        assert rows["projects.view_invoice"]["objects"] == [
            {"type": "projects.project", "id": first.pk}]
        assert (rows["projects.view_invoice"]["uses"], rows["projects.change_invoice"]["uses"]
                ) == (1, 0)
        used = AuditEvent.objects.get(event="token.used", path="/api/v1/invoices/")
        assert used.details["permissions"] == ["projects.view_invoice"]
