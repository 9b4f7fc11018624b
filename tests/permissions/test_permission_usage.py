"""Least-privilege advice: which of a programmatic user's permissions its tokens actually use."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AuditEvent
from permissions.services import group_permission_grant, permission_grant
from tests.accounts.factories import ProgrammaticUserFactory
from tests.conftest import client_for
from tests.projects.factories import ProjectFactory
from tests.tokens.factories import ApiTokenFactory, bearer

pytestmark = pytest.mark.django_db


def url(user, days=None) -> str:
    query = "" if days is None else f"?days={days}"
    return f"/api/v1/programmatic-users/{user.pk}/permission-usage/{query}"


def used(user, *permissions, days_ago=1):
    AuditEvent.objects.create(event="token.used", actor_id=user.pk,
                              occurred_at=timezone.now() - timedelta(days=days_ago),
                              details={"permissions": list(permissions)})


@pytest.fixture
def robot(superuser):
    from django.contrib.auth.models import Group

    user = ProgrammaticUserFactory(username="erp")
    first, second = ProjectFactory(), ProjectFactory()
    permission_grant(actor=superuser, user=user, permission="projects.view_invoice")
    permission_grant(actor=superuser, user=user, permission="projects.view_project", obj=first)
    permission_grant(actor=superuser, user=user, permission="projects.change_project", obj=first)
    readers = Group.objects.create(name="readers")
    user.groups.add(readers)
    group_permission_grant(actor=superuser, group=readers, permission="projects.view_project",
                           obj=second)
    user.projects = (first, second)
    return user


def test_used_and_unused_grants_with_counts_and_last_use(configurator, robot):
    used(robot, "projects.view_project", days_ago=3)
    used(robot, "projects.view_project", "projects.view_invoice", days_ago=1)
    used(robot, "projects.change_project", days_ago=100)  # outside the 90-day window
    used(ProgrammaticUserFactory(), "projects.change_project")  # someone else
    response = client_for(configurator).get(url(robot))
    assert response.status_code == 200
    body = response.json()
    assert body["days"] == 90
    rows = {(row["permission"], row["scope"]): row for row in body["permissions"]}
    assert set(rows) == {("projects.view_invoice", "organization"),
                         ("projects.view_project", "object"),
                         ("projects.change_project", "object")}
    assert body["permissions"][0]["permission"] == "projects.change_project"  # unused first
    change = rows[("projects.change_project", "object")]
    assert (change["uses"], change["last_used_at"], change["unused"]) == (0, None, True)
    assert change["objects"] == [{"type": "projects.project", "id": robot.projects[0].pk}]
    view = rows[("projects.view_project", "object")]
    assert (view["uses"], view["unused"]) == (2, False)
    assert view["sources"] == ["direct", "readers"]
    assert [o["id"] for o in view["objects"]] == sorted(p.pk for p in robot.projects)
    invoice = rows[("projects.view_invoice", "organization")]
    assert (invoice["uses"], invoice["unused"], invoice["objects"]) == (1, False, [])
    assert invoice["last_used_at"] is not None


def test_the_window_is_chosen_with_days(configurator, robot):
    used(robot, "projects.change_project", days_ago=100)
    rows = client_for(configurator).get(url(robot, 120)).json()["permissions"]
    change = next(r for r in rows if r["permission"] == "projects.change_project")
    assert (change["uses"], change["unused"]) == (1, False)


def test_real_token_requests_are_counted(configurator, robot):
    client = bearer(APIClient(), ApiTokenFactory(user=robot).plaintext)
    assert client.get("/api/v1/projects/").status_code == 200
    assert client.get(f"/api/v1/projects/{robot.projects[0].pk}/").status_code == 200
    rows = client_for(configurator).get(url(robot)).json()["permissions"]
    view = next(r for r in rows if r["permission"] == "projects.view_project")
    assert view["uses"] == 2


@pytest.mark.parametrize("days", ["0", "366", "soon", "-5"])
def test_bad_days_are_400(configurator, robot, days):
    response = client_for(configurator).get(url(robot, days))
    assert response.status_code == 400
    assert "days" in response.json()


def test_personal_or_missing_users_are_404(configurator, person):
    client = client_for(configurator)
    assert client.get(url(person)).status_code == 404
    assert client.get("/api/v1/programmatic-users/999999/permission-usage/").status_code == 404


@pytest.mark.parametrize("who, status", [("anonymous", 401), ("person", 403),
                                         ("configurator", 200), ("superuser", 200)])
def test_who_may_read_the_advice(request, robot, who, status):
    client = APIClient() if who == "anonymous" else client_for(request.getfixturevalue(who))
    assert client.get(url(robot)).status_code == status


def test_the_advice_costs_a_fixed_number_of_queries(configurator, robot,
                                                    django_assert_max_num_queries):
    for _ in range(30):
        used(robot, "projects.view_project")
    client = client_for(configurator)
    with django_assert_max_num_queries(12):
        assert client.get(url(robot)).status_code == 200


def test_the_admin_page_shows_the_advice(configurator, robot):
    from tests.conftest import browser_for

    used(robot, "projects.view_project")
    browser = browser_for(configurator)
    page = f"/admin/accounts/programmaticuser/{robot.pk}/"
    assert 'id="permission-usage"' in browser.get(f"{page}change/").content.decode()
    html = browser.get(f"{page}permission-usage/").content.decode()
    assert "Permission usage of erp" in html
    assert html.count("unused &mdash; consider revoking") == 2
    assert browser.get(f"{page}permission-usage/?days=abc").status_code == 200
    from tests.accounts.factories import PersonFactory

    assert browser_for(PersonFactory(is_staff=True)).get(
        f"{page}permission-usage/").status_code == 403
