"""The admin's object-permission page of a project offers the invoice permissions it can carry
(a grant there covers every invoice of the project), through the services like any grant; the
effective-permissions page says what such a grant covers."""

import pytest

from audit.models import AuditEvent
from permissions import exceptions
from projects.models import ProjectUserObjectPermission
from tests.accounts.factories import PersonFactory, group
from tests.conftest import browser_for
from tests.projects.factories import InvoiceFactory, ProjectFactory, give_model_perms

pytestmark = pytest.mark.django_db


def manage_user_url(project, user) -> str:
    return f"/admin/projects/project/{project.pk}/permissions/user-manage/{user.pk}/"


def stored(user, project) -> list[str]:
    return sorted(ProjectUserObjectPermission.objects.filter(
        user=user, content_object=project).values_list("permission__codename", flat=True))


@pytest.fixture
def bookkeeper(db):
    """A User configurator who may view projects and view/change invoices organisation-wide."""
    user = PersonFactory(username="books", is_staff=True)
    user.groups.add(group("User configurators"))
    give_model_perms(user, "projects.view_project", "projects.change_project",
                     "projects.view_invoice", "projects.change_invoice")
    return user


def test_the_page_offers_the_invoice_permissions_of_the_project_but_not_creating_them(
    bookkeeper, programmatic_user
):
    project = ProjectFactory()
    page = browser_for(bookkeeper).get(manage_user_url(project, programmatic_user))
    assert page.status_code == 200
    choices = page.context["form"].fields["permissions"].choices
    codenames = [codename for codename, _ in choices]
    assert codenames[:4] == ["add_project", "change_project", "delete_project", "view_project"]
    assert sorted(codenames[4:]) == ["change_invoice", "delete_invoice", "view_invoice"]
    assert dict(choices)["view_invoice"] == "Can view invoice (every invoice of this project)"


def test_granting_view_invoice_there_lets_the_user_read_every_invoice_of_it(
    bookkeeper, programmatic_user
):
    project, other = ProjectFactory(), ProjectFactory()
    mine, theirs = InvoiceFactory(project=project), InvoiceFactory(project=other)
    client = browser_for(bookkeeper)

    response = client.post(manage_user_url(project, programmatic_user),
                           {"permissions": ["view_project", "view_invoice"]})

    assert response.status_code == 302
    assert stored(programmatic_user, project) == ["view_invoice", "view_project"]
    event = AuditEvent.objects.get(event="permission.granted",
                                   details__permission="projects.view_invoice")
    assert event.details["object"]["type"] == "projects.project"
    assert programmatic_user.has_perm("projects.view_invoice", mine)
    assert not programmatic_user.has_perm("projects.view_invoice", theirs)
    form = client.get(manage_user_url(project, programmatic_user)).context["form"]
    assert sorted(form.fields["permissions"].initial) == ["view_invoice", "view_project"]

    assert client.post(manage_user_url(project, programmatic_user),
                       {"permissions": ["view_project"]}).status_code == 302
    assert stored(programmatic_user, project) == ["view_project"]
    assert AuditEvent.objects.filter(event="permission.revoked",
                                     details__permission="projects.view_invoice").exists()


def test_the_page_refuses_an_invoice_permission_the_configurator_lacks(
    bookkeeper, programmatic_user
):
    project = ProjectFactory()
    response = browser_for(bookkeeper).post(manage_user_url(project, programmatic_user),
                                            {"permissions": ["delete_invoice"]})
    assert response.status_code == 200
    assert exceptions.NOT_GRANTABLE.format(permission="projects.delete_invoice") in (
        response.content.decode())
    assert stored(programmatic_user, project) == []
    assert not AuditEvent.objects.filter(event="permission.granted").exists()


def test_the_effective_permissions_page_says_what_a_project_grant_covers(
    bookkeeper, programmatic_user, configurator
):
    project = ProjectFactory(code="P-9", name="Nine")
    browser_for(bookkeeper).post(manage_user_url(project, programmatic_user),
                                 {"permissions": ["view_invoice"]})
    page = browser_for(configurator).get(
        f"/admin/accounts/programmaticuser/{programmatic_user.pk}/effective-permissions/")
    text = page.content.decode()
    assert "P-9 Nine" in text
    assert '<code>view_invoice</code> <span class="covers">(on every invoice of it)</span>' in text
