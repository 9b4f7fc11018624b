"""GET/POST roles/, GET/PATCH roles/{id}/: Django groups and their model-wide permissions, under
the group admin's permissions and the no-escalation rule (DESIGN rule 8)."""

import pytest
from django.contrib.auth.models import Group

from accounts.serializers import (
    BAD_PERMISSION_NAME,
    ROLE_NAME_FIXED,
    ROLE_NAME_TAKEN,
    UNKNOWN_PERMISSION,
)
from audit.models import AuditEvent
from permissions import exceptions as ex
from tests.accounts.factories import PersonFactory, ProgrammaticUserFactory, group
from tests.conftest import api_error, client_for
from tests.projects.factories import give_model_perms
from tests.tokens.factories import ApiTokenFactory, bearer

pytestmark = pytest.mark.django_db

ROLES = "/api/v1/roles/"
GROUP_ADMIN = ("auth.add_group", "auth.change_group", "auth.view_group")
VIEW_PROJECT = "projects.view_project"
VIEW_AUDIT = "audit.view_auditevent"


def _role(name: str, *perms: str) -> Group:
    role = Group.objects.create(name=name)
    give_model_perms(role, *perms)
    return role


def _names(role: Group) -> list[str]:
    return sorted(f"{p.content_type.app_label}.{p.codename}" for p in role.permissions.all())


def _events(kind=None) -> list[tuple]:
    rows = AuditEvent.objects.order_by("id")
    if kind:
        rows = rows.filter(event=kind)
    return [(e.event, e.target_repr, e.details) for e in rows.exclude(event="access.denied")]


@pytest.fixture
def role_admin(db):
    """A User configurator who holds the group admin's permissions and views projects."""
    user = PersonFactory(username="rita", is_staff=True)
    user.groups.add(group("User configurators"))
    give_model_perms(user, *GROUP_ADMIN, VIEW_PROJECT)
    return user


# --- who may read ------------------------------------------------------------------------------

@pytest.mark.parametrize("who, status", [
    ("configurator", 200), ("view_group", 200), ("change_group", 200), ("nobody", 403),
    ("anonymous", 401), ("token_without", 403), ("token_with", 200)])
def test_who_may_list_roles(db, configurator, who, status):
    person = PersonFactory(username="p")
    if who in {"view_group", "change_group"}:
        give_model_perms(person, f"auth.{who}")
    robot = ProgrammaticUserFactory(username="robot")
    if who == "token_with":
        give_model_perms(robot, "auth.view_group")
    if who.startswith("token"):
        client = bearer(client_for(None), ApiTokenFactory(user=robot).plaintext)
    else:
        client = client_for({"configurator": configurator, "anonymous": None}.get(who, person))
    response = client.get(ROLES)
    assert response.status_code == status, response.content
    if status >= 400:
        assert api_error(response)["code"] in {"permission_denied", "not_authenticated"}


def test_the_list_shows_names_permissions_and_member_counts_paginated(configurator):
    role = _role("Readers", VIEW_PROJECT, VIEW_AUDIT)
    PersonFactory(username="a").groups.add(role)
    ProgrammaticUserFactory(username="r").groups.add(role)
    response = client_for(configurator).get(ROLES, {"page_size": 1})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"next", "previous", "results"} and body["next"]
    assert body["results"] == [{"id": role.pk, "name": "Readers",
                                "permissions": [VIEW_AUDIT, VIEW_PROJECT], "member_count": 2}]
    detail = client_for(configurator).get(f"{ROLES}{role.pk}/").json()
    assert detail == body["results"][0]
    names = {r["name"] for r in client_for(configurator).get(ROLES).json()["results"]}
    assert {"User configurators", "Token configurators", "Auditors", "Readers"} <= names


# --- create ------------------------------------------------------------------------------------

def test_a_role_admin_creates_a_role_with_permissions_she_holds(role_admin):
    response = client_for(role_admin).post(ROLES, {"name": "Viewers",
                                                   "permissions": [VIEW_PROJECT]})
    assert response.status_code == 201, response.content
    role = Group.objects.get(name="Viewers")
    assert response.json() == {"id": role.pk, "name": "Viewers", "permissions": [VIEW_PROJECT],
                               "member_count": 0}
    assert _names(role) == [VIEW_PROJECT]
    assert _events() == [("permission.granted", "Viewers",
                          {"permission": VIEW_PROJECT, "object": None})]
    event = AuditEvent.objects.get(event="permission.granted")
    assert (event.actor_username, event.target_type) == ("rita", "auth.group")


def test_creating_an_empty_role_records_nothing(role_admin):
    response = client_for(role_admin).post(ROLES, {"name": "Empty"})
    assert response.status_code == 201
    assert response.json()["permissions"] == [] and _events() == []


def test_a_role_admin_cannot_put_a_permission_she_lacks_into_a_new_role(role_admin):
    response = client_for(role_admin).post(ROLES, {"name": "Spies",
                                                   "permissions": [VIEW_PROJECT, VIEW_AUDIT]})
    assert response.status_code == 403
    assert api_error(response) == {
        "detail": ex.GROUP_PERMISSIONS_NOT_GRANTABLE.format(names=VIEW_AUDIT),
        "code": "not_grantable"}
    assert not Group.objects.filter(name="Spies").exists() and _events() == []


def test_creating_a_role_needs_add_group_as_the_admin_does(configurator):
    response = client_for(configurator).post(ROLES, {"name": "X"})
    assert response.status_code == 403
    assert api_error(response) == {"detail": "You need the auth.add_group permission.",
                                   "code": "permission_denied"}
    assert not Group.objects.filter(name="X").exists()


def test_the_group_admins_permissions_alone_are_not_enough_without_configure_users(db):
    staff = PersonFactory(username="stan", is_staff=True)
    give_model_perms(staff, *GROUP_ADMIN)
    response = client_for(staff).post(ROLES, {"name": "X"})
    assert response.status_code == 403
    assert api_error(response) == {"detail": ex.NOT_A_CONFIGURATOR,
                                   "code": "configure_users_required"}
    assert not Group.objects.filter(name="X").exists()


@pytest.mark.parametrize("body, field, messages", [
    ({"name": "R", "permissions": ["projects.nope"]}, "permissions",
     [UNKNOWN_PERMISSION.format(name="projects.nope")]),
    ({"name": "R", "permissions": ["view_project"]}, "permissions",
     [BAD_PERMISSION_NAME.format(name="view_project")]),
    ({"name": "R", "permissions": ["projects.view_project; drop"]}, "permissions",
     [BAD_PERMISSION_NAME.format(name="projects.view_project; drop")]),
    ({"name": "R", "permissions": "projects.view_project"}, "permissions",
     ['Expected a list of items but got type "str".']),
    ({"name": "R", "permissions": {"a": 1}}, "permissions",
     ['Expected a list of items but got type "dict".']),
    ({"name": "R", "permissions": [VIEW_PROJECT] * 101}, "permissions",
     ["Ensure this field has no more than 100 elements."]),
    ({"name": "R", "permissions": [True]}, "permissions", None),
    ({"name": "R", "permissions": [None]}, "permissions", None),
    ({"permissions": []}, "name", ["This field is required."]),
    ({"name": ""}, "name", ["This field may not be blank."]),
    ({"name": "x" * 151}, "name", ["Ensure this field has no more than 150 characters."]),
    ({"name": "Auditors"}, "name", [ROLE_NAME_TAKEN]),
    ({"name": 0}, "name", ["Not a valid string."]),
    ({"name": "R", "permissions": [7]}, "permissions", None),
])
def test_bad_input_is_400_and_creates_nothing(superuser, body, field, messages):
    before = Group.objects.count()
    response = client_for(superuser).post(ROLES, body)
    assert response.status_code == 400, response.content
    errors = api_error(response)
    assert list(errors) == [field]
    if messages is not None:
        assert errors[field] == messages
    assert Group.objects.count() == before and _events() == []


# --- change permissions ------------------------------------------------------------------------

def test_a_role_admin_changes_a_roles_permissions(role_admin):
    give_model_perms(role_admin, VIEW_AUDIT)
    role = _role("Team", VIEW_PROJECT)
    PersonFactory(username="member").groups.add(role)
    response = client_for(role_admin).patch(f"{ROLES}{role.pk}/", {"permissions": [VIEW_AUDIT]})
    assert response.status_code == 200, response.content
    assert response.json() == {"id": role.pk, "name": "Team", "permissions": [VIEW_AUDIT],
                               "member_count": 1}
    assert _names(role) == [VIEW_AUDIT]
    assert _events() == [
        ("permission.granted", "Team", {"permission": VIEW_AUDIT, "object": None}),
        ("permission.revoked", "Team", {"permission": VIEW_PROJECT, "object": None})]


def test_the_same_permissions_again_change_and_record_nothing(role_admin):
    role = _role("Team", VIEW_PROJECT)
    response = client_for(role_admin).patch(f"{ROLES}{role.pk}/",
                                            {"permissions": [VIEW_PROJECT, VIEW_PROJECT]})
    assert response.status_code == 200 and _events() == []
    assert client_for(role_admin).patch(f"{ROLES}{role.pk}/", {}).status_code == 200


def test_renaming_a_role_is_400(role_admin):
    role = _role("Team")
    response = client_for(role_admin).patch(f"{ROLES}{role.pk}/", {"name": "Admins",
                                                                   "permissions": []})
    assert response.status_code == 400
    assert api_error(response) == {"name": [ROLE_NAME_FIXED]}
    assert Group.objects.get(pk=role.pk).name == "Team"


def test_a_role_admin_cannot_add_a_permission_she_lacks(role_admin):
    role = _role("Team")
    response = client_for(role_admin).patch(f"{ROLES}{role.pk}/", {"permissions": [VIEW_AUDIT]})
    assert response.status_code == 403
    assert api_error(response)["detail"] == ex.GROUP_PERMISSIONS_NOT_GRANTABLE.format(
        names=VIEW_AUDIT)
    assert _names(role) == [] and _events() == []


def test_a_role_admin_cannot_remove_a_permission_she_lacks(role_admin):
    role = _role("Team", VIEW_AUDIT)
    response = client_for(role_admin).patch(f"{ROLES}{role.pk}/", {"permissions": []})
    assert response.status_code == 403
    assert _names(role) == [VIEW_AUDIT] and _events() == []


def test_a_role_admin_cannot_change_a_role_whose_member_outranks_her(role_admin):
    auditor = PersonFactory(username="audrey")
    auditor.groups.add(group("Auditors"))
    role = group("Auditors")
    before = _names(role)
    response = client_for(role_admin).patch(f"{ROLES}{role.pk}/",
                                            {"permissions": [*before, VIEW_PROJECT]})
    assert response.status_code == 403
    assert api_error(response) == {
        "detail": ex.MEMBER_MORE_PRIVILEGED.format(username="audrey"),
        "code": "more_privileged"}
    assert _names(role) == before and _events() == []


@pytest.mark.parametrize("permission", ["accounts.configure_users", "tokens.issue_token"])
def test_only_a_superuser_gives_configurator_permissions_to_a_role_with_programmatic_members(
        role_admin, superuser, permission):
    give_model_perms(role_admin, "tokens.issue_token")
    role = _role("Integrations")
    ProgrammaticUserFactory(username="robot").groups.add(role)
    response = client_for(role_admin).patch(f"{ROLES}{role.pk}/", {"permissions": [permission]})
    assert response.status_code == 403
    assert api_error(response) == {
        "detail": ex.GROUP_SUPERUSER_ONLY.format(permission=permission), "code": "not_grantable"}
    assert _names(role) == [] and _events() == []
    response = client_for(superuser).patch(f"{ROLES}{role.pk}/", {"permissions": [permission]})
    assert response.status_code == 200 and _names(role) == [permission]


def test_changing_needs_change_group(configurator):
    role = _role("Team")
    response = client_for(configurator).patch(f"{ROLES}{role.pk}/", {"permissions": []})
    assert response.status_code == 403
    assert api_error(response)["detail"] == "You need the auth.change_group permission."


@pytest.mark.parametrize("method", ["put", "delete"])
def test_roles_are_neither_replaced_nor_deleted_here(superuser, method):
    role = _role("Team")
    response = getattr(client_for(superuser), method)(f"{ROLES}{role.pk}/", {"name": "T"})
    assert response.status_code == 405
    assert Group.objects.filter(pk=role.pk, name="Team").exists()


@pytest.mark.parametrize("address, status", [
    ("abc/", 404), ("0/", 400), ("99999999999999999999/", 400), ("2147483648/", 404),
    ("999999/", 404), ("1.5/", 404)])
def test_bad_role_ids_are_refused_without_a_500(superuser, address, status):
    response = client_for(superuser).patch(f"{ROLES}{address}", {"permissions": []})
    assert response.status_code == status
    assert api_error(response)


def test_a_role_name_taken_by_a_racing_request_is_the_400_of_a_taken_one(role_admin,
                                                                         monkeypatch):
    """Another request creates the same role after this one was validated and before its
    INSERT: the 400 a taken name gets, not a 500."""
    from accounts.services import groups

    validated = groups.full_clean

    def raced(instance, **kwargs):
        validated(instance, **kwargs)
        Group.objects.create(name="Readers")  # committed by the other request

    monkeypatch.setattr(groups, "full_clean", raced)
    response = client_for(role_admin).post(ROLES, {"name": "Readers", "permissions": []},
                                           format="json")
    assert response.status_code == 400
    # The model's own unique message (the serializer's check, which ran before the race, words
    # it "A role with that name already exists.").
    assert api_error(response) == {"name": ["Group with this Name already exists."]}
    assert not AuditEvent.objects.filter(event__startswith="permission.").exists()
