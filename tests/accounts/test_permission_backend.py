"""Model-wide permissions are read in one statement and answer exactly as Django's do."""

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from tests.accounts.factories import PersonFactory, ProgrammaticUserFactory

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


def test_inactive_anonymous_and_object_checks_get_nothing(integration):
    from django.contrib.auth.models import AnonymousUser

    integration.is_active = False
    integration.save()
    assert fresh(integration).get_all_permissions() == set()
    assert not fresh(integration).has_perm("projects.view_project")
    assert AnonymousUser().get_all_permissions() == set()
    from accounts.backends import PersonalOnlyModelBackend
    assert PersonalOnlyModelBackend().get_all_permissions(PersonFactory(), obj=object()) == set()


def test_a_superuser_holds_every_permission():
    root = PersonFactory(is_superuser=True)
    assert len(fresh(root).get_all_permissions()) == Permission.objects.count()


def test_a_grant_applies_to_the_next_request(integration):
    assert not fresh(integration).has_perm("projects.change_project")
    integration.user_permissions.add(perm("projects.change_project"))
    assert fresh(integration).has_perm("projects.change_project")
