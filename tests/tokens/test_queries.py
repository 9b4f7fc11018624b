"""SQL per token request is fixed (DESIGN "Performance targets"): authentication 1 SELECT, the
audit events 1 INSERT; GET me/ nothing more, a detail GET 1 more, a list page 1 more (within
the budget of 2). A token's request limit adds nothing; an address past AUTH_FAILURE_RATE costs
no SQL at all."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from tests.projects.factories import InvoiceFactory, ProjectFactory, give_object_perms
from tests.tokens.factories import ApiTokenFactory, bearer
from tokens.models import ApiToken

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_and_projects(programmatic_user):
    projects = [ProjectFactory() for _ in range(30)]
    for project in projects[:20]:
        give_object_perms(programmatic_user, project, "view_project")
        InvoiceFactory(project=project)
    token = ApiTokenFactory(user=programmatic_user, last_used_at=timezone.now())
    return bearer(APIClient(), token.plaintext), projects


def statements(client, path) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return [query["sql"].split()[0].upper() for query in captured.captured_queries]


def test_me_costs_the_lookup_and_the_audit_insert(client_and_projects):
    client, _ = client_and_projects
    assert statements(client, "/api/v1/me/") == ["SELECT", "INSERT"]


def test_a_limited_token_costs_the_same(programmatic_user):
    token = ApiTokenFactory(user=programmatic_user, rate_limit="100/minute",
                            last_used_at=timezone.now())
    assert statements(bearer(APIClient(), token.plaintext), "/api/v1/me/") == ["SELECT", "INSERT"]


def test_an_address_past_the_failure_limit_costs_no_sql(client_and_projects, settings):
    client, projects = client_and_projects
    settings.AUTH_FAILURE_RATE = "1/minute"
    APIClient().get("/api/v1/me/", HTTP_AUTHORIZATION="Bearer pgu_unknown")
    for path in ("/api/v1/me/", "/api/v1/projects/", f"/api/v1/projects/{projects[0].pk}/"):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 429
        assert captured.captured_queries == []


@pytest.mark.parametrize("page_size", [1, 50, 200])
def test_a_list_page_costs_one_more_at_any_size(client_and_projects, page_size):
    client, _ = client_and_projects
    sql = statements(client, f"/api/v1/projects/?page_size={page_size}")
    assert sql == ["SELECT", "SELECT", "INSERT"]


def test_a_detail_get_costs_one_more(client_and_projects):
    client, projects = client_and_projects
    sql = statements(client, f"/api/v1/projects/{projects[0].pk}/")
    assert sql == ["SELECT", "SELECT", "INSERT"]


def test_the_prepared_lookup_builds_what_the_orm_would(programmatic_user):
    token = ApiTokenFactory(user=programmatic_user, allowed_ips=["10.0.0.0/8"],
                            last_used_at=timezone.now(), last_used_ip="10.1.2.3",
                            description="nightly sync")
    expected = ApiToken.objects.select_related("user").get(pk=token.pk)

    found = ApiToken.objects.authenticating(token.digest)

    for field in ApiToken._meta.concrete_fields:
        assert getattr(found, field.attname) == getattr(expected, field.attname), field.name
    for field in type(expected.user)._meta.concrete_fields:
        assert getattr(found.user, field.attname) == getattr(expected.user, field.attname)
    assert found.allowed_ips == ["10.0.0.0/8"]
    assert found._state.adding is False and found._state.db == "default"
    with CaptureQueriesContext(connection) as captured:
        assert found.user.username == programmatic_user.username  # cached: no query
    assert captured.captured_queries == []


def test_the_prepared_lookup_finds_nothing_for_an_unknown_digest():
    assert ApiToken.objects.authenticating("0" * 64) is None


@pytest.fixture
def narrowed_client(programmatic_user):
    """A token narrowed to view_project on ten of the twenty projects its user may view."""
    projects = [ProjectFactory() for _ in range(30)]
    for project in projects[:20]:
        give_object_perms(programmatic_user, project, "view_project")
    grants = [{"permission": "projects.view_project",
               "object": {"type": "projects.project", "id": project.pk}}
              for project in projects[:10]]
    token = ApiTokenFactory(user=programmatic_user, last_used_at=timezone.now(),
                            permissions=grants)
    return bearer(APIClient(), token.plaintext), projects


def test_a_narrowed_token_costs_nothing_more_on_me(narrowed_client):
    client, _ = narrowed_client
    assert statements(client, "/api/v1/me/") == ["SELECT", "INSERT"]


@pytest.mark.parametrize("page_size", [1, 50])
def test_a_narrowed_tokens_list_page_costs_the_same(narrowed_client, page_size):
    client, _ = narrowed_client
    sql = statements(client, f"/api/v1/projects/?page_size={page_size}")
    assert sql == ["SELECT", "SELECT", "INSERT"]


def test_a_narrowed_tokens_detail_get_costs_the_same(narrowed_client):
    client, projects = narrowed_client
    assert statements(client, f"/api/v1/projects/{projects[0].pk}/") == [
        "SELECT", "SELECT", "INSERT"]
    with CaptureQueriesContext(connection) as captured:
        assert client.get(f"/api/v1/projects/{projects[15].pk}/").status_code == 404
    assert [q["sql"].split()[0].upper() for q in captured.captured_queries] == [
        "SELECT", "SELECT", "INSERT"]


def test_a_narrowed_tokens_me_permissions_costs_at_most_one_more(narrowed_client,
                                                                 programmatic_user):
    client, _ = narrowed_client
    full = bearer(APIClient(), ApiTokenFactory(user=programmatic_user,
                                               last_used_at=timezone.now()).plaintext)
    counts = []
    for each in (full, client):
        with CaptureQueriesContext(connection) as captured:
            assert each.get("/api/v1/me/permissions/").status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[1] <= counts[0] + 1  # the named objects' containers, read once
