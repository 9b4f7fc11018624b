"""Django's permission questions answered by the engine's backend: in one statement, and with
exactly the answers of Django's ModelBackend (model-wide) and guardian's ObjectPermissionBackend
(per object), which it replaces."""

import itertools

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from guardian.backends import ObjectPermissionBackend

from accounts.backends import PersonalOnlyModelBackend
from accounts.models import User
from tests.accounts.factories import PersonFactory, ProgrammaticUserFactory
from tests.projects.factories import InvoiceFactory, ProjectFactory, give_object_perms

pytestmark = pytest.mark.django_db


def perm(name: str) -> Permission:
    app_label, codename = name.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def fresh(user) -> User:
    return User.objects.get(pk=user.pk)


@pytest.fixture
def integration():
    user = ProgrammaticUserFactory()
    user.user_permissions.add(perm("projects.view_project"))
    readers = Group.objects.create(name="invoice readers")
    readers.permissions.add(perm("projects.view_invoice"), perm("projects.view_project"))
    user.groups.add(readers)
    Group.objects.create(name="other").permissions.add(perm("projects.delete_project"))
    return user


def test_direct_and_group_permissions_in_one_statement(integration):
    user = fresh(integration)
    with CaptureQueriesContext(connection) as captured:
        assert user.has_perm("projects.view_project")
        assert user.has_perm("projects.view_invoice")
        assert not user.has_perm("projects.delete_project")
        assert not user.has_perm("projects.change_project")
    assert len(captured.captured_queries) == 1
    assert user.get_all_permissions() == {"projects.view_project", "projects.view_invoice"}


def test_the_answer_is_django_modelbackends(integration):
    ours = fresh(integration).get_all_permissions()
    user = fresh(integration)
    assert ours == ModelBackend().get_all_permissions(user)
    assert fresh(integration).has_module_perms("projects")
    assert not fresh(integration).has_module_perms("tokens")


def test_inactive_and_anonymous_get_nothing(integration):
    integration.is_active = False
    integration.save()
    assert fresh(integration).get_all_permissions() == set()
    assert not fresh(integration).has_perm("projects.view_project")
    assert not fresh(integration).has_module_perms("projects")
    assert AnonymousUser().get_all_permissions() == set()
    assert not AnonymousUser().has_perm("projects.view_project", ProjectFactory())


def test_a_superuser_holds_every_permission():
    root = PersonFactory(is_superuser=True)
    assert len(fresh(root).get_all_permissions()) == Permission.objects.count()


def test_a_grant_applies_to_the_next_request(integration):
    assert not fresh(integration).has_perm("projects.change_project")
    integration.user_permissions.add(perm("projects.change_project"))
    assert fresh(integration).has_perm("projects.change_project")


def test_the_login_backend_answers_no_permission_question(integration):
    backend = PersonalOnlyModelBackend()
    user = fresh(integration)
    assert not backend.has_perm(user, "projects.view_project")
    assert backend.get_all_permissions(user) == set()


def guardian_and_django(user, name: str, obj) -> bool:
    """What `user.has_perm(name, obj)` answered with ModelBackend + ObjectPermissionBackend."""
    if user.is_active and user.is_superuser:
        return True
    return (ModelBackend().has_perm(user, name, obj)
            or ObjectPermissionBackend().has_perm(user, name, obj))


def test_has_perm_on_objects_is_guardians_answer_over_the_access_matrix():
    projects = ProjectFactory.create_batch(2)
    invoices = [InvoiceFactory(project=projects[0]), InvoiceFactory(project=projects[1])]
    role = Group.objects.create(name="editors")
    direct = ProgrammaticUserFactory(username="direct")
    member = ProgrammaticUserFactory(username="member")
    member.groups.add(role)
    model_wide = ProgrammaticUserFactory(username="model-wide")
    model_wide.user_permissions.add(perm("projects.change_project"))
    inactive = ProgrammaticUserFactory(username="inactive", is_active=False)
    give_object_perms(direct, projects[0], "view_project", "change_project")
    give_object_perms(direct, invoices[1], "view_invoice")
    give_object_perms(role, projects[1], "view_project", "delete_project")
    give_object_perms(role, invoices[0], "change_invoice")
    give_object_perms(inactive, projects[0], "view_project")
    users = [direct, member, model_wide, inactive, PersonFactory(is_superuser=True),
             PersonFactory(username="outsider")]
    names = [f"projects.{action}_{model}" for action, model in
             itertools.product(("view", "change", "delete"), ("project", "invoice"))]
    answers = []
    for user, obj, name in itertools.product(users, [*projects, *invoices], names):
        if name.endswith(obj._meta.model_name):
            ours, theirs = fresh(user).has_perm(name, obj), guardian_and_django(fresh(user),
                                                                                 name, obj)
            answers.append((user.username, obj.pk, name, ours, theirs))
    assert [a for a in answers if a[3] != a[4]] == []
    assert sum(a[3] for a in answers) >= 10  # the matrix is not all refusals
    assert fresh(direct).get_all_permissions(projects[0]) == set(
        ObjectPermissionBackend().get_all_permissions(fresh(direct), projects[0]))
