"""Least-privilege advice: which of a programmatic user's grants its tokens actually use.

Only real use counts (a request that succeeded with the permission); refusals (403 for want of
it, 404) are listed apart; an object grant counts the uses on its object (or what it contains).
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AuditEvent
from permissions.services import group_permission_grant, permission_grant
from tests.accounts.factories import PersonFactory, ProgrammaticUserFactory, group
from tests.conftest import api_error, browser_for, client_for
from tests.projects.factories import InvoiceFactory, ProjectFactory
from tests.tokens.factories import ApiTokenFactory, bearer

pytestmark = pytest.mark.django_db


def url(user, days=None) -> str:
    query = "" if days is None else f"?days={days}"
    return f"/api/v1/programmatic-users/{user.pk}/permission-usage/{query}"


def used(user, *permissions, days_ago=1, status=200, **details):
    AuditEvent.objects.create(event="token.used", actor_id=user.pk, status=status,
                              occurred_at=timezone.now() - timedelta(days=days_ago),
                              details={"permissions": list(permissions), **details})


def rows_of(body) -> dict:
    return {(row["permission"], tuple((o["type"], o["id"]) for o in row["objects"])): row
            for row in body["permissions"]}


def advice(viewer, user) -> dict:
    response = client_for(viewer).get(url(user))
    assert response.status_code == 200, response.content
    return response.json()


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


def test_one_row_per_grant_with_counts_and_last_use(configurator, robot):
    first, second = robot.projects
    used(robot, "projects.view_project", days_ago=3)  # a list: every view_project grant
    used(robot, "projects.view_project", "projects.view_invoice", days_ago=1,
         objects={"projects.view_project": [f"projects.project:{first.pk}"]})
    used(robot, "projects.change_project", days_ago=100)  # outside the 90-day window
    used(ProgrammaticUserFactory(), "projects.change_project")  # someone else
    body = advice(configurator, robot)
    assert body["days"] == 90
    assert body["refused"] == []
    rows = rows_of(body)
    one, two = ("projects.project", first.pk), ("projects.project", second.pk)
    assert set(rows) == {("projects.view_invoice", ()), ("projects.view_project", (one,)),
                         ("projects.view_project", (two,)), ("projects.change_project", (one,))}
    assert body["permissions"][0]["permission"] == "projects.change_project"  # unused first
    change = rows[("projects.change_project", (one,))]
    assert (change["scope"], change["uses"], change["last_used_at"], change["unused"]) == (
        "object", 0, None, True)
    assert (rows[("projects.view_project", (one,))]["uses"],
            rows[("projects.view_project", (two,))]["uses"]) == (2, 1)
    assert rows[("projects.view_project", (one,))]["sources"] == ["direct"]
    assert rows[("projects.view_project", (two,))]["sources"] == ["readers"]
    invoice = rows[("projects.view_invoice", ())]
    assert (invoice["scope"], invoice["uses"], invoice["unused"]) == ("organization", 1, False)
    assert invoice["last_used_at"] is not None


def test_the_window_is_chosen_with_days(configurator, robot):
    used(robot, "projects.change_project", days_ago=100)
    rows = client_for(configurator).get(url(robot, 120)).json()["permissions"]
    change = next(r for r in rows if r["permission"] == "projects.change_project")
    assert (change["uses"], change["unused"]) == (1, False)


@pytest.mark.parametrize("status, counted", [(200, "used"), (201, "used"), (204, "used"),
                                             (302, "used"), (403, "refused"),
                                             (404, "refused"), (400, None), (429, None),
                                             (500, None), (None, None)])
def test_only_a_request_that_succeeded_is_a_use(configurator, robot, status, counted):
    used(robot, "projects.view_invoice", status=status)
    body = advice(configurator, robot)
    row = rows_of(body)[("projects.view_invoice", ())]
    assert row["uses"] == (1 if counted == "used" else 0)
    refused = [(r["permission"], r["refusals"]) for r in body["refused"]]
    assert refused == ([("projects.view_invoice", 1)] if counted == "refused" else [])


def test_a_403_refuses_only_the_permission_its_check_denied(configurator, robot):
    first = robot.projects[0]
    on = {"projects.view_project": [f"projects.project:{first.pk}"],
          "projects.change_project": [f"projects.project:{first.pk}"]}
    used(robot, "projects.view_project", "projects.change_project", status=403, objects=on,
         denied=["projects.change_project"])
    body = advice(configurator, robot)
    assert [(r["permission"], r["refusals"], r["objects"]) for r in body["refused"]] == [
        ("projects.change_project", 1, [{"type": "projects.project", "id": first.pk}])]
    assert all(row["uses"] == 0 for row in body["permissions"])


# --- The reproductions of issue 18, with real token requests -----------------------------

@pytest.fixture
def billing(superuser):
    """billing-sync as the demo has it: view on ATLAS and BOREAL, change on ATLAS."""
    user = ProgrammaticUserFactory(username="billing-sync")
    atlas, boreal, cirrus = (ProjectFactory(code=code) for code in ("ATLAS", "BOREAL", "CIRRUS"))
    for project in (atlas, boreal):
        permission_grant(actor=superuser, user=user, permission="projects.view_project",
                         obj=project)
        permission_grant(actor=superuser, user=user, permission="projects.view_invoice",
                         obj=project)
    permission_grant(actor=superuser, user=user, permission="projects.change_project", obj=atlas)
    user.atlas, user.boreal, user.cirrus = atlas, boreal, cirrus
    user.client = bearer(APIClient(), ApiTokenFactory(user=user).plaintext)
    return user


def test_a_patch_refused_403_is_not_a_use_of_change_project(configurator, billing):
    client = billing.client
    assert client.patch(f"/api/v1/projects/{billing.atlas.pk}/", {"name": "Atlas 2"},
                        format="json").status_code == 200
    refused = client.patch(f"/api/v1/projects/{billing.boreal.pk}/", {"name": "Boreal 2"},
                           format="json")
    assert refused.status_code == 403
    assert api_error(refused)["code"] == "permission_denied"
    event = AuditEvent.objects.get(event="token.used", status=403)
    assert event.details["denied"] == ["projects.change_project"]
    body = advice(configurator, billing)
    rows = rows_of(body)
    atlas, boreal = ("projects.project", billing.atlas.pk), ("projects.project", billing.boreal.pk)
    assert rows[("projects.change_project", (atlas,))]["uses"] == 1  # was 2
    assert [(r["permission"], r["refusals"], r["objects"]) for r in body["refused"]] == [
        ("projects.change_project", 1, [{"type": "projects.project", "id": billing.boreal.pk}])]
    # The refused PATCH found BOREAL through its view grant, but did not succeed with it.
    assert rows[("projects.view_project", (boreal,))]["uses"] == 0
    assert rows[("projects.view_project", (atlas,))]["uses"] == 1


def test_a_404_is_refused_not_a_use_of_view_project(configurator, billing):
    assert billing.client.get(f"/api/v1/projects/{billing.cirrus.pk}/").status_code == 404
    body = advice(configurator, billing)
    assert all(row["uses"] == 0 for row in body["permissions"])
    assert [(r["permission"], r["refusals"], r["objects"]) for r in body["refused"]] == [
        ("projects.view_project", 1, [])]


def test_an_object_grant_counts_the_uses_on_its_object_only(configurator, billing):
    assert billing.client.get(f"/api/v1/projects/{billing.boreal.pk}/").status_code == 200
    assert billing.client.get(f"/api/v1/projects/{billing.boreal.pk}/").status_code == 200
    rows = rows_of(advice(configurator, billing))
    atlas, boreal = ("projects.project", billing.atlas.pk), ("projects.project", billing.boreal.pk)
    assert rows[("projects.view_project", (boreal,))]["uses"] == 2
    assert rows[("projects.view_project", (atlas,))]["uses"] == 0
    assert rows[("projects.view_project", (atlas,))]["unused"] is True
    # A list reads through every grant of its permission.
    assert billing.client.get("/api/v1/projects/").status_code == 200
    rows = rows_of(advice(configurator, billing))
    assert (rows[("projects.view_project", (boreal,))]["uses"],
            rows[("projects.view_project", (atlas,))]["uses"]) == (3, 1)


def test_a_grant_on_a_project_is_used_by_reading_an_invoice_of_it(configurator, billing):
    invoice = InvoiceFactory(project=billing.boreal)
    assert billing.client.get(f"/api/v1/invoices/{invoice.pk}/").status_code == 200
    event = AuditEvent.objects.get(event="token.used")
    assert event.details["objects"] == {"projects.view_invoice": [
        f"projects.invoice:{invoice.pk}", f"projects.project:{billing.boreal.pk}"]}
    rows = rows_of(advice(configurator, billing))
    atlas, boreal = ("projects.project", billing.atlas.pk), ("projects.project", billing.boreal.pk)
    assert rows[("projects.view_invoice", (boreal,))]["uses"] == 1
    assert rows[("projects.view_invoice", (atlas,))]["uses"] == 0


def test_an_invoice_created_in_a_project_uses_view_project_on_that_project_only(
        configurator, superuser, billing):
    """Naming a project in a body checks view_project on that project: a use there, not a use
    of every view_project grant (which would keep the others off the revocation list)."""
    permission_grant(actor=superuser, user=billing, permission="projects.add_invoice")
    created = billing.client.post("/api/v1/invoices/", {
        "project": billing.boreal.pk, "number": "INV-1", "amount": "1.00", "currency": "EUR",
        "issued_on": "2026-01-01"}, format="json")
    assert created.status_code == 201, created.content
    rows = rows_of(advice(configurator, billing))
    atlas, boreal = ("projects.project", billing.atlas.pk), ("projects.project", billing.boreal.pk)
    assert rows[("projects.view_project", (boreal,))]["uses"] == 1
    assert rows[("projects.view_project", (atlas,))]["uses"] == 0
    assert rows[("projects.view_project", (atlas,))]["unused"] is True


def test_real_token_requests_are_counted(configurator, robot):
    client = bearer(APIClient(), ApiTokenFactory(user=robot).plaintext)
    assert client.get("/api/v1/projects/").status_code == 200
    assert client.get(f"/api/v1/projects/{robot.projects[0].pk}/").status_code == 200
    rows = rows_of(advice(configurator, robot))
    first = ("projects.project", robot.projects[0].pk)
    assert rows[("projects.view_project", (first,))]["uses"] == 2


@pytest.mark.parametrize("days", ["0", "366", "soon", "-5"])
def test_bad_days_are_400(configurator, robot, days):
    response = client_for(configurator).get(url(robot, days))
    assert response.status_code == 400
    assert "days" in response.json()


def test_personal_or_missing_users_are_404(configurator, person):
    client = client_for(configurator)
    assert client.get(url(person)).status_code == 404
    assert client.get("/api/v1/programmatic-users/999999/permission-usage/").status_code == 404


@pytest.fixture
def auditor(db):
    user = PersonFactory(username="auditor", is_staff=True)
    user.groups.add(group("Auditors"))
    return user


@pytest.mark.parametrize("who, status", [("anonymous", 401), ("person", 403),
                                         ("configurator", 200), ("superuser", 200),
                                         ("auditor", 200)])
def test_who_may_read_the_advice(request, robot, who, status):
    client = APIClient() if who == "anonymous" else client_for(request.getfixturevalue(who))
    response = client.get(url(robot))
    assert response.status_code == status
    if status == 403:
        assert api_error(response) == {
            "detail": "You need the accounts.configure_users or audit.view_auditevent "
                      "permission.", "code": "permission_denied"}


def test_an_auditor_token_reading_the_advice_uses_view_auditevent(superuser, robot):
    watcher = ProgrammaticUserFactory(username="watcher")
    permission_grant(actor=superuser, user=watcher, permission="audit.view_auditevent")
    client = bearer(APIClient(), ApiTokenFactory(user=watcher).plaintext)
    assert client.get(url(robot)).status_code == 200
    event = AuditEvent.objects.get(event="token.used", actor_id=watcher.pk)
    assert event.details["permissions"] == ["audit.view_auditevent"]
    assert "denied" not in event.details


def test_the_advice_costs_a_fixed_number_of_queries(configurator, robot,
                                                    django_assert_max_num_queries):
    for _ in range(30):
        used(robot, "projects.view_project")
    client = client_for(configurator)
    with django_assert_max_num_queries(13):
        assert client.get(url(robot)).status_code == 200


def test_the_admin_page_shows_the_advice(configurator, robot):
    used(robot, "projects.view_project")
    used(robot, "projects.delete_project", status=403, denied=["projects.delete_project"])
    browser = browser_for(configurator)
    page = f"/admin/accounts/programmaticuser/{robot.pk}/"
    assert 'id="permission-usage"' in browser.get(f"{page}change/").content.decode()
    html = browser.get(f"{page}permission-usage/").content.decode()
    assert "Permission usage of erp" in html
    assert html.count("unused — consider revoking") == 2  # change_project, view_invoice
    assert 'id="permission-refusals"' in html
    assert "refused 1× — not granted" in html
    assert browser.get(f"{page}permission-usage/?days=abc").status_code == 200
    assert browser_for(PersonFactory(is_staff=True)).get(
        f"{page}permission-usage/").status_code == 403


def test_an_auditor_reads_the_admin_page_with_no_write_control(auditor, robot):
    used(robot, "projects.view_project")
    response = browser_for(auditor).get(
        f"/admin/accounts/programmaticuser/{robot.pk}/permission-usage/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Permission usage of erp" in html
    # The only forms: the window (GET) and the header's log-out.
    assert html.count('method="post"') == 1
    assert 'id="logout-form" method="post"' in html
