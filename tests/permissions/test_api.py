"""programmatic-users/{id}/permissions/: list, grant, revoke; no escalation; bad input."""

import pytest
from django.contrib.auth.models import Group
from guardian.shortcuts import get_perms

from audit.models import AuditEvent
from permissions import exceptions
from projects.models import ProjectUserObjectPermission
from tests.accounts.factories import PersonFactory, ProgrammaticUserFactory, group
from tests.conftest import api_error, client_for
from tests.projects.conftest import fresh_client
from tests.projects.factories import InvoiceFactory, ProjectFactory, give_object_perms

pytestmark = pytest.mark.django_db


def url(user) -> str:
    return f"/api/v1/programmatic-users/{user.pk}/permissions/"


def granted_events():
    return AuditEvent.objects.filter(event__in=["permission.granted", "permission.revoked"])


def nothing_stored(user) -> bool:
    return (
        not user.user_permissions.exists()
        and not ProjectUserObjectPermission.objects.filter(user=user).exists()
        and not granted_events().exists()
    )


class TestGrant:
    def test_an_organisation_wide_grant_is_201_then_200_and_written_once(
        self, project_configurator, programmatic_user
    ):
        client = client_for(project_configurator)
        body = {"permission": "projects.view_project"}
        first = client.post(url(programmatic_user), body)
        again = client.post(url(programmatic_user), body)
        assert first.status_code == 201
        assert again.status_code == 200
        assert first.json() == again.json() == {
            "permission": "projects.view_project", "object": None, "group": None
        }
        assert programmatic_user.user_permissions.count() == 1
        event = granted_events().get()
        assert (event.event, event.actor_username, event.target_id) == (
            "permission.granted", "pconf", str(programmatic_user.pk)
        )
        assert event.details == {"permission": "projects.view_project", "object": None}

    def test_an_object_grant_applies_to_the_next_request_and_its_revocation_too(
        self, project_configurator, programmatic_user, project
    ):
        other = ProjectFactory()
        admin = client_for(project_configurator)
        integration = fresh_client(programmatic_user)
        body = {"permission": "projects.view_project",
                "object": {"type": "projects.project", "id": project.pk}}
        assert integration.get("/api/v1/projects/").json()["results"] == []

        response = admin.post(url(programmatic_user), body)
        assert response.status_code == 201
        assert response.json() == {
            "permission": "projects.view_project",
            "object": {"type": "projects.project", "id": project.pk, "repr": "P-1 Pilot"},
            "group": None,
        }
        listed = integration.get("/api/v1/projects/").json()["results"]
        assert [p["id"] for p in listed] == [project.pk]
        assert integration.get(f"/api/v1/projects/{other.pk}/").status_code == 404

        assert admin.delete(url(programmatic_user), body).status_code == 204
        assert integration.get("/api/v1/projects/").json()["results"] == []
        assert integration.get(f"/api/v1/projects/{project.pk}/").status_code == 404
        assert [e.event for e in granted_events().order_by("id")] == [
            "permission.granted", "permission.revoked"
        ]
        revoked = granted_events().get(event="permission.revoked")
        assert revoked.details["object"] == {"type": "projects.project", "id": project.pk,
                                             "repr": "P-1 Pilot"}

    def test_revoking_what_is_not_held_is_404(self, project_configurator, programmatic_user):
        response = client_for(project_configurator).delete(
            url(programmatic_user), {"permission": "projects.view_project"}
        )
        assert response.status_code == 404
        assert api_error(response) == {"detail": exceptions.NOT_HELD, "code": "not_held"}
        assert not granted_events().exists()

    def test_an_organisation_wide_revocation_is_204(self, project_configurator,
                                                    programmatic_user):
        client = client_for(project_configurator)
        body = {"permission": "projects.change_project"}
        client.post(url(programmatic_user), body)
        assert client.delete(url(programmatic_user), body).status_code == 204
        assert not programmatic_user.user_permissions.exists()

    def test_the_list_shows_direct_and_group_grants(self, project_configurator,
                                                    programmatic_user, project):
        role = Group.objects.create(name="Readers")
        give_object_perms(role, project, "view_project")
        programmatic_user.groups.add(role)
        give_object_perms(programmatic_user, project, "change_project")
        client_for(project_configurator).post(url(programmatic_user),
                                              {"permission": "projects.view_project"})
        response = client_for(project_configurator).get(url(programmatic_user))
        assert response.status_code == 200
        ref = {"type": "projects.project", "id": project.pk, "repr": "P-1 Pilot"}
        assert response.json() == {"next": None, "previous": None, "results": [
            {"permission": "projects.view_project", "object": None, "group": None},
            {"permission": "projects.change_project", "object": ref, "group": None},
            {"permission": "projects.view_project", "object": ref, "group": "Readers"},
        ]}


class TestWho:
    def test_a_personal_or_unknown_target_is_404(self, project_configurator, person):
        client = client_for(project_configurator)
        body = {"permission": "projects.view_project"}
        for target_url in (url(person), "/api/v1/programmatic-users/999999/permissions/"):
            assert client.get(target_url).status_code == 404
            assert client.post(target_url, body).status_code == 404
        assert not person.user_permissions.exists()

    def test_a_caller_without_configure_users_is_403(self, programmatic_user):
        caller = PersonFactory()
        response = client_for(caller).post(url(programmatic_user),
                                           {"permission": "projects.view_project"})
        assert response.status_code == 403
        assert response.json()["detail"] == (
            "You need the accounts.configure_users permission."
        )

    def test_anonymous_is_401(self, programmatic_user):
        assert client_for(None).get(url(programmatic_user)).status_code == 401


class TestNoEscalation:
    def test_a_permission_the_caller_lacks_is_403_and_nothing_changes(
        self, project_configurator, programmatic_user
    ):
        response = client_for(project_configurator).post(
            url(programmatic_user), {"permission": "projects.delete_project"}
        )
        assert response.status_code == 403
        assert api_error(response) == {
            "detail": exceptions.NOT_GRANTABLE.format(permission="projects.delete_project"),
            "code": "not_grantable",
        }
        assert nothing_stored(programmatic_user)

    def test_revoking_a_permission_the_caller_lacks_is_403(
        self, project_configurator, programmatic_user, superuser
    ):
        client_for(superuser).post(url(programmatic_user),
                                   {"permission": "projects.delete_project"})
        response = client_for(project_configurator).delete(
            url(programmatic_user), {"permission": "projects.delete_project"}
        )
        assert response.status_code == 403
        assert programmatic_user.user_permissions.count() == 1

    def test_configure_users_is_for_superusers_to_give_even_if_the_caller_holds_it(
        self, project_configurator, programmatic_user, superuser
    ):
        body = {"permission": "accounts.configure_users"}
        response = client_for(project_configurator).post(url(programmatic_user), body)
        assert response.status_code == 403
        assert response.json()["detail"] == exceptions.SUPERUSER_ONLY.format(
            permission="accounts.configure_users"
        )
        assert nothing_stored(programmatic_user)
        assert client_for(superuser).post(url(programmatic_user), body).status_code == 201

    def test_holding_the_permission_on_the_object_is_enough_to_grant_it_there(
        self, programmatic_user
    ):
        caller = PersonFactory(username="owner")
        caller.groups.add(group("User configurators"))
        mine, theirs = ProjectFactory(), ProjectFactory()
        give_object_perms(caller, mine, "view_project", "change_project")
        client = client_for(caller)
        granted = client.post(url(programmatic_user), {
            "permission": "projects.change_project",
            "object": {"type": "projects.project", "id": mine.pk},
        })
        assert granted.status_code == 201
        hidden = client.post(url(programmatic_user), {
            "permission": "projects.change_project",
            "object": {"type": "projects.project", "id": theirs.pk},
        })
        missing = client.post(url(programmatic_user), {
            "permission": "projects.change_project",
            "object": {"type": "projects.project", "id": 999999},
        })
        assert hidden.status_code == missing.status_code == 400
        assert api_error(hidden) == api_error(missing) == {"object": [exceptions.NO_SUCH_OBJECT]}
        refused = client.post(url(programmatic_user), {
            "permission": "projects.delete_project",
            "object": {"type": "projects.project", "id": mine.pk},
        })
        assert refused.status_code == 403
        assert get_perms(programmatic_user, mine) == ["change_project"]


BAD_BODIES = [
    ({"permission": "nodot"}, "permission", exceptions.BAD_PERMISSION_FORMAT),
    ({"permission": "projects."}, "permission", exceptions.BAD_PERMISSION_FORMAT),
    ({"permission": ".view_project"}, "permission", exceptions.BAD_PERMISSION_FORMAT),
    ({"permission": "x.y.z"}, "permission", exceptions.BAD_PERMISSION_FORMAT),
    ({"permission": "projects.view project"}, "permission", exceptions.BAD_PERMISSION_FORMAT),
    ({"permission": 12}, "permission", exceptions.BAD_PERMISSION_FORMAT),
    ({"permission": "projects.view_project\n"}, "permission", exceptions.BAD_PERMISSION_FORMAT),
    ({"permission": ""}, "permission", None),
    ({}, "permission", None),
    ({"permission": "projects.fly_project"}, "permission", exceptions.UNKNOWN_PERMISSION),
    ({"permission": "nope.view_project"}, "permission", exceptions.UNKNOWN_PERMISSION),
    ({"permission": "projects.view_project", "object": {"type": "projects.invoice",
                                                        "id": "INVOICE"}},
     "permission", exceptions.NOT_FOR_TYPE.format(type="projects.invoice")),
    ({"permission": "projects.view_project", "object": {"type": "auth.user", "id": 1}},
     "object", exceptions.BAD_OBJECT_TYPE),
    ({"permission": "projects.view_project", "object": {"type": "projects", "id": 1}},
     "object", exceptions.BAD_OBJECT_TYPE),
    ({"permission": "projects.view_project", "object": {"type": "projects.project",
                                                        "id": 999999}},
     "object", exceptions.NO_SUCH_OBJECT),
    ({"permission": "projects.view_project", "object": {"type": "projects.project",
                                                        "id": "abc"}}, "object", None),
    ({"permission": "projects.view_project", "object": {"type": "projects.project",
                                                        "id": -1}}, "object", None),
    ({"permission": "projects.view_project", "object": {"type": "projects.project"}},
     "object", None),
    ({"permission": "projects.view_project", "object": "projects.project:1"}, "object", None),
]


class TestBadInput:
    @pytest.mark.parametrize("method", ["post", "delete"])
    @pytest.mark.parametrize("body, field, message", BAD_BODIES)
    def test_bad_bodies_are_400_with_a_field_error(
        self, superuser, programmatic_user, method, body, field, message
    ):
        invoice = InvoiceFactory()
        ref = body.get("object")
        if isinstance(ref, dict) and ref.get("id") == "INVOICE":
            body = {**body, "object": {**body["object"], "id": invoice.pk}}
        response = getattr(client_for(superuser), method)(url(programmatic_user), body)
        assert response.status_code == 400
        assert list(api_error(response)) == [field]
        if message is not None:
            assert response.json()[field] == [message]
        assert nothing_stored(programmatic_user)

    @pytest.mark.parametrize("payload", ["{not json", "[]", '"text"', "null"])
    def test_a_body_that_is_not_a_json_object_is_400(self, superuser, programmatic_user,
                                                     payload):
        response = client_for(superuser).generic(
            "POST", url(programmatic_user), payload, content_type="application/json"
        )
        assert response.status_code == 400
        assert nothing_stored(programmatic_user)

    def test_a_group_held_permission_cannot_be_revoked_on_the_user(
        self, superuser, programmatic_user, project
    ):
        role = Group.objects.create(name="Readers")
        give_object_perms(role, project, "view_project")
        programmatic_user.groups.add(role)
        response = client_for(superuser).delete(url(programmatic_user), {
            "permission": "projects.view_project",
            "object": {"type": "projects.project", "id": project.pk},
        })
        assert response.status_code == 404


def test_grants_are_recorded_for_the_programmatic_user_only_once(superuser):
    integration = ProgrammaticUserFactory()
    client = client_for(superuser)
    for _ in range(3):
        client.post(url(integration), {"permission": "projects.add_project"})
    assert granted_events().count() == 1
