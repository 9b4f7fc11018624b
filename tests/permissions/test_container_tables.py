"""A project's permission tables hold the project's permissions and those it carries for its
invoices (not creating them); anything else is refused as guardian refuses it."""

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError

from permissions.models import NOT_FOR_THIS_TYPE
from projects.models import ProjectGroupObjectPermission, ProjectUserObjectPermission
from tests.accounts.factories import ProgrammaticUserFactory
from tests.projects.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def perm(app_label: str, codename: str) -> Permission:
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


@pytest.mark.parametrize("codename", ["view_project", "change_project", "view_invoice",
                                      "change_invoice", "delete_invoice"])
def test_a_project_holds_its_own_and_its_invoices_permissions(codename):
    grant = ProjectUserObjectPermission.objects.create(
        user=ProgrammaticUserFactory(), content_object=ProjectFactory(),
        permission=perm("projects", codename))
    assert grant.pk is not None


@pytest.mark.parametrize(("app_label", "codename"), [
    ("projects", "add_invoice"), ("accounts", "configure_users"), ("tokens", "issue_token"),
])
def test_anything_else_is_refused_on_a_project(app_label, codename):
    from django.contrib.auth.models import Group

    for table, holder in ((ProjectUserObjectPermission, {"user": ProgrammaticUserFactory()}),
                          (ProjectGroupObjectPermission,
                           {"group": Group.objects.create(name=f"g-{codename}")})):
        with pytest.raises(ValidationError) as refused:
            table.objects.create(content_object=ProjectFactory(),
                                 permission=perm(app_label, codename), **holder)
        assert refused.value.messages == [NOT_FOR_THIS_TYPE.format(type="projects.project")]
    assert not ProjectUserObjectPermission.objects.exists()
