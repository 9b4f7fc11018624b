"""Permission reads: one statement each, sources named, nothing for the inactive."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured
from rest_framework import viewsets

from accounts.models import User
from permissions import selectors
from permissions.permissions import ObjectPermissions
from projects.models import Project
from tests.accounts.factories import PersonFactory
from tests.projects.factories import ProjectFactory, give_model_perms, give_object_perms

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(db):
    user = PersonFactory(username="member")
    role = Group.objects.create(name="Managers")
    give_model_perms(role, "projects.view_project")
    give_model_perms(user, "projects.view_project", "projects.add_project")
    user.groups.add(role)
    return user


def test_model_permissions_cost_one_statement_once_per_user_object(
    member, django_assert_num_queries
):
    user = User.objects.get(pk=member.pk)
    with django_assert_num_queries(1):
        assert selectors.model_permissions(user) == {"projects.view_project",
                                                     "projects.add_project"}
        assert selectors.has_model_permission(user, "projects.add_project")
        assert not selectors.has_model_permission(user, "projects.delete_project")


def test_object_permissions_cost_one_statement(member, django_assert_num_queries):
    project = ProjectFactory()
    give_object_perms(member, project, "change_project")
    give_object_perms(member.groups.get(), project, "delete_project")
    with django_assert_num_queries(1):
        assert selectors.object_permissions(member, project) == {"change_project",
                                                                 "delete_project"}


def test_stored_grants_name_every_source(member):
    project = ProjectFactory()
    give_object_perms(member, project, "view_project")
    give_object_perms(member.groups.get(), project, "view_project", "change_project")
    grants = selectors.stored_grants(member)
    assert grants.global_perms == {
        "projects.add_project": ["direct"],
        "projects.view_project": ["direct", "Managers"],
    }
    assert grants.objects == {"projects.project": {project.pk: {
        "view_project": ["direct", "Managers"], "change_project": ["Managers"],
    }}}


def test_an_inactive_user_gets_nothing_from_any_path(member):
    project = ProjectFactory()
    give_object_perms(member, project, "view_project")
    member.is_active = False
    member.save()
    user = User.objects.get(pk=member.pk)
    assert selectors.model_permissions(user) == frozenset()
    assert selectors.object_permissions(user, project) == frozenset()
    assert not selectors.permitted(Project.objects.all(), user).exists()
    assert selectors.effective_permissions(user).global_perms == {}


def test_permitted_is_a_subquery_not_a_list_of_ids(member):
    give_model_perms(member, "projects.view_project")
    outsider = PersonFactory()
    sql = str(selectors.permitted(Project.objects.all(), outsider).query)
    assert "projects_projectuserobjectpermission" in sql
    assert "projects_projectgroupobjectpermission" in sql


def test_object_permissions_without_the_filter_is_a_configuration_error(rf, person):
    class Careless(viewsets.ReadOnlyModelViewSet):
        queryset = Project.objects.all()
        permission_classes = [ObjectPermissions]
        filter_backends = []

    request = rf.get("/")
    request.user = person
    with pytest.raises(ImproperlyConfigured):
        ObjectPermissions().has_permission(request, Careless())
