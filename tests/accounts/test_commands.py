from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from audit.models import AuditEvent
from tests.accounts.factories import PersonFactory, ProgrammaticUserFactory
from tests.tokens.factories import ApiTokenFactory, bearer

pytestmark = pytest.mark.django_db


def test_create_programmatic_user_creates_and_audits(capsys):
    call_command("create_programmatic_user", "erp-export", "--contact-email", "o@example.com",
                 "--description", "Exports", "--group", "Auditors")
    user = User.objects.get(username="erp-export")
    assert user.category == "programmatic"
    assert list(user.groups.values_list("name", flat=True)) == ["Auditors"]
    out, err = capsys.readouterr()
    assert out == ""
    assert "Created programmatic user erp-export" in err
    assert AuditEvent.objects.filter(event="user.created", actor_id=None).count() == 1


@pytest.mark.parametrize("args,message", [
    (["erp", "--contact-email", "bad"], "Invalid programmatic user: contact_email"),
    (["erp", "--contact-email", "o@example.com", "--group", "Nope"], "Unknown group: Nope."),
    (["Taken", "--contact-email", "o@example.com"], "A user named 'Taken' already exists."),
])
def test_create_programmatic_user_bad_input_is_a_one_line_error(args, message):
    PersonFactory(username="taken")
    with pytest.raises(CommandError) as err:
        call_command("create_programmatic_user", *args)
    assert str(err.value).startswith(message)
    assert "\n" not in str(err.value)
    assert not User.objects.filter(username="erp").exists()


def test_contact_email_is_required():
    with pytest.raises(CommandError):
        call_command("create_programmatic_user", "erp")


# deactivate_user ------------------------------------------------------------------------------

def deactivate(username: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("deactivate_user", username, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_deactivate_user_deactivates_a_programmatic_user_and_revokes_each_working_token():
    robot = ProgrammaticUserFactory(username="robot")
    working = [ApiTokenFactory(user=robot), ApiTokenFactory(user=robot)]
    already = ApiTokenFactory(user=robot, revoked_at=timezone.now(), revoked_reason="old")
    other = ApiTokenFactory()

    out, err = deactivate("ROBOT")  # usernames are unique whatever their case

    assert out == ""
    assert err == f"Deactivated programmatic user robot (id {robot.pk}); its tokens are revoked.\n"
    robot.refresh_from_db()
    assert robot.is_active is False
    revoked = AuditEvent.objects.filter(event="token.revoked").order_by("token_id")
    assert [(e.token_id, e.details, e.actor_id, e.actor_username) for e in revoked] == [
        (token.pk, {"reason": "user deactivated"}, None, "") for token in working]
    for token in working:
        token.refresh_from_db()
        assert token.revoked_reason == "user deactivated"
        response = bearer(APIClient(), token.plaintext).get("/api/v1/me/")
        assert response.status_code == 401
    already.refresh_from_db()
    assert already.revoked_reason == "old"
    assert bearer(APIClient(), other.plaintext).get("/api/v1/me/").status_code == 200
    [event] = AuditEvent.objects.filter(event="user.deactivated")
    assert (event.actor_id, event.target_type, event.target_id) == (
        None, "accounts.user", str(robot.pk))


def test_deactivate_user_deactivates_a_person():
    person = PersonFactory(username="leaver", is_staff=True)
    out, err = deactivate("leaver")
    assert (out, err) == ("", f"Deactivated person leaver (id {person.pk}).\n")
    person.refresh_from_db()
    assert person.is_active is False
    [event] = AuditEvent.objects.filter(event="user.deactivated")
    assert (event.actor_id, event.target_id) == (None, str(person.pk))
    assert not AuditEvent.objects.filter(event="token.revoked").exists()


@pytest.mark.parametrize("username, message", [
    ("ghost", "No user named 'ghost'."),
    ("AnonymousUser", "No user named 'AnonymousUser'."),
    ("sleeper", "User sleeper is already inactive."),
    ("old-robot", "User old-robot is already inactive."),
])
def test_deactivate_user_refuses_an_unknown_or_inactive_user_in_one_line(username, message):
    from guardian.utils import get_anonymous_user

    get_anonymous_user()
    PersonFactory(username="sleeper", is_active=False)
    ProgrammaticUserFactory(username="old-robot", is_active=False)
    with pytest.raises(CommandError) as caught:
        deactivate(username)
    assert (caught.value.returncode, str(caught.value)) == (1, message)
    assert not AuditEvent.objects.exists()
