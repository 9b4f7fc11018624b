"""Admin of projects and invoices: pickers show people only; guardian's object-permissions page
writes through the permissions services (audited, no escalation)."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from guardian.shortcuts import get_group_perms, get_perms

from audit.models import AuditEvent
from permissions import exceptions
from permissions.admin_views import effective_permissions
from projects.models import Project, ProjectUserObjectPermission
from tests.accounts.factories import PersonFactory, ProgrammaticUserFactory, group
from tests.conftest import browser_for
from tests.projects.factories import ProjectFactory, give_model_perms, give_object_perms

pytestmark = pytest.mark.django_db


@pytest.fixture
def project_admin(db):
    """Staff, User configurator, may view and change projects organisation-wide (no delete)."""
    user = PersonFactory(username="padmin", is_staff=True)
    user.groups.add(group("User configurators"))
    give_model_perms(user, "projects.view_project", "projects.change_project")
    return user


def manage_user_url(project, user) -> str:
    return f"/admin/projects/project/{project.pk}/permissions/user-manage/{user.pk}/"


def test_the_changelist_and_search_work(superuser):
    ProjectFactory(code="ALPHA", name="Harbour")
    ProjectFactory(code="BETA", name="Bridge")
    response = browser_for(superuser).get("/admin/projects/project/?q=alpha")
    assert response.status_code == 200
    assert b"ALPHA" in response.content and b"BETA" not in response.content
    assert browser_for(superuser).get("/admin/projects/invoice/").status_code == 200


def test_the_manager_picker_offers_active_people_only(superuser):
    person = PersonFactory(username="alice")
    ProgrammaticUserFactory(username="robot")
    PersonFactory(username="gone", is_active=False)
    client = browser_for(superuser)
    response = client.get(
        "/admin/autocomplete/?app_label=projects&model_name=project&field_name=manager&term="
    )
    names = {row["text"] for row in response.json()["results"]}
    assert person.username in names
    assert not {"robot", "gone", "AnonymousUser"} & names


def test_adding_a_project_in_the_admin_goes_through_the_service(superuser):
    response = browser_for(superuser).post("/admin/projects/project/add/", {
        "code": "ADM-1", "name": "From admin", "client": "", "status": "planned",
        "budget": "10.00",
    })
    assert response.status_code == 302, response.content
    project = Project.objects.get(code="ADM-1")
    stored = ProjectUserObjectPermission.objects.filter(user=superuser, content_object=project)
    assert sorted(stored.values_list("permission__codename", flat=True)) == [
        "change_project", "delete_project", "view_project"
    ]
    assert AuditEvent.objects.filter(event="permission.granted").count() == 3


def test_the_object_permissions_page_grants_a_programmatic_user_through_the_service(
    project_admin, programmatic_user
):
    project = ProjectFactory()
    client = browser_for(project_admin)
    assert client.get(f"/admin/projects/project/{project.pk}/permissions/").status_code == 200
    response = client.post(manage_user_url(project, programmatic_user),
                           {"permissions": ["view_project", "change_project"]})
    assert response.status_code == 302
    assert sorted(get_perms(programmatic_user, project)) == ["change_project", "view_project"]
    events = AuditEvent.objects.filter(event="permission.granted", actor_id=project_admin.pk)
    assert sorted(e.details["permission"] for e in events) == [
        "projects.change_project", "projects.view_project"
    ]

    response = client.post(manage_user_url(project, programmatic_user),
                           {"permissions": ["view_project"]})
    assert response.status_code == 302
    assert get_perms(programmatic_user, project) == ["view_project"]
    assert AuditEvent.objects.filter(event="permission.revoked").count() == 1


def test_the_object_permissions_page_refuses_escalation(project_admin, programmatic_user):
    project = ProjectFactory()
    response = browser_for(project_admin).post(manage_user_url(project, programmatic_user),
                                               {"permissions": ["delete_project"]})
    assert response.status_code == 200
    assert exceptions.NOT_GRANTABLE.format(permission="projects.delete_project") in (
        response.content.decode()
    )
    assert get_perms(programmatic_user, project) == []
    assert not AuditEvent.objects.filter(event="permission.granted").exists()


def test_the_object_permissions_page_grants_a_group(project_admin):
    project = ProjectFactory()
    role = Group.objects.create(name="Project readers")
    url = f"/admin/projects/project/{project.pk}/permissions/group-manage/{role.pk}/"
    response = browser_for(project_admin).post(url, {"permissions": ["view_project"]})
    assert response.status_code == 302
    assert list(get_group_perms(role, project).values_list("codename", flat=True)) == [
        "view_project"
    ]
    event = AuditEvent.objects.get(event="permission.granted")
    assert (event.target_type, event.target_repr) == ("auth.group", "Project readers")


class TestEffectivePermissionsPage:
    def request_as(self, user):
        request = RequestFactory().get("/")
        request.user = user
        return request

    def test_it_lists_grants_with_their_sources(self, configurator, programmatic_user):
        project = ProjectFactory(code="P-7", name="Seven")
        role = Group.objects.create(name="Readers")
        give_model_perms(role, "projects.view_invoice")
        give_object_perms(role, project, "view_project")
        give_object_perms(programmatic_user, project, "change_project")
        programmatic_user.groups.add(role)
        response = effective_permissions(self.request_as(configurator), programmatic_user.pk)
        response.render()
        page = response.content.decode()
        assert "Effective permissions of billing-sync" in page
        assert "projects.view_invoice" in page and "Readers" in page
        assert "P-7 Seven" in page and "change_project" in page and "direct" in page

    def test_it_is_for_configurators_only(self, person, programmatic_user):
        with pytest.raises(PermissionDenied):
            effective_permissions(self.request_as(person), programmatic_user.pk)
