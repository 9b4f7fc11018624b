"""The no-escalation rule's edges (permissions.policy), called as every write path calls it:
through the services. The matrix (tests/permissions/escalation) covers every path."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from accounts import hooks, services
from accounts.models import User
from audit.models import AuditEvent
from permissions import exceptions, policy
from permissions.services import group_permission_grant, permission_grant
from tests.accounts.factories import PersonFactory, ProgrammaticUserFactory, group
from tests.projects.factories import ProjectFactory, give_model_perms, give_object_perms
from tests.tokens.factories import ApiTokenFactory
from tokens import services as token_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def project():
    return ProjectFactory(code="P-1")


@pytest.fixture
def team(project):
    team = Group.objects.create(name="Project team")
    give_object_perms(team, project, "delete_project")
    return team


@pytest.fixture
def carla():
    user = PersonFactory(username="carla", is_staff=True)
    user.groups.add(group("User configurators"), group("Token configurators"))
    return user


def refusal(call, **kwargs):
    with pytest.raises(exceptions.Refused) as refused:
        call(**kwargs)
    return refused.value


def test_a_model_wide_permission_covers_every_object(carla, team):
    give_model_perms(carla, "projects.delete_project")
    robot = ProgrammaticUserFactory(username="robot")
    services.programmatic_user_update(actor=carla, user=robot, groups=[team])
    assert list(robot.groups.all()) == [team]


def test_an_object_permission_on_another_object_does_not_cover(carla, team):
    give_object_perms(carla, ProjectFactory(code="Q-1"), "delete_project")
    robot = ProgrammaticUserFactory(username="robot")
    error = refusal(services.programmatic_user_update, actor=carla, user=robot, groups=[team])
    assert (error.message, error.field) == (
        exceptions.GROUPS_NOT_GRANTABLE.format(names="Project team"), "groups")
    assert not robot.groups.exists()


def test_an_inactive_account_keeps_what_it_holds_so_it_cannot_be_reactivated(carla):
    robot = ProgrammaticUserFactory(username="retired", is_active=False)
    give_model_perms(robot, "audit.view_auditevent")
    error = refusal(services.programmatic_user_update, actor=carla, user=robot, is_active=True)
    assert error.message == exceptions.MORE_PRIVILEGED.format(username="retired")
    robot.refresh_from_db()
    assert robot.is_active is False


def test_an_inactive_actor_holds_nothing(carla):
    carla.is_active = False
    carla.save()
    error = refusal(services.programmatic_user_create, actor=carla, username="x",
                    contact_email="o@example.com")
    assert error.message == exceptions.NOT_A_CONFIGURATOR
    assert not User.objects.filter(username="x").exists()


@pytest.mark.parametrize("role, permission", [
    ("Token configurators", "tokens.issue_token"),
    ("User configurators", "accounts.configure_users"),
])
def test_a_superuser_only_permission_reaches_a_robot_through_no_group(carla, superuser, role,
                                                                       permission):
    robot = ProgrammaticUserFactory(username="robot")
    error = refusal(services.programmatic_user_update, actor=carla, user=robot,
                    groups=[group(role)])
    assert error.message == exceptions.SUPERUSER_ONLY.format(permission=permission)
    innocent = Group.objects.create(name="Innocent")
    innocent.user_set.add(robot)
    error = refusal(services.group_update, actor=carla, group=innocent,
                    permissions=group(role).permissions.all())
    assert error.message == exceptions.GROUP_SUPERUSER_ONLY.format(permission=permission)
    assert not innocent.permissions.exists()
    services.programmatic_user_update(actor=superuser, user=robot, groups=[group(role)])
    assert robot.has_perm(permission)


def test_a_group_without_programmatic_members_may_carry_them_until_a_robot_joins(carla):
    role = services.group_create(actor=carla, name="Issuers",
                                 permissions=group("Token configurators").permissions.all())
    robot = ProgrammaticUserFactory(username="robot")
    error = refusal(services.programmatic_user_update, actor=carla, user=robot, groups=[role])
    assert error.message == exceptions.SUPERUSER_ONLY.format(permission="tokens.issue_token")


@pytest.mark.parametrize("flag", ["is_staff", "is_active"])
def test_nobody_but_a_superuser_changes_its_own_staff_or_active_flag(carla, flag):
    error = refusal(services.person_update, actor=carla, person=carla, **{flag: False})
    assert (error.message, error.field) == (exceptions.OWN_FLAGS, flag)


def test_only_a_superuser_makes_a_superuser(carla, superuser):
    bob = PersonFactory(username="bob")
    error = refusal(services.person_update, actor=carla, person=bob, is_superuser=True)
    assert error.message == exceptions.SUPERUSER_FLAG
    services.person_update(actor=superuser, person=bob, is_superuser=True)
    bob.refresh_from_db()
    assert bob.is_superuser


def test_a_group_member_who_outranks_the_actor_protects_the_group(carla, project):
    readers = Group.objects.create(name="Readers")
    auditor = PersonFactory(username="audrey")
    auditor.groups.add(group("Auditors"), readers)
    give_model_perms(carla, "projects.view_project")
    error = refusal(group_permission_grant, actor=carla, group=readers,
                    permission="projects.view_project", obj=project)
    assert error.message == exceptions.MEMBER_MORE_PRIVILEGED.format(username="audrey")
    error = refusal(services.group_delete, actor=carla, group=readers)
    assert error.message == exceptions.MEMBER_MORE_PRIVILEGED.format(username="audrey")
    assert Group.objects.filter(name="Readers").exists()


def test_a_token_is_the_robots_credential(carla, project):
    robot = ProgrammaticUserFactory(username="robot")
    give_object_perms(robot, project, "view_project")
    error = refusal(token_services.token_issue, actor=carla, user=robot, name="mine")
    assert error.message == exceptions.MORE_PRIVILEGED.format(username="robot")
    token = ApiTokenFactory(user=robot)
    error = refusal(token_services.token_rotate, actor=carla, token=token)
    token.refresh_from_db()
    assert token.rotated_at is None
    give_object_perms(carla, project, "view_project")
    assert token_services.token_issue(actor=carla, user=robot, name="mine").plaintext


def test_a_token_rotating_itself_is_not_an_escalation(project):
    robot = ProgrammaticUserFactory(username="robot")
    give_object_perms(robot, project, "view_project")
    issued = token_services.token_self_rotate(token=ApiTokenFactory(user=robot))
    assert issued.token.user == robot


def test_commands_act_as_the_system_through_the_same_services(capsys):
    call_command("create_programmatic_user", "admin-bot", "--contact-email", "o@example.com",
                 "--group", "User configurators")
    robot = User.objects.get(username="admin-bot")
    assert robot.has_perm("accounts.configure_users")
    call_command("grant_permission", "admin-bot", "tokens.issue_token")
    assert list(AuditEvent.objects.order_by("id").values_list("event", "actor_id")) == [
        ("user.created", None), ("permission.granted", None), ("permission.granted", None)]


def test_without_the_rule_registered_every_change_is_refused(monkeypatch, superuser):
    monkeypatch.setattr(hooks, "_escalation_guard", [])
    with pytest.raises(RuntimeError, match="No escalation guard"):
        services.programmatic_user_create(actor=superuser, username="x",
                                          contact_email="o@example.com")
    assert not User.objects.filter(username="x").exists()


def test_a_grant_to_oneself_counts_as_a_grant(carla):
    error = refusal(permission_grant, actor=carla, user=carla,
                    permission="audit.view_auditevent")
    assert error.message == exceptions.NOT_GRANTABLE.format(permission="audit.view_auditevent")


def test_may_change_account_is_what_the_admin_asks(carla, superuser):
    assert policy.may_change_account(carla, PersonFactory(username="plain"))
    assert not policy.may_change_account(carla, superuser)
    assert not policy.may_change_account(PersonFactory(username="nobody"), carla)
