"""Reuse detection (GitLab's): a rotated-out token presented after its grace period revokes its
whole family and e-mails the accountable contact once; the request still gets the same 401."""

import datetime
import logging
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import DatabaseError
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AuditEvent
from tests.accounts.factories import ProgrammaticUserFactory
from tests.conftest import api_error
from tests.tokens.factories import ApiTokenFactory, bearer
from tokens import reuse, services
from tokens.conf import REUSE_DETECTION_DELAY_SECONDS
from tokens.models import ApiToken

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"
INVALID = {"detail": "Invalid or expired token.", "code": "invalid_token"}


class BrokenMailBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPConnectError(421, "mail server down")


def present(plaintext: str, **extra):
    return bearer(APIClient(), plaintext).get(ME, **extra)


def assert_same_401(response):
    assert response.status_code == 401
    assert api_error(response) == INVALID
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def end_grace(token: ApiToken, *, ago: int = REUSE_DETECTION_DELAY_SECONDS + 1) -> None:
    """The grace period of `token` ended `ago` seconds ago (by default: long enough ago that
    presenting it is a reuse, not a request already on its way)."""
    past = timezone.now() - datetime.timedelta(seconds=ago)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=past, grace_until=past)


@pytest.fixture
def rotated(programmatic_user):
    """(old, new): `old` rotated by a configurator into `new`, its grace period over."""
    programmatic_user.contact_email = "owner@example.com"
    programmatic_user.save()
    old = ApiTokenFactory(user=programmatic_user, name="erp")
    issued = services.token_rotate(actor=None, token=old, grace_hours=2)
    issued.token.plaintext = issued.plaintext
    end_grace(old)
    return old, issued.token


def test_a_rotated_out_token_after_its_grace_revokes_its_family_and_mails_once(rotated):
    old, new = rotated
    assert present(new.plaintext).status_code == 200

    response = present(old.plaintext, REMOTE_ADDR="198.51.100.23")

    assert_same_401(response)
    failure = AuditEvent.objects.get(event="auth.failed")
    assert (failure.details, failure.token_id, failure.status) == (
        {"reason": "rotated"}, old.pk, 401)
    [revoked] = AuditEvent.objects.filter(event="token.revoked")
    assert (revoked.token_id, revoked.details, revoked.ip, revoked.actor_id) == (
        new.pk, {"reason": "reuse_detected", "family": old.pk, "presented": old.pk},
        "198.51.100.23", None)
    new.refresh_from_db()
    assert (new.status, new.revoked_reason) == ("revoked", "reuse_detected")
    assert_same_401(present(new.plaintext))
    [message] = mail.outbox
    assert message.to == ["owner@example.com"]
    assert message.subject == (
        "API tokens of billing-sync revoked: a replaced token was used again")
    assert f"erp ({old.hint}…)" in message.body and "198.51.100.23" in message.body
    assert f"- erp ({new.hint}…), token {new.pk}" in message.body
    assert old.plaintext not in message.body and new.plaintext not in message.body


def test_presenting_the_dead_token_again_mails_and_revokes_nothing_more(rotated):
    old, new = rotated
    for _ in range(3):
        assert_same_401(present(old.plaintext))
    assert len(mail.outbox) == 1
    assert AuditEvent.objects.filter(event="token.revoked").count() == 1
    assert list(AuditEvent.objects.filter(event="auth.failed")
                .values_list("details", flat=True)) == [{"reason": "rotated"}] * 3


def test_within_its_grace_the_old_token_works_and_nothing_is_revoked(programmatic_user):
    old = ApiTokenFactory(user=programmatic_user)
    new = services.token_rotate(actor=None, token=old, grace_hours=2)
    assert present(old.plaintext).status_code == 200
    assert present(new.plaintext).status_code == 200
    assert not AuditEvent.objects.filter(event="token.revoked").exists()
    assert mail.outbox == []


def test_the_whole_chain_is_revoked_from_its_first_token(programmatic_user):
    first = ApiTokenFactory(user=programmatic_user)
    second = services.token_rotate(actor=None, token=first, grace_hours=0)
    third = services.token_rotate(actor=None, token=second.token, grace_hours=5)
    other = ApiTokenFactory(user=programmatic_user)
    end_grace(first)

    assert_same_401(present(first.plaintext))

    assert present(second.plaintext).status_code == 401  # was in its grace period: revoked
    assert present(third.plaintext).status_code == 401
    assert present(other.plaintext).status_code == 200
    assert sorted(AuditEvent.objects.filter(event="token.revoked")
                  .values_list("token_id", flat=True)) == [second.token.pk, third.token.pk]
    assert len(mail.outbox) == 1


def test_reuse_detection_off_leaves_the_family_alone(rotated, settings):
    settings.TOKEN_REUSE_DETECTION = False
    old, new = rotated
    assert_same_401(present(old.plaintext))
    assert present(new.plaintext).status_code == 200
    assert not AuditEvent.objects.filter(event="token.revoked").exists()
    assert mail.outbox == []


def test_an_expired_token_that_was_never_rotated_revokes_nothing(programmatic_user):
    expired = ApiTokenFactory(user=programmatic_user, expires_at=timezone.now())
    sibling = ApiTokenFactory(user=programmatic_user)
    assert_same_401(present(expired.plaintext))
    assert present(sibling.plaintext).status_code == 200
    assert not AuditEvent.objects.filter(event="token.revoked").exists()


def test_a_failing_mail_server_changes_nothing_but_a_logged_error(rotated, settings, caplog):
    settings.EMAIL_BACKEND = "tests.tokens.test_reuse_detection.BrokenMailBackend"
    old, new = rotated
    with caplog.at_level(logging.ERROR, logger="tokens.reuse"):
        response = present(old.plaintext)
    assert_same_401(response)
    new.refresh_from_db()
    assert new.revoked_reason == "reuse_detected"
    assert AuditEvent.objects.filter(event="token.revoked", token_id=new.pk).exists()
    [record] = caplog.records
    assert record.getMessage() == (
        f"Could not e-mail the contact of billing-sync that the family of token {old.pk} was "
        "revoked (reuse detected).")
    assert old.plaintext not in caplog.text and new.plaintext not in caplog.text


def test_a_failing_revocation_still_answers_the_same_401(rotated, monkeypatch, caplog):
    def broken(**kwargs):
        raise DatabaseError("database went away")

    monkeypatch.setattr(reuse, "revoke_family", broken)
    old, new = rotated
    with caplog.at_level(logging.ERROR, logger="tokens.authentication"):
        response = present(old.plaintext)
    assert_same_401(response)
    assert AuditEvent.objects.get(event="auth.failed").details == {"reason": "rotated"}
    assert caplog.records[0].getMessage() == (
        f"Reuse detection failed for token {old.pk}; its family may still work.")
    assert mail.outbox == []


def test_self_rotation_then_the_old_token_kills_the_new_one(programmatic_user):
    """Self-rotation has no grace: the old token must never be sent again."""
    old = ApiTokenFactory(user=ProgrammaticUserFactory(contact_email="dev@example.com"))
    new = bearer(APIClient(), old.plaintext).post("/api/v1/me/token/rotate/").json()
    end_grace(old)
    assert_same_401(present(old.plaintext))
    assert_same_401(present(new["token"]))
    assert [m.to for m in mail.outbox] == [["dev@example.com"]]


def test_a_request_already_on_its_way_when_the_token_rotated_does_not_kill_the_family(
    programmatic_user,
):
    """Another worker of the integration still sends the old token for a moment after a
    self-rotation: refused, but the new token keeps working and nobody is mailed."""
    old = ApiTokenFactory(user=ProgrammaticUserFactory(contact_email="dev@example.com"))
    new = bearer(APIClient(), old.plaintext).post("/api/v1/me/token/rotate/").json()
    end_grace(old, ago=REUSE_DETECTION_DELAY_SECONDS - 5)
    assert_same_401(present(old.plaintext))
    assert present(new["token"]).status_code == 200
    assert not AuditEvent.objects.filter(event="token.revoked").exists()
    assert mail.outbox == []
