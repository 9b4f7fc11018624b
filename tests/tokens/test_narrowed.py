"""Tokens narrower than their user (issue 16, "Per-token permission subset"): issuing a list of
grants over the API, and what a request with the token may use, read afresh per request."""

import pytest
from django.contrib.auth.models import Permission
from guardian.shortcuts import remove_perm
from rest_framework.test import APIClient

from audit.models import AuditEvent
from permissions import engine
from permissions.services import permission_grant
from tests.conftest import api_error, client_for
from tests.projects.factories import (
    InvoiceFactory,
    ProjectFactory,
    give_model_perms,
    give_object_perms,
)
from tests.tokens.factories import ApiTokenFactory, bearer
from tokens.grants import MAX_GRANTS
from tokens.models import ApiToken

pytestmark = pytest.mark.django_db

PROJECTS, INVOICES = "/api/v1/projects/", "/api/v1/invoices/"


def issue_url(user) -> str:
    return f"/api/v1/programmatic-users/{user.pk}/tokens/"


def issue(client, user, permissions, **body):
    return client.post(issue_url(user), {"name": "narrow", "permissions": permissions, **body},
                       format="json")


def grant(permission, obj=None) -> dict:
    if obj is None:
        return {"permission": permission}
    return {"permission": permission, "object": {"type": obj._meta.label_lower, "id": obj.pk}}


def on_container(user, project, codename: str = "view_invoice") -> None:
    """A grant of an invoice permission on a project (it covers the project's invoices)."""
    permission_grant(actor=None, user=user, permission=f"projects.{codename}", obj=project)


def narrowed(user, *grants, **fields):
    """A token of `user` narrowed to `grants` and a client sending it."""
    token = ApiTokenFactory(user=user, permissions=list(grants), **fields)
    return token, bearer(APIClient(), token.plaintext)


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return sorted(row["id"] for row in response.json()["results"])


@pytest.fixture
def world(programmatic_user):
    """The user: view_project model-wide; change_project on p1; view_invoice on p2 (covering
    its invoices); nothing else. p3 exists and is reachable by view_project only."""
    p1, p2, p3 = ProjectFactory(), ProjectFactory(), ProjectFactory()
    give_model_perms(programmatic_user, "projects.view_project")
    give_object_perms(programmatic_user, p1, "change_project")
    on_container(programmatic_user, p2)
    invoices = {p: [InvoiceFactory(project=p), InvoiceFactory(project=p)] for p in (p1, p2, p3)}
    return programmatic_user, (p1, p2, p3), invoices


# Issuing ----------------------------------------------------------------------------------------

def test_issuing_a_narrowed_token_stores_and_shows_its_list_and_audits_it(superuser, world):
    user, (p1, p2, _), _ = world
    wanted = [grant("projects.view_project", p1), grant("projects.view_invoice", p2),
              grant("projects.view_project"), grant("projects.view_project", p1)]

    response = issue(client_for(superuser), user, wanted)

    assert response.status_code == 201, response.content
    expected = [grant("projects.view_invoice", p2), grant("projects.view_project"),
                grant("projects.view_project", p1)]  # canonical: sorted, duplicates dropped
    assert response.json()["permissions"] == expected
    token = ApiToken.objects.get(pk=response.json()["id"])
    assert token.permissions == expected
    event = AuditEvent.objects.get(event=AuditEvent.Event.TOKEN_ISSUED, token_id=token.pk)
    assert event.details["permissions"] == expected
    shown = client_for(superuser).get(f"/api/v1/tokens/{token.pk}/").json()
    assert shown["permissions"] == expected


def test_an_empty_or_absent_list_is_a_token_with_all_its_users_permissions(superuser, world):
    user, *_ = world
    for body in ({"permissions": []}, {}):
        response = client_for(superuser).post(issue_url(user), {"name": "all", **body},
                                              format="json")
        assert response.status_code == 201
        assert response.json()["permissions"] == []
        assert ApiToken.objects.get(pk=response.json()["id"]).permission_scope is engine.FULL


BAD = "Grant 1: use {\"permission\": \"app_label.codename\"}, optionally with \"object\": " \
      "{\"type\": \"app_label.model\", \"id\": N}."


@pytest.mark.parametrize("permissions, message", [
    ([{"permission": "projects.view_projekt"}],
     ["projects.view_projekt: Unknown permission."]),
    ([{"permission": "view_project"}],
     ['view_project: Use the form "app_label.codename", for example "projects.view_project".']),
    ([{"permission": "projects.view_project", "object": {"type": "projects.nothing", "id": 1}}],
     ['projects.view_project on projects.nothing #1: Use the form "app_label.model" of a model '
      'with object permissions, for example "projects.project".']),
    ([{"permission": "projects.view_project", "object": {"type": "projects.project",
                                                         "id": 999999}}],
     ["projects.view_project on projects.project #999999: No such object."]),
    ([{"permission": "accounts.view_user", "object": {"type": "projects.project", "id": "P1"}}],
     ["accounts.view_user on projects.project #P1: This permission does not apply to objects "
      "of type projects.project."]),
])
def test_a_bad_grant_is_400_naming_it_and_nothing_is_issued(superuser, world, permissions,
                                                            message):
    user, (p1, *_), _ = world
    for item in permissions:
        if item.get("object", {}).get("id") == "P1":
            item["object"]["id"] = p1.pk
            message = [message[0].replace("#P1", f"#{p1.pk}")]

    response = issue(client_for(superuser), user, permissions)

    assert response.status_code == 400
    assert api_error(response)["permissions"] == message
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("permissions", [
    "projects.view_project",
    {"permission": "projects.view_project"},
    [{"permission": "projects.view_project", "extra": 1}],
    [{"object": {"type": "projects.project", "id": 1}}],
    [{"permission": 3}],
    [{"permission": "projects.view_project", "object": {"type": "projects.project"}}],
    [{"permission": "projects.view_project", "object": {"type": "projects.project", "id": "x"}}],
    [{"permission": "projects.view_project", "object": {"type": "projects.project", "id": 0}}],
    ["projects.view_project"],
])
def test_a_badly_shaped_list_is_400(superuser, world, permissions):
    user, *_ = world
    response = issue(client_for(superuser), user, permissions)
    assert response.status_code == 400
    assert "permissions" in api_error(response)
    assert not ApiToken.objects.exists()


def test_the_service_names_a_badly_shaped_grant_by_its_place():
    from common.errors import Invalid
    from tokens.grants import normalize_permissions

    with pytest.raises(Invalid) as raised:
        normalize_permissions([{"permission": "projects.view_project", "id": 1}], user=None)
    assert raised.value.fields == {"permissions": [BAD]}


def test_the_list_is_capped(superuser, world):
    user, *_ = world
    response = issue(client_for(superuser), user, [grant("projects.view_project")] * (
        MAX_GRANTS + 1))
    assert response.status_code == 400
    assert "permissions" in api_error(response)
    assert issue(client_for(superuser), user, [grant("projects.view_project")] * MAX_GRANTS
                 ).status_code == 201


def test_a_permission_the_user_lacks_is_400_naming_it(superuser, world):
    user, *_ = world
    response = issue(client_for(superuser), user, [grant("projects.view_project"),
                                                   grant("projects.change_project")])
    assert response.status_code == 400
    assert api_error(response)["permissions"] == [
        "projects.change_project: billing-sync does not hold this, so its token cannot carry it."]
    assert not ApiToken.objects.exists()


def test_an_object_the_user_lacks_is_400_naming_it(superuser, world):
    user, (p1, p2, p3), _ = world
    response = issue(client_for(superuser), user, [grant("projects.change_project", p3)])
    assert response.status_code == 400
    assert api_error(response)["permissions"] == [
        f"projects.change_project on projects.project #{p3.pk}: billing-sync does not hold "
        "this, so its token cannot carry it."]
    # held on the object, through a model-wide grant, or through the object's container: fine
    allowed = [grant("projects.change_project", p1), grant("projects.view_project", p3),
               grant("projects.view_invoice", world[2][p2][0])]
    assert issue(client_for(superuser), user, allowed).status_code == 201


def test_issuing_a_narrowed_token_needs_no_more_than_issuing_any(token_configurator, world):
    user, (p1, p2, _), _ = world
    give_model_perms(token_configurator, "projects.view_project")
    give_object_perms(token_configurator, p1, "change_project")
    on_container(token_configurator, p2)
    client = client_for(token_configurator)

    assert issue(client, user, [grant("projects.change_project", p1)]).status_code == 201
    assert issue(client, user, []).status_code == 201


def test_an_issuer_who_cannot_see_an_object_learns_nothing_of_its_existence(
        token_configurator, programmatic_user):
    held, hidden = ProjectFactory(), ProjectFactory()
    give_object_perms(programmatic_user, held, "view_project")
    give_object_perms(token_configurator, held, "view_project")
    client = client_for(token_configurator)

    hidden_answer = api_error(issue(client, programmatic_user,
                                    [grant("projects.view_project", hidden)]))
    missing = {"permission": "projects.view_project",
               "object": {"type": "projects.project", "id": hidden.pk + 1000}}
    missing_answer = api_error(issue(client, programmatic_user, [missing]))

    assert hidden_answer["permissions"] == [
        f"projects.view_project on projects.project #{hidden.pk}: No such object."]
    assert missing_answer["permissions"] == [
        f"projects.view_project on projects.project #{hidden.pk + 1000}: No such object."]


def test_a_narrowed_list_does_not_let_an_issuer_escape_the_no_escalation_rule(
        token_configurator, world):
    user, (p1, *_), _ = world  # the user holds view_project model-wide; the issuer does not
    give_object_perms(token_configurator, p1, "view_project", "change_project")
    response = issue(client_for(token_configurator), user,
                     [grant("projects.view_project", p1)])
    assert response.status_code == 403
    assert not ApiToken.objects.exists()


# The intersection at request time ----------------------------------------------------------------

def test_an_object_entry_reaches_only_that_object(world):
    user, (p1, p2, p3), _ = world
    _, client = narrowed(user, grant("projects.view_project", p3))

    assert ids(client.get(PROJECTS)) == [p3.pk]
    assert client.get(f"{PROJECTS}{p3.pk}/").status_code == 200
    assert client.get(f"{PROJECTS}{p1.pk}/").status_code == 404  # the user may view it
    assert client.patch(f"{PROJECTS}{p3.pk}/", {"name": "x"}, format="json").status_code == 403


def test_a_model_wide_entry_admits_the_users_object_grants_of_that_permission(world):
    user, (p1, p2, p3), _ = world
    _, client = narrowed(user, grant("projects.view_project"),
                         grant("projects.change_project"))

    assert ids(client.get(PROJECTS)) == sorted([p1.pk, p2.pk, p3.pk])
    assert client.patch(f"{PROJECTS}{p1.pk}/", {"name": "renamed"},
                        format="json").status_code == 200
    assert client.patch(f"{PROJECTS}{p2.pk}/", {"name": "x"}, format="json").status_code == 403


def test_an_object_entry_with_a_permission_held_on_the_object_reaches_it(world):
    user, (p1, p2, _), _ = world
    _, client = narrowed(user, grant("projects.view_project", p1),
                         grant("projects.change_project", p1))
    assert client.patch(f"{PROJECTS}{p1.pk}/", {"name": "renamed"},
                        format="json").status_code == 200
    assert client.get(f"{PROJECTS}{p2.pk}/").status_code == 404


def test_a_container_entry_reaches_what_the_user_holds_in_that_container(world):
    user, (p1, p2, p3), invoices = world
    on_container(user, p3)
    _, client = narrowed(user, grant("projects.view_invoice", p2))

    assert ids(client.get(INVOICES)) == sorted(i.pk for i in invoices[p2])
    assert client.get(f"{INVOICES}{invoices[p2][0].pk}/").status_code == 200
    assert client.get(f"{INVOICES}{invoices[p3][0].pk}/").status_code == 404
    assert ids(client.get(PROJECTS)) == []  # view_project is not in the list


def test_a_container_entry_reaches_nothing_the_user_does_not_hold(world):
    user, (p1, *_), invoices = world
    _, client = narrowed(user, grant("projects.view_invoice", p1))  # not held: revoked later
    assert ids(client.get(INVOICES)) == []
    assert client.get(f"{INVOICES}{invoices[p1][0].pk}/").status_code == 404


def test_a_model_wide_grant_of_the_user_reaches_the_objects_the_list_names(world):
    user, (p1, p2, p3), invoices = world
    give_model_perms(user, "projects.view_invoice")
    _, client = narrowed(user, grant("projects.view_invoice", p3),
                         grant("projects.view_invoice", invoices[p1][0]))
    assert ids(client.get(INVOICES)) == sorted([invoices[p1][0].pk] + [
        i.pk for i in invoices[p3]])


def test_a_permission_revoked_from_the_user_disappears_from_the_token(world):
    user, (p1, *_), _ = world
    _, client = narrowed(user, grant("projects.view_project"),
                         grant("projects.change_project", p1))
    assert client.patch(f"{PROJECTS}{p1.pk}/", {"name": "a"}, format="json").status_code == 200

    remove_perm("change_project", user, p1)
    assert client.patch(f"{PROJECTS}{p1.pk}/", {"name": "b"}, format="json").status_code == 403
    user.user_permissions.remove(Permission.objects.get(codename="view_project"))
    assert ids(client.get(PROJECTS)) == []
    assert client.get(f"{PROJECTS}{p1.pk}/").status_code == 404


def test_a_permission_granted_later_does_not_appear_on_a_narrowed_token(world):
    user, (p1, p2, p3), invoices = world
    _, client = narrowed(user, grant("projects.view_project", p1))
    full = bearer(APIClient(), ApiTokenFactory(user=user).plaintext)

    give_model_perms(user, "projects.change_project", "projects.view_invoice")
    give_object_perms(user, p2, "delete_project")

    assert client.patch(f"{PROJECTS}{p1.pk}/", {"name": "x"}, format="json").status_code == 403
    assert ids(client.get(INVOICES)) == []
    assert client.get("/api/v1/me/permissions/").json() == {
        "global": [], "objects": {"projects.project": {str(p1.pk): ["view_project"]}}}
    assert full.patch(f"{PROJECTS}{p1.pk}/", {"name": "x"}, format="json").status_code == 200


def test_a_read_only_narrowed_token_narrows_further_to_view(world):
    user, (p1, *_), _ = world
    _, client = narrowed(user, grant("projects.view_project", p1),
                         grant("projects.change_project", p1), read_only=True)
    assert ids(client.get(PROJECTS)) == [p1.pk]
    assert client.get("/api/v1/me/permissions/").json() == {
        "global": [], "objects": {"projects.project": {str(p1.pk): ["view_project"]}}}


def test_a_narrowed_token_pages_through_exactly_its_objects(world):
    user, _, _ = world
    projects = [ProjectFactory() for _ in range(7)]
    _, client = narrowed(user, *(grant("projects.view_project", p) for p in projects[::2]))
    seen, url = [], f"{PROJECTS}?page_size=2"
    while url:
        body = client.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert sorted(seen) == sorted(p.pk for p in projects[::2])
    assert len(seen) == len(set(seen))


def test_every_check_answers_within_the_list(world):
    user, (p1, p2, p3), invoices = world
    token, _ = narrowed(user, grant("projects.view_project", p3),
                        grant("projects.view_invoice", p2))
    engine.bind_scope(user, token.permission_scope)

    assert engine.model_permissions(user) == frozenset()
    assert not user.has_perm("projects.view_project")
    assert user.has_perm("projects.view_project", p3)
    assert not user.has_perm("projects.view_project", p1)
    assert user.has_perm("projects.view_invoice", invoices[p2][0])
    assert not user.has_perm("projects.view_invoice", invoices[p3][0])
    assert engine.object_permissions(user, p2) == {"view_invoice"}
    assert engine.object_permissions(user, p1) == frozenset()
    assert user.get_all_permissions() == set()


def test_a_superusers_session_bound_to_a_list_is_narrowed_too(superuser):
    project, other = ProjectFactory(), ProjectFactory()
    engine.bind_scope(superuser, engine.FULL.with_entries(
        [engine.scope.Entry("projects.view_project", "projects.project", project.pk)]))
    from projects.models import Project

    assert list(engine.permitted(Project.objects.all(), superuser)) == [project]
    assert engine.has_object_permission(superuser, "projects.view_project", project)
    assert not engine.has_object_permission(superuser, "projects.view_project", other)
    assert not engine.has_model_permission(superuser, "projects.view_project")


# Rotation ----------------------------------------------------------------------------------------

def test_rotation_keeps_the_list(superuser, world):
    user, (p1, *_), _ = world
    token, client = narrowed(user, grant("projects.view_project", p1))

    response = client_for(superuser).post(f"/api/v1/tokens/{token.pk}/rotate/", {},
                                          format="json")
    assert response.status_code == 201
    assert response.json()["permissions"] == [grant("projects.view_project", p1)]
    event = AuditEvent.objects.filter(event=AuditEvent.Event.TOKEN_ISSUED).get(
        token_id=response.json()["id"])
    assert event.details["permissions"] == [grant("projects.view_project", p1)]
    successor = bearer(APIClient(), response.json()["token"])
    assert ids(successor.get(PROJECTS)) == [p1.pk]


def test_self_rotation_keeps_the_list(world):
    user, (p1, *_), _ = world
    _, client = narrowed(user, grant("projects.view_project", p1))
    response = client.post("/api/v1/me/token/rotate/")
    assert response.status_code == 201
    assert ApiToken.objects.get(pk=response.json()["id"]).permissions == [
        grant("projects.view_project", p1)]


# me/permissions ----------------------------------------------------------------------------------

def test_me_permissions_shows_the_intersection(world):
    user, (p1, p2, p3), invoices = world
    give_model_perms(user, "projects.view_invoice")
    _, client = narrowed(user, grant("projects.view_project", p3),
                         grant("projects.change_project"),
                         grant("projects.view_invoice", p2),
                         grant("projects.view_invoice", invoices[p1][0]),
                         grant("projects.delete_project", p1))  # since revoked: not shown
    Permission.objects.get(codename="delete_project")  # exists, just not held

    assert client.get("/api/v1/me/permissions/").json() == {
        "global": [],
        "objects": {
            "projects.invoice": {str(invoices[p1][0].pk): ["view_invoice"]},
            "projects.project": {str(p1.pk): ["change_project"],
                                 str(p2.pk): ["view_invoice"],
                                 str(p3.pk): ["view_project"]},
        },
    }


# No escalation through a narrowed token ----------------------------------------------------------

def test_a_narrowed_token_of_a_configurator_grants_only_within_its_list(programmatic_user):
    """A programmatic configurator (a superuser gave it configure_users) whose token is
    narrowed: the no-escalation rule counts what the token may use, not what its user holds."""
    p1, p2 = ProjectFactory(), ProjectFactory()
    configurator = programmatic_user
    give_model_perms(configurator, "accounts.configure_users", "projects.view_project")
    target = ApiTokenFactory().user  # another programmatic user, holding nothing
    _, client = narrowed(configurator, grant("accounts.configure_users"),
                         grant("projects.view_project", p1))
    url = f"/api/v1/programmatic-users/{target.pk}/permissions/"

    model_wide = client.post(url, grant("projects.view_project"), format="json")
    outside = client.post(url, grant("projects.view_project", p2), format="json")
    inside = client.post(url, grant("projects.view_project", p1), format="json")

    assert model_wide.status_code == 403
    assert api_error(model_wide)["code"] == "not_grantable"
    assert outside.status_code == 400  # the token cannot see p2: as if it did not exist
    assert api_error(outside)["object"] == ["No such object."]
    assert inside.status_code == 201
    assert not target.has_perm("projects.view_project")
    assert type(target).objects.get(pk=target.pk).has_perm("projects.view_project", p1)


def test_a_narrowed_token_without_configure_users_in_its_list_cannot_grant(programmatic_user):
    p1 = ProjectFactory()
    give_model_perms(programmatic_user, "accounts.configure_users", "projects.view_project")
    target = ApiTokenFactory().user
    _, client = narrowed(programmatic_user, grant("projects.view_project"))
    response = client.post(f"/api/v1/programmatic-users/{target.pk}/permissions/",
                           grant("projects.view_project", p1), format="json")
    assert response.status_code == 403


def test_an_objects_type_is_stored_as_the_engine_names_it(superuser, world):
    user, (p1, *_), _ = world
    response = issue(client_for(superuser), user, [
        {"permission": "projects.view_project", "object": {"type": "Projects.Project",
                                                           "id": p1.pk}}])
    assert response.status_code == 201
    assert response.json()["permissions"] == [grant("projects.view_project", p1)]
    client = bearer(APIClient(), response.json()["token"])
    assert ids(client.get(PROJECTS)) == [p1.pk]


# The command line --------------------------------------------------------------------------------

def test_issue_token_narrows_with_grant(world):
    from io import StringIO

    from django.core.management import call_command

    user, (p1, p2, _), invoices = world
    out = StringIO()
    call_command("issue_token", user.username, "--grant", "projects.view_project",
                 "--grant", f"projects.view_invoice projects.project:{p2.pk}",
                 stdout=out, stderr=StringIO())
    token = ApiToken.objects.get()
    assert token.permissions == [grant("projects.view_invoice", p2),
                                 grant("projects.view_project")]
    client = bearer(APIClient(), out.getvalue().strip())
    assert ids(client.get(INVOICES)) == sorted(i.pk for i in invoices[p2])


@pytest.mark.parametrize("text, message", [
    ("projects.view_project projects.project", "--grant projects.view_project projects.project: "
     'give "app_label.codename" or "app_label.codename app_label.model:pk", for example '
     '"projects.view_invoice projects.project:12".'),
    ("projects.change_project", "Cannot issue the token: permissions: projects.change_project: "
     "billing-sync does not hold this, so its token cannot carry it."),
])
def test_issue_token_refuses_a_bad_grant_in_one_line(world, text, message):
    from io import StringIO

    from django.core.management import CommandError, call_command

    user, *_ = world
    with pytest.raises(CommandError) as caught:
        call_command("issue_token", user.username, "--grant", text, stdout=StringIO(),
                     stderr=StringIO())
    assert str(caught.value) == message
    assert not ApiToken.objects.exists()
