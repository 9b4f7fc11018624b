"""Pages of permitted objects: every permitted row exactly once, in order, whichever way the
cursor walks; on PostgreSQL a plain page reads only a page's worth of grants."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects.models import Project
from tests.accounts.factories import PersonFactory, ProgrammaticUserFactory
from tests.conftest import ON_POSTGRES
from tests.projects.conftest import fresh_client
from tests.projects.factories import ProjectFactory, give_object_perms

pytestmark = pytest.mark.django_db


@pytest.fixture
def scattered():
    """40 projects; the integration may view 0-9 directly, 8-17 through one group, 25-29
    through a second group and 35 both ways; it may only change 20-24; others hold 30-34."""
    projects = ProjectFactory.create_batch(40)
    integration = ProgrammaticUserFactory()
    first, second = Group.objects.create(name="first"), Group.objects.create(name="second")
    integration.groups.add(first, second)
    other = PersonFactory()
    for index in [*range(0, 10), 35]:
        give_object_perms(integration, projects[index], "view_project")
    for index in [*range(8, 18), 35]:
        give_object_perms(first, projects[index], "view_project")
    for index in range(25, 30):
        give_object_perms(second, projects[index], "view_project")
    for index in range(20, 25):
        give_object_perms(integration, projects[index], "change_project")
    for index in range(30, 35):
        give_object_perms(other, projects[index], "view_project")
    expected = [projects[i].pk for i in [*range(0, 18), *range(25, 30), 35]]
    return integration, sorted(expected, reverse=True)


def walk(client, url: str, direction: str = "next") -> list[list[int]]:
    pages = []
    while url:
        response = client.get(url)
        assert response.status_code == 200
        body = response.json()
        pages.append([row["id"] for row in body["results"]])
        url = body[direction]
    return pages


@pytest.mark.parametrize("page_size", [1, 4, 7, 24, 50])
def test_walking_forward_then_back_gives_every_permitted_row_once(scattered, page_size):
    integration, expected = scattered
    client = fresh_client(integration)

    forward = walk(client, f"/api/v1/projects/?page_size={page_size}")
    assert [pk for page in forward for pk in page] == expected
    assert all(len(page) == page_size for page in forward[:-1])

    last = client.get(f"/api/v1/projects/?page_size={page_size}")
    while last.json()["next"]:
        last = client.get(last.json()["next"])
    backward = walk(client, last.json()["previous"] or "", "previous") if len(forward) > 1 else []
    assert [pk for page in reversed(backward) for pk in page] == expected[: -len(forward[-1])]


def test_a_search_or_another_ordering_still_sees_only_permitted_rows(scattered):
    integration, expected = scattered
    client = fresh_client(integration)
    codes = dict(Project.objects.filter(pk__in=expected).values_list("pk", "code"))

    by_code = walk(client, "/api/v1/projects/?ordering=code&page_size=5")
    assert [pk for page in by_code for pk in page] == sorted(expected, key=codes.get)

    target = codes[expected[3]]
    found = walk(client, f"/api/v1/projects/?search={target}&page_size=5")
    assert [pk for page in found for pk in page] == [expected[3]]
    hidden = Project.objects.exclude(pk__in=expected).first()
    assert walk(client, f"/api/v1/projects/?search={hidden.code}") == [[]]


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL's SQL")
def test_a_plain_page_asks_each_grant_table_for_one_page_only(scattered):
    integration, _ = scattered
    client = fresh_client(integration)

    def page_sql(url: str) -> str:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return next(q["sql"] for q in captured.captured_queries
                    if q["sql"].startswith('SELECT "projects_project"."id"'))

    # The user's grants, each of its groups' and their union: page size + 1 each.
    branches = ("LIMIT 5) user_page", "LIMIT 5) ranged", "LIMIT 5) group_page")
    first = page_sql("/api/v1/projects/?page_size=4")
    assert all(first.count(branch) == 1 for branch in branches)
    following = page_sql(client.get("/api/v1/projects/?page_size=4").json()["next"])
    assert all(following.count(branch) == 1 for branch in branches)
    assert following.count('"content_object_id" <') == 2
    assert "LIMIT 5)" not in page_sql("/api/v1/projects/?page_size=4&search=P")
    assert "LIMIT 5)" not in page_sql("/api/v1/projects/?page_size=4&ordering=code")


@pytest.mark.parametrize("page_size", [1, 2, 3, 5])
def test_objects_that_two_groups_of_the_user_hold_do_not_crowd_out_a_page(page_size):
    projects = ProjectFactory.create_batch(8)
    integration = ProgrammaticUserFactory()
    first, second = Group.objects.create(name="first"), Group.objects.create(name="second")
    integration.groups.add(first, second)
    for project in projects[:6]:
        give_object_perms(first, project, "view_project")
        give_object_perms(second, project, "view_project")
    client = fresh_client(integration)

    pages = walk(client, f"/api/v1/projects/?page_size={page_size}")

    assert [pk for page in pages for pk in page] == sorted((p.pk for p in projects[:6]),
                                                           reverse=True)
