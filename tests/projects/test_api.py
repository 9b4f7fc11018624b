"""Projects and invoices API: IDOR, validation, search, ordering, pagination, creator grants."""

import pytest
from guardian.shortcuts import get_perms

from audit.models import AuditEvent
from projects.models import Invoice, Project, ProjectUserObjectPermission
from tests.accounts.factories import PersonFactory, ProgrammaticUserFactory
from tests.conftest import api_error, client_for
from tests.projects.conftest import fresh_client
from tests.projects.factories import (
    InvoiceFactory,
    ProjectFactory,
    give_model_perms,
    give_object_perms,
)

pytestmark = pytest.mark.django_db

ALL = [f"projects.{a}_{m}" for a in ("view", "add", "change", "delete")
       for m in ("project", "invoice")]


@pytest.fixture
def integration(db):
    """A programmatic user holding view/change on one project only, and add model-wide."""
    user = ProgrammaticUserFactory(username="crm-sync")
    give_model_perms(user, "projects.add_project", "projects.add_invoice")
    return user


@pytest.fixture
def editor(db):
    """A person who may do everything on projects and invoices, organisation-wide."""
    user = PersonFactory(username="editor")
    give_model_perms(user, *ALL)
    return user


class TestIdor:
    @pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
    @pytest.mark.parametrize("path", ["projects", "invoices"])
    def test_an_unviewable_id_answers_exactly_like_a_missing_one(self, integration, method,
                                                                 path):
        hidden = InvoiceFactory()
        hidden_id = hidden.pk if path == "invoices" else hidden.project.pk
        client = fresh_client(integration)
        send = getattr(client, method)
        unviewable = send(f"/api/v1/{path}/{hidden_id}/", {"name": "x"})
        missing = send(f"/api/v1/{path}/999999/", {"name": "x"})
        assert unviewable.status_code == missing.status_code == 404
        assert api_error(unviewable) == api_error(missing)

    def test_an_invoice_on_an_unviewable_project_is_refused_like_a_missing_project(
        self, integration
    ):
        hidden = ProjectFactory()
        client = fresh_client(integration)
        body = {"number": "N-1", "amount": "1.00", "currency": "EUR", "issued_on": "2025-01-01"}
        unviewable = client.post("/api/v1/invoices/", {**body, "project": hidden.pk})
        missing = client.post("/api/v1/invoices/", {**body, "project": 999999})
        assert unviewable.status_code == missing.status_code == 400
        assert unviewable.json()["project"] == [
            f'Invalid pk "{hidden.pk}" - object does not exist.'
        ]
        assert missing.json()["project"] == ['Invalid pk "999999" - object does not exist.']
        assert not Invoice.objects.exists()

    def test_an_invoice_on_a_viewable_project_is_created(self, integration):
        project = ProjectFactory()
        give_object_perms(integration, project, "view_project")
        response = fresh_client(integration).post("/api/v1/invoices/", {
            "project": project.pk, "number": "N-1", "amount": "0", "currency": "CHF",
            "issued_on": "2025-01-01",
        })
        assert response.status_code == 201, response.json()


class TestCreatorGrants:
    def test_the_creator_receives_view_change_delete_on_what_it_created(self, integration):
        response = fresh_client(integration).post("/api/v1/projects/",
                                                  {"code": "C-1", "name": "Created"})
        assert response.status_code == 201
        project = Project.objects.get(pk=response.json()["id"])
        assert sorted(get_perms(integration, project)) == [
            "change_project", "delete_project", "view_project"
        ]
        events = AuditEvent.objects.filter(event="permission.granted", target_id=integration.pk)
        assert sorted(e.details["permission"] for e in events) == [
            "projects.change_project", "projects.delete_project", "projects.view_project"
        ]
        assert {e.details["via"] for e in events} == {"creator"}
        assert {e.details["object"]["id"] for e in events} == {project.pk}

    def test_a_refused_create_stores_nothing(self, integration):
        response = fresh_client(integration).post("/api/v1/projects/", {"code": "bad code!"})
        assert response.status_code == 400
        assert not Project.objects.exists()
        assert not ProjectUserObjectPermission.objects.exists()
        assert not AuditEvent.objects.filter(event="permission.granted").exists()


class TestValidation:
    @pytest.mark.parametrize("body, field", [
        ({"amount": "-0.01"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"currency": "ABC"}, "currency"),
        ({"currency": "usd"}, "currency"),
        ({"currency": "EURO"}, "currency"),
        ({"issued_on": "yesterday"}, "issued_on"),
        ({"status": "lost"}, "status"),
        ({"project": "one"}, "project"),
        ({"number": ""}, "number"),
    ])
    def test_bad_invoice_fields_are_400_with_field_errors(self, editor, body, field):
        project = ProjectFactory()
        valid = {"project": project.pk, "number": "N-1", "amount": "1.00", "currency": "EUR",
                 "issued_on": "2025-01-01"}
        response = client_for(editor).post("/api/v1/invoices/", {**valid, **body})
        assert response.status_code == 400
        assert list(api_error(response)) == [field]
        assert not Invoice.objects.exists()

    def test_bad_currency_message(self, editor):
        project = ProjectFactory()
        response = client_for(editor).post("/api/v1/invoices/", {
            "project": project.pk, "number": "N-1", "amount": "1.00", "currency": "ABC",
            "issued_on": "2025-01-01",
        })
        assert api_error(response) == {
            "currency": ["Use an ISO 4217 currency code in upper case, such as EUR or USD."]
        }

    @pytest.mark.parametrize("body, field", [
        ({"budget": "-1"}, "budget"),
        ({"code": ""}, "code"),
        ({"code": "has space"}, "code"),
        ({"name": ""}, "name"),
        ({"status": "done"}, "status"),
        ({"manager": "x"}, "manager"),
        ({"manager": 999999}, "manager"),
    ])
    def test_bad_project_fields_are_400_with_field_errors(self, editor, body, field):
        response = client_for(editor).post("/api/v1/projects/",
                                           {"code": "P-9", "name": "Nine", **body})
        assert response.status_code == 400
        assert list(api_error(response)) == [field]

    def test_a_duplicate_code_is_400(self, editor):
        ProjectFactory(code="P-9")
        response = client_for(editor).post("/api/v1/projects/", {"code": "P-9", "name": "Nine"})
        assert response.status_code == 400
        assert list(api_error(response)) == ["code"]

    def test_a_programmatic_manager_is_refused(self, editor, programmatic_user):
        response = client_for(editor).post("/api/v1/projects/", {
            "code": "P-9", "name": "Nine", "manager": programmatic_user.pk,
        })
        assert response.status_code == 400
        assert api_error(response) == {"manager": ["Choose an active personal user."]}

    def test_an_inactive_manager_is_refused_and_an_active_person_accepted(self, editor):
        gone = PersonFactory(is_active=False)
        client = client_for(editor)
        refused = client.post("/api/v1/projects/", {"code": "P-9", "name": "N", "manager": gone.pk})
        assert refused.status_code == 400
        accepted = client.post("/api/v1/projects/",
                               {"code": "P-9", "name": "N", "manager": editor.pk})
        assert accepted.status_code == 201
        assert accepted.json()["manager"] == editor.pk

    def test_a_body_that_is_not_json_is_400(self, editor):
        response = client_for(editor).generic(
            "POST", "/api/v1/projects/", "{not json", content_type="application/json"
        )
        assert response.status_code == 400
        assert response.json()["code"] == "parse_error"

    def test_an_unsupported_media_type_is_415(self, editor):
        response = client_for(editor).generic("POST", "/api/v1/projects/", "code=x",
                                              content_type="text/plain")
        assert response.status_code == 415


class TestListing:
    def test_search_matches_code_or_name(self, editor):
        ProjectFactory(code="ALPHA-1", name="Harbour")
        ProjectFactory(code="BETA-1", name="Alphabet soup")
        ProjectFactory(code="GAMMA-1", name="Other")
        response = client_for(editor).get("/api/v1/projects/?search=alpha")
        assert sorted(p["code"] for p in response.json()["results"]) == ["ALPHA-1", "BETA-1"]

    def test_search_on_invoices_matches_the_number(self, editor):
        InvoiceFactory(number="2025-001")
        InvoiceFactory(number="2024-001")
        response = client_for(editor).get("/api/v1/invoices/?search=2025")
        assert [i["number"] for i in response.json()["results"]] == ["2025-001"]

    def test_search_never_reaches_beyond_what_the_caller_may_view(self, integration):
        mine = ProjectFactory(code="ALPHA-1")
        ProjectFactory(code="ALPHA-2")
        give_object_perms(integration, mine, "view_project")
        response = fresh_client(integration).get("/api/v1/projects/?search=alpha")
        assert [p["code"] for p in response.json()["results"]] == ["ALPHA-1"]

    def test_ordering_by_a_whitelisted_field_pages_with_the_cursor(self, editor):
        for code in ["C", "A", "D", "B", "E"]:
            ProjectFactory(code=code)
        client = client_for(editor)
        first = client.get("/api/v1/projects/?ordering=code&page_size=2").json()
        second = client.get(first["next"]).json()
        third = client.get(second["next"]).json()
        codes = [p["code"] for page in (first, second, third) for p in page["results"]]
        assert codes == ["A", "B", "C", "D", "E"]
        assert third["next"] is None

    def test_ordering_by_a_field_off_the_whitelist_is_ignored(self, editor):
        ProjectFactory(code="A", client="Z")
        ProjectFactory(code="B", client="A")
        response = client_for(editor).get("/api/v1/projects/?ordering=client")
        assert response.status_code == 200
        assert [p["code"] for p in response.json()["results"]] == ["B", "A"]

    def test_the_page_size_is_capped_at_200_and_there_is_no_count(self, editor):
        ProjectFactory.create_batch(205)
        body = client_for(editor).get("/api/v1/projects/?page_size=1000").json()
        assert len(body["results"]) == 200
        assert set(body) == {"next", "previous", "results"}

    @pytest.mark.parametrize("page_size", ["abc", "0", "-5", "", "1.5"])
    def test_a_page_size_that_is_not_a_positive_integer_gives_the_default_page(self, editor,
                                                                                page_size):
        ProjectFactory.create_batch(51)
        response = client_for(editor).get(f"/api/v1/projects/?page_size={page_size}")
        assert response.status_code == 200
        assert len(response.json()["results"]) == 50

    def test_the_default_page_is_50(self, editor):
        ProjectFactory.create_batch(51)
        body = client_for(editor).get("/api/v1/projects/").json()
        assert len(body["results"]) == 50
        assert body["next"] is not None


class TestGrantsApplyAtOnce:
    def test_an_object_grant_then_its_revocation_apply_to_the_next_request(self, integration):
        project = ProjectFactory()
        client = fresh_client(integration)
        url = f"/api/v1/projects/{project.pk}/"
        assert client.get(url).status_code == 404
        give_object_perms(integration, project, "view_project")
        assert client.get(url).status_code == 200
        assert client.patch(url, {"name": "x"}).status_code == 403
        ProjectUserObjectPermission.objects.filter(user=integration).delete()
        assert client.get(url).status_code == 404

    def test_a_group_grant_applies_to_the_next_request(self, integration):
        from django.contrib.auth.models import Group

        project = ProjectFactory()
        role = Group.objects.create(name="Project readers")
        give_object_perms(role, project, "view_project")
        client = fresh_client(integration)
        assert client.get("/api/v1/projects/").json()["results"] == []
        integration.groups.add(role)
        assert [p["id"] for p in client.get("/api/v1/projects/").json()["results"]] == [
            project.pk
        ]


class TestEditsAreStored:
    """PUT and PATCH store what they were given; a reload shows it (issue 17)."""

    def test_patch_stores_the_changed_fields_only(self, editor):
        project = ProjectFactory(code="PATCH-1", name="Before", client="ACME")
        client = client_for(editor)
        response = client.patch(f"/api/v1/projects/{project.pk}/", {"name": "After"})
        assert response.status_code == 200
        assert response.json()["name"] == "After"
        reloaded = client.get(f"/api/v1/projects/{project.pk}/").json()
        assert (reloaded["name"], reloaded["code"], reloaded["client"]) == (
            "After", "PATCH-1", "ACME")

    def test_put_stores_every_field(self, editor):
        invoice = InvoiceFactory(number="PUT-1", status="draft", currency="EUR")
        client = client_for(editor)
        body = {"project": invoice.project_id, "number": "PUT-2", "amount": "12.50",
                "currency": "CZK", "issued_on": "2026-01-02", "status": "paid"}
        response = client.put(f"/api/v1/invoices/{invoice.pk}/", body)
        assert response.status_code == 200, response.content
        reloaded = client.get(f"/api/v1/invoices/{invoice.pk}/").json()
        assert reloaded == {"id": invoice.pk, **body}
        invoice.refresh_from_db()
        assert (invoice.number, invoice.currency, invoice.status) == ("PUT-2", "CZK", "paid")
