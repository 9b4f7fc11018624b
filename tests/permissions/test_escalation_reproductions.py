"""The escalations reported in issue 15, each reproduced as an attacker would try it.

Every test here failed before the one no-escalation rule (`permissions.policy`) was enforced on
every write path; the matrix in `test_escalation_matrix.py` covers every path systematically.
Messages are read from `permissions.exceptions` inside each test, after the status it checks.
"""

import pytest
from django.contrib.auth.models import Group, Permission
from guardian.shortcuts import get_perms

from accounts.models import User
from audit.models import AuditEvent
from permissions import exceptions
from tests.accounts.factories import PersonFactory, ProgrammaticUserFactory, group
from tests.conftest import PASSWORD, api_error, browser_for, client_for
from tests.projects.factories import ProjectFactory, give_model_perms, give_object_perms
from tests.tokens.factories import bearer

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Taken-over-2026!"
GROUP_PERMS = ("add_group", "change_group", "delete_group", "view_group")


@pytest.fixture
def project():
    return ProjectFactory(code="SECRET", name="Confidential")


@pytest.fixture
def project_team(project):
    """A role that carries guardian object permissions on the project, nothing model-wide."""
    team = Group.objects.create(name="Project team")
    give_object_perms(team, project, "view_project", "change_project")
    return team


@pytest.fixture
def carla():
    """A User + Token configurator who sees no project at all."""
    user = PersonFactory(username="carla", is_staff=True)
    user.groups.add(group("User configurators"), group("Token configurators"))
    return user


@pytest.fixture
def audrey():
    user = PersonFactory(username="audrey", is_staff=True)
    user.groups.add(group("Auditors"))
    return user


def person_form(user, **overrides) -> dict:
    """What the People change form posts when nothing but `overrides` is changed."""
    data = {"username": user.username, "first_name": user.first_name,
            "last_name": user.last_name, "email": user.email,
            "is_active": "on" if user.is_active else "", "is_staff": "on" if user.is_staff else "",
            "groups": [g.pk for g in user.groups.all()],
            "user_permissions": [p.pk for p in user.user_permissions.all()],
            "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00"}
    data.update(overrides)
    return {key: value for key, value in data.items() if value not in ("", [])}


def permission(name: str) -> Permission:
    app_label, codename = name.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


# Reproduction 1 --------------------------------------------------------------------------------

def test_a_configurator_cannot_create_a_token_holder_in_a_group_with_object_permissions_she_lacks(
    carla, project, project_team
):
    response = client_for(carla).post(
        "/api/v1/programmatic-users/?include_token=true",
        {"username": "leaky", "contact_email": "o@example.com", "groups": ["Project team"]},
        format="json")
    assert response.status_code == 403
    assert api_error(response) == {
        "detail": exceptions.GROUPS_NOT_GRANTABLE.format(names="Project team"),
        "code": "not_grantable",
    }
    assert not User.objects.filter(username="leaky").exists()
    assert list(AuditEvent.objects.values_list("event", flat=True)) == ["access.denied"]


def test_a_token_created_in_such_a_group_by_one_who_holds_its_permissions_reads_the_project(
    carla, project, project_team
):
    give_object_perms(carla, project, "view_project", "change_project")
    response = client_for(carla).post(
        "/api/v1/programmatic-users/?include_token=true",
        {"username": "allowed", "contact_email": "o@example.com", "groups": ["Project team"]},
        format="json")
    assert response.status_code == 201
    robot = bearer(client_for(None), response.json()["token"]["token"])
    assert robot.get(f"/api/v1/projects/{project.pk}/").status_code == 200


def test_a_configurator_cannot_add_herself_to_a_group_with_object_permissions_she_lacks(
    carla, project, project_team
):
    response = browser_for(carla).post(
        f"/admin/accounts/person/{carla.pk}/change/",
        person_form(carla, groups=[*carla.groups.values_list("pk", flat=True), project_team.pk]))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "groups": [exceptions.GROUPS_NOT_GRANTABLE.format(names="Project team")]}
    assert set(carla.groups.values_list("name", flat=True)) == {
        "User configurators", "Token configurators"}
    assert client_for(carla).get(f"/api/v1/projects/{project.pk}/").status_code == 404
    assert not AuditEvent.objects.exclude(event="access.denied").exists()


def test_a_configurator_cannot_move_an_integration_into_a_group_with_object_permissions_she_lacks(
    carla, project, project_team
):
    robot = ProgrammaticUserFactory(username="robot")
    response = client_for(carla).patch(f"/api/v1/programmatic-users/{robot.pk}/",
                                       {"groups": ["Project team"]}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == exceptions.GROUPS_NOT_GRANTABLE.format(
        names="Project team")
    assert not robot.groups.exists()


# Reproduction 2 --------------------------------------------------------------------------------

def test_a_configurator_cannot_set_the_password_of_an_auditor(carla, audrey):
    response = browser_for(carla).post(f"/admin/accounts/person/{audrey.pk}/password/", {
        "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 403
    audrey.refresh_from_db()
    assert audrey.check_password(PASSWORD)
    assert not client_for(None).login(username="audrey", password=NEW_PASSWORD)
    assert list(AuditEvent.objects.values_list("event", flat=True)) == ["access.denied"]


def test_a_configurator_cannot_change_the_e_mail_of_an_auditor(carla, audrey):
    """The e-mail is where a password reset goes: changing it is taking the account over."""
    response = browser_for(carla).post(f"/admin/accounts/person/{audrey.pk}/change/",
                                       person_form(audrey, email="carla@example.com"))
    assert response.status_code == 403
    audrey.refresh_from_db()
    assert audrey.email == "audrey@example.com"


def test_a_password_set_in_the_people_admin_is_recorded_without_the_password(
    superuser, audrey
):
    response = browser_for(superuser).post(f"/admin/accounts/person/{audrey.pk}/password/", {
        "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    audrey.refresh_from_db()
    assert audrey.check_password(NEW_PASSWORD)
    event = AuditEvent.objects.get(event="user.updated")
    assert (event.actor_username, event.target_id, event.details) == (
        "root", str(audrey.pk), {"password": "changed"})
    assert NEW_PASSWORD not in str(event.details) and audrey.password not in str(event.details)


def test_group_edits_on_the_people_page_are_recorded(superuser, audrey):
    bob = PersonFactory(username="bob")
    response = browser_for(superuser).post(f"/admin/accounts/person/{bob.pk}/change/",
                                           person_form(bob, groups=[group("Auditors").pk]))
    assert response.status_code == 302
    event = AuditEvent.objects.get(event="permission.granted")
    assert (event.target_id, event.details) == (str(bob.pk), {"group": "Auditors"})
    response = browser_for(superuser).post(f"/admin/accounts/person/{audrey.pk}/change/",
                                           person_form(audrey, groups=[]))
    assert response.status_code == 302
    event = AuditEvent.objects.get(event="permission.revoked")
    assert (event.target_id, event.details) == (str(audrey.pk), {"group": "Auditors"})


# Reproduction 3 --------------------------------------------------------------------------------

def test_staff_without_a_configurator_role_cannot_grant_on_the_object_permissions_page(project):
    staff = PersonFactory(username="pm", is_staff=True)
    give_model_perms(staff, "projects.view_project", "projects.change_project")
    robot = ProgrammaticUserFactory(username="robot")
    url = f"/admin/projects/project/{project.pk}/permissions/user-manage/{robot.pk}/"
    response = browser_for(staff).post(url, {"permissions": ["view_project"]})
    assert response.status_code == 200
    assert str(exceptions.NOT_A_CONFIGURATOR) in response.content.decode()
    assert get_perms(robot, project) == []
    assert not AuditEvent.objects.exists()
    api = client_for(staff).post(f"/api/v1/programmatic-users/{robot.pk}/permissions/", {
        "permission": "projects.view_project",
        "object": {"type": "projects.project", "id": project.pk}}, format="json")
    assert api.status_code == 403


@pytest.mark.parametrize("name", ["tokens.issue_token", "accounts.configure_users"])
def test_the_group_admin_keeps_superuser_only_permissions_from_programmatic_members(carla, name):
    carla.user_permissions.add(*Permission.objects.filter(codename__in=GROUP_PERMS))
    team = Group.objects.create(name="Integrations")
    ProgrammaticUserFactory(username="robot").groups.add(team)
    response = browser_for(carla).post(f"/admin/auth/group/{team.pk}/change/", {
        "name": "Integrations", "permissions": [permission(name).pk]})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "permissions": [exceptions.GROUP_SUPERUSER_ONLY.format(permission=name)]}
    assert not team.permissions.exists()


def test_the_group_admin_needs_a_configurator_even_for_permissions_one_holds(project):
    staff = PersonFactory(username="pm", is_staff=True)
    give_model_perms(staff, "projects.view_project")
    staff.user_permissions.add(*Permission.objects.filter(codename__in=GROUP_PERMS))
    team = Group.objects.create(name="Readers")
    client = browser_for(staff)
    assert 'name="_save"' not in client.get(f"/admin/auth/group/{team.pk}/change/").content.decode()
    response = client.post(f"/admin/auth/group/{team.pk}/change/", {
        "name": "Readers", "permissions": [permission("projects.view_project").pk]})
    assert response.status_code == 403
    assert not team.permissions.exists()
    response = client.post("/admin/auth/group/add/", {
        "name": "Sneaky", "permissions": [permission("projects.view_project").pk]})
    assert response.status_code == 403
    assert not Group.objects.filter(name="Sneaky").exists()
    assert list(AuditEvent.objects.values_list("event", flat=True)) == ["access.denied"] * 2
