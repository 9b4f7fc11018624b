"""notify_expiring_tokens: one mail per contact, once per token and expiry, recorded."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from audit.models import AuditEvent
from tests.accounts.factories import ProgrammaticUserFactory
from tests.tokens.factories import ApiTokenFactory

pytestmark = pytest.mark.django_db


def notify(*args) -> str:
    err = StringIO()
    call_command("notify_expiring_tokens", *args, stderr=err, stdout=StringIO())
    return err.getvalue().strip()


def in_days(days):
    return timezone.now() + timedelta(days=days)


@pytest.fixture
def tokens():
    erp = ProgrammaticUserFactory(username="erp", contact_email="ann@example.com")
    bi = ProgrammaticUserFactory(username="bi", contact_email="ann@example.com")
    crm = ProgrammaticUserFactory(username="crm", contact_email="bob@example.com")
    retired = ProgrammaticUserFactory(username="old", contact_email="bob@example.com",
                                      is_active=False)
    return {
        "erp": ApiTokenFactory(user=erp, name="erp-sync", expires_at=in_days(3)),
        "bi": ApiTokenFactory(user=bi, name="bi-export", expires_at=in_days(10)),
        "crm": ApiTokenFactory(user=crm, name="crm", expires_at=in_days(5)),
        "later": ApiTokenFactory(user=crm, name="later", expires_at=in_days(40)),
        "revoked": ApiTokenFactory(user=crm, name="revoked", expires_at=in_days(2),
                                   revoked_at=timezone.now(), revoked_reason="x"),
        "inactive": ApiTokenFactory(user=retired, name="inactive", expires_at=in_days(2)),
    }


def test_one_mail_per_contact_listing_their_tokens(tokens):
    assert notify() == "Notified 2 contacts about 3 tokens."
    by_contact = {message.to[0]: message for message in mail.outbox}
    assert set(by_contact) == {"ann@example.com", "bob@example.com"}
    ann = by_contact["ann@example.com"].body
    assert "erp-sync" in ann and "bi-export" in ann and "crm" not in ann
    bob = by_contact["bob@example.com"].body
    assert "crm (" in bob
    for skipped in ("later", "revoked", "inactive"):
        assert f"{skipped} (" not in bob
    for token in tokens.values():
        for message in mail.outbox:
            assert token.plaintext not in message.body and token.digest not in message.body
    assert by_contact["ann@example.com"].subject == "API tokens expiring within 14 days"
    events = AuditEvent.objects.filter(event="token.expiry_notified").order_by("token_id")
    assert sorted(e.token_id for e in events) == sorted(
        tokens[n].pk for n in ("erp", "bi", "crm"))
    erp_event = events.get(token_id=tokens["erp"].pk)
    assert erp_event.details["contact"] == "ann@example.com"
    assert erp_event.details["expires_at"] == tokens["erp"].expires_at.isoformat()


def test_running_again_sends_nothing_until_an_expiry_changes(tokens):
    notify()
    mail.outbox.clear()
    assert notify() == "Notified 0 contacts about 0 tokens."
    assert mail.outbox == []
    token = tokens["crm"]
    token.expires_at = in_days(6)
    token.save(update_fields=["expires_at"])
    assert notify() == "Notified 1 contacts about 1 tokens."
    assert mail.outbox[0].to == ["bob@example.com"]


def test_the_window_is_a_flag(tokens):
    assert notify("--days", "4") == "Notified 1 contacts about 1 tokens."


@pytest.mark.parametrize("days", ["0", "366"])
def test_bad_days_are_one_line(days):
    with pytest.raises(CommandError) as caught:
        notify("--days", days)
    assert str(caught.value) == "--days must be a whole number from 1 to 365."


def test_a_token_already_rotated_is_not_asked_to_rotate(tokens):
    """Issue 18: the expiry mail asked to rotate a token already rotated (in its grace)."""
    from tokens.services import token_rotate

    successor = token_rotate(actor=None, token=tokens["erp"], grace_hours=24).token
    assert notify() == "Notified 2 contacts about 3 tokens."  # the successor expires soon too
    ann = next(message for message in mail.outbox if message.to == ["ann@example.com"]).body
    assert f"erp-sync ({tokens['erp'].hint}…)" not in ann
    assert f"erp-sync ({successor.hint}…)" in ann and "bi-export (" in ann
    notified = AuditEvent.objects.filter(event="token.expiry_notified")
    assert not notified.filter(token_id=tokens["erp"].pk).exists()
    assert notified.filter(token_id=successor.pk).exists()


def test_a_suspended_token_is_not_listed(tokens):
    from tokens.suspension import token_suspend

    token_suspend(actor=None, token=tokens["crm"])
    assert notify() == "Notified 1 contacts about 2 tokens."
    assert [message.to for message in mail.outbox] == [["ann@example.com"]]
