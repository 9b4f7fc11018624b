"""SQL per request stays fixed whatever the data (DESIGN "Performance targets").

Budget beyond authentication: a plain list page = 1 statement (the page, with its permitted ids
and the model-wide check inside); a search or another ordering = 2 (the caller's model
permissions, then the page among every permitted id); a detail GET = 1 (the object, probed).
`fresh_client` reads the user once per request, like the token authentication's one SELECT;
a session costs two (session, user).
"""

import pytest
from django.contrib.auth.models import Group

from permissions.selectors import permitted
from tests.accounts.factories import PersonFactory, ProgrammaticUserFactory
from tests.conftest import ON_POSTGRES, client_for
from tests.projects.conftest import fresh_client
from tests.projects.factories import (
    InvoiceFactory,
    ProjectFactory,
    give_model_perms,
    give_object_perms,
)

pytestmark = pytest.mark.django_db

AUTH_BY_TOKEN = 1
AUTH_BY_SESSION = 2


@pytest.fixture
def crowded(db):
    """250 projects with an invoice each; the integration holds 130 through object grants and
    130 through its group (overlapping), and other users hold grants too."""
    projects = [InvoiceFactory().project for _ in range(250)]
    integration = ProgrammaticUserFactory(username="bulk-sync")
    person = PersonFactory(username="analyst")
    role = Group.objects.create(name="Analysts")
    integration.groups.add(role)
    person.groups.add(role)
    noise = PersonFactory(username="noise")
    for project in projects[:130]:
        give_object_perms(integration, project, "view_project", "change_project")
        give_object_perms(noise, project, "view_project")
    for project in projects[120:]:
        give_object_perms(role, project, "view_project")
    for project in projects[:50]:
        for invoice in project.invoices.all():
            give_object_perms(integration, invoice, "view_invoice")
            give_object_perms(role, invoice, "view_invoice")
    return integration, person, projects


@pytest.mark.parametrize("page_size", [1, 50, 200])
def test_a_list_page_costs_one_statement_beyond_authentication(
    crowded, page_size, django_assert_num_queries
):
    integration, _, _ = crowded
    client = fresh_client(integration)
    with django_assert_num_queries(AUTH_BY_TOKEN + 1):
        response = client.get(f"/api/v1/projects/?page_size={page_size}")
    assert len(response.json()["results"]) == page_size
    with django_assert_num_queries(AUTH_BY_TOKEN + 1):
        second = client.get(response.json()["next"])
    assert second.status_code == 200
    with django_assert_num_queries(AUTH_BY_TOKEN + 2):
        searched = client.get(f"/api/v1/projects/?page_size={page_size}&search=Project")
    assert len(searched.json()["results"]) == page_size


@pytest.mark.parametrize("page_size", [1, 50, 200])
def test_a_session_list_page_costs_the_same_beyond_the_session(
    crowded, page_size, django_assert_max_num_queries
):
    _, person, _ = crowded
    client = client_for(person)
    with django_assert_max_num_queries(AUTH_BY_SESSION + 2):
        response = client.get(f"/api/v1/projects/?page_size={page_size}&search=Project")
    assert len(response.json()["results"]) == min(page_size, 130)


def test_an_invoice_list_page_costs_one_statement(crowded, django_assert_num_queries):
    integration, _, _ = crowded
    with django_assert_num_queries(AUTH_BY_TOKEN + 1):
        response = fresh_client(integration).get("/api/v1/invoices/?page_size=200")
    assert len(response.json()["results"]) == 50


@pytest.mark.parametrize("index", [0, 125, 249])
def test_a_detail_get_costs_one_statement(crowded, index, django_assert_num_queries):
    integration, _, projects = crowded
    with django_assert_num_queries(AUTH_BY_TOKEN + 1):
        response = fresh_client(integration).get(f"/api/v1/projects/{projects[index].pk}/")
    assert response.status_code == 200


def test_an_organisation_wide_reader_costs_the_same(crowded, django_assert_num_queries):
    reader = ProgrammaticUserFactory(username="org-reader")
    give_model_perms(reader, "projects.view_project")
    with django_assert_num_queries(AUTH_BY_TOKEN + 1):
        response = fresh_client(reader).get("/api/v1/projects/?page_size=200")
    assert len(response.json()["results"]) == 200


def test_a_superuser_list_costs_one_statement(db, django_assert_max_num_queries):
    root = PersonFactory(username="root", is_superuser=True, is_staff=True)
    ProjectFactory.create_batch(3)
    with django_assert_max_num_queries(AUTH_BY_TOKEN + 1):
        response = fresh_client(root).get("/api/v1/projects/")
    assert len(response.json()["results"]) == 3


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL's plan shape")
def test_on_postgresql_the_permitted_ids_are_one_array_probed_through_the_primary_key(crowded):
    from projects.models import Project

    integration, _, _ = crowded
    sql = str(permitted(Project.objects.all(), integration).query)
    assert '"projects_project"."id" = ANY(ARRAY(' in sql


@pytest.fixture
def contained(db):
    """40 projects with 3 invoices each; the integration views the invoices of 30 of them
    through grants on the projects (user and group), and 5 invoices of others directly."""
    from permissions.services import group_permission_grant, permission_grant

    root = PersonFactory(username="root", is_superuser=True, is_staff=True)
    projects = ProjectFactory.create_batch(40)
    invoices = [InvoiceFactory(project=p) for p in projects for _ in range(3)]
    integration = ProgrammaticUserFactory(username="books-sync")
    role = Group.objects.create(name="Bookkeepers")
    integration.groups.add(role)
    for project in projects[:15]:
        permission_grant(actor=root, user=integration, permission="projects.view_invoice",
                         obj=project)
    for project in projects[15:30]:
        group_permission_grant(actor=root, group=role, permission="projects.view_invoice",
                               obj=project)
    for invoice in invoices[-5:]:
        give_object_perms(integration, invoice, "view_invoice", "change_invoice")
    return integration, invoices


@pytest.mark.parametrize("page_size", [1, 50, 200])
def test_a_container_scoped_invoice_page_costs_one_statement(
    contained, page_size, django_assert_num_queries
):
    integration, _ = contained
    client = fresh_client(integration)
    with django_assert_num_queries(AUTH_BY_TOKEN + 1):
        response = client.get(f"/api/v1/invoices/?page_size={page_size}")
    assert len(response.json()["results"]) == min(page_size, 95)
    with django_assert_num_queries(AUTH_BY_TOKEN + 2):
        searched = client.get(f"/api/v1/invoices/?page_size={page_size}&search=INV")
    assert len(searched.json()["results"]) == min(page_size, 95)


def test_a_container_scoped_invoice_detail_costs_one_statement(
    contained, django_assert_num_queries
):
    integration, invoices = contained
    with django_assert_num_queries(AUTH_BY_TOKEN + 1):
        response = fresh_client(integration).get(f"/api/v1/invoices/{invoices[0].pk}/")
    assert response.status_code == 200
