import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import User
from audit.models import AuditEvent
from tests.accounts.factories import PersonFactory

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
