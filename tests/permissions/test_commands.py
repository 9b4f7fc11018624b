"""manage.py grant_permission USERNAME APP.CODENAME [--object APP.MODEL:PK]"""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from guardian.shortcuts import get_perms

from audit.models import AuditEvent
from permissions import exceptions
from permissions.management.grant_command import OBJECT_FORMAT

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    err = StringIO()
    out = StringIO()
    call_command("grant_permission", *args, stdout=out, stderr=err)
    assert out.getvalue() == ""
    return err.getvalue()


def test_an_organisation_wide_grant_is_made_and_audited_as_the_system(programmatic_user):
    message = run("billing-sync", "projects.view_project")
    assert message == "Granted projects.view_project to billing-sync organisation-wide.\n"
    assert programmatic_user.has_perm("projects.view_project")
    event = AuditEvent.objects.get(event="permission.granted")
    assert (event.actor_id, event.target_id) == (None, str(programmatic_user.pk))
    assert event.details == {"permission": "projects.view_project", "object": None,
                             "via": "command"}


def test_an_object_grant_and_a_repeat(programmatic_user, project):
    first = run("billing-sync", "projects.change_project", "--object",
                f"projects.project:{project.pk}")
    again = run("billing-sync", "projects.change_project", "--object",
                f"projects.project:{project.pk}")
    assert first.startswith("Granted projects.change_project to billing-sync on projects.project")
    assert again.startswith("Already held: projects.change_project")
    assert get_perms(programmatic_user, project) == ["change_project"]
    assert AuditEvent.objects.filter(event="permission.granted").count() == 1


@pytest.mark.parametrize("args, reason", [
    (["nobody", "projects.view_project"], "No user named 'nobody'."),
    (["billing-sync", "nodot"], exceptions.BAD_PERMISSION_FORMAT),
    (["billing-sync", "x.y.z"], exceptions.BAD_PERMISSION_FORMAT),
    (["billing-sync", "projects.fly_project"], exceptions.UNKNOWN_PERMISSION),
    (["billing-sync", "projects.view_project", "--object", "projects.project"], OBJECT_FORMAT),
    (["billing-sync", "projects.view_project", "--object", "projects.project:"], OBJECT_FORMAT),
    (["billing-sync", "projects.view_project", "--object", "auth.user:1"],
     exceptions.BAD_OBJECT_TYPE),
    (["billing-sync", "projects.view_project", "--object", "projects.project:abc"],
     exceptions.NO_SUCH_OBJECT),
    (["billing-sync", "projects.view_project", "--object", "projects.project:999999"],
     exceptions.NO_SUCH_OBJECT),
    (["billing-sync", "projects.view_project", "--object", "projects.invoice:1"],
     exceptions.NO_SUCH_OBJECT),
])
def test_bad_input_fails_with_a_one_line_reason(programmatic_user, args, reason):
    with pytest.raises(CommandError) as caught:
        run(*args)
    assert str(caught.value) == reason
    assert "\n" not in str(caught.value)
    assert not programmatic_user.user_permissions.exists()
    assert not AuditEvent.objects.filter(event="permission.granted").exists()


@pytest.mark.parametrize("permission", ["projects.add_invoice", "accounts.configure_users"])
def test_a_permission_that_does_not_apply_to_the_object_fails(programmatic_user, project,
                                                              permission):
    # Creating invoices stays model-wide; a project carries only view/change/delete_invoice.
    with pytest.raises(CommandError) as caught:
        run("billing-sync", permission, "--object", f"projects.project:{project.pk}")
    assert str(caught.value) == exceptions.NOT_FOR_TYPE.format(type="projects.project")


def revoke(*args) -> str:
    out, err = StringIO(), StringIO()
    call_command("revoke_permission", *args, stdout=out, stderr=err)
    assert out.getvalue() == ""
    return err.getvalue()


def test_revoke_permission_takes_back_a_direct_grant_and_audits_it(programmatic_user, project):
    run("billing-sync", "projects.view_project", "--object", f"projects.project:{project.pk}")
    message = revoke("billing-sync", "projects.view_project", "--object",
                     f"projects.project:{project.pk}")
    assert message.startswith("Revoked projects.view_project from billing-sync on "
                              "projects.project")
    assert get_perms(programmatic_user, project) == []
    event = AuditEvent.objects.get(event="permission.revoked")
    assert (event.actor_id, event.target_id, event.details["via"]) == (
        None, str(programmatic_user.pk), "command")


def test_revoke_permission_of_what_is_not_held_fails_in_one_line(programmatic_user):
    with pytest.raises(CommandError) as caught:
        revoke("billing-sync", "projects.view_project")
    assert str(caught.value) == exceptions.NOT_HELD
    assert not AuditEvent.objects.filter(event="permission.revoked").exists()
