"""The programmatic user's Add form: "Issue a first token now" (checked by default for who may
issue tokens, absent otherwise), its secret shown once as the issue page shows it."""

import logging
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from audit.models import AuditEvent
from tests.accounts.factories import PersonFactory, group
from tests.conftest import browser_for
from tests.tokens.factories import bearer
from tokens.models import ApiToken

pytestmark = pytest.mark.django_db

ADD = "/admin/accounts/programmaticuser/add/"
PLAINTEXT = re.compile(r'value="(pgu_[0-9A-Za-z]+)"')
NEW = {"username": "erp-sync", "contact_email": "owner@example.com"}
BOX = 'name="issue_token"'


@pytest.fixture
def ulla(db):
    """User configurator only: may add programmatic users, may not issue tokens."""
    user = PersonFactory(username="ulla", is_staff=True)
    user.groups.add(group("User configurators"))
    return user


def test_the_box_is_offered_checked_with_the_issue_pages_limits(alice):
    page = browser_for(alice).get(ADD).content.decode()
    box = re.search(r"<input[^>]*name=\"issue_token\"[^>]*>", page).group(0)
    assert "checked" in box
    assert re.search(r'name="token_expires_in_days"[^>]*value="90"', page)
    assert 'name="token_read_only"' in page


def test_adding_with_the_box_checked_shows_the_token_once(alice, caplog):
    client = browser_for(alice)
    with caplog.at_level(logging.DEBUG):
        response = client.post(ADD, {**NEW, "issue_token": "on", "token_expires_in_days": "30",
                                     "token_read_only": "on"})
    assert response.status_code == 200, response.content[:500]
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    plaintext = PLAINTEXT.search(page).group(1)
    assert "will not be shown again" in page
    robot = User.objects.get(username="erp-sync")
    token = ApiToken.objects.get()
    assert (token.user, token.name, token.read_only) == (robot, "initial", True)
    assert abs(token.expires_at - (timezone.now() + timedelta(days=30))) < timedelta(minutes=1)
    assert [e.event for e in AuditEvent.objects.order_by("id")] == ["user.created",
                                                                    "token.issued"]
    # The secret works, and was kept nowhere: not in the session, a log, or the audit log.
    assert bearer(APIClient(), plaintext).get("/api/v1/me/").json()["username"] == "erp-sync"
    session = client.session
    assert plaintext not in str(dict(session.items()))
    assert plaintext not in caplog.text
    assert plaintext not in str(list(AuditEvent.objects.values_list("details", flat=True)))


def test_sending_the_form_again_shows_no_token_and_issues_none(alice):
    client = browser_for(alice)
    first = client.post(ADD, {**NEW, "issue_token": "on", "token_expires_in_days": "30"})
    plaintext = PLAINTEXT.search(first.content.decode()).group(1)
    again = client.post(ADD, {**NEW, "issue_token": "on", "token_expires_in_days": "30"})
    assert again.status_code == 200
    assert plaintext not in again.content.decode() and not PLAINTEXT.search(
        again.content.decode())
    assert "already exists" in again.content.decode()
    assert ApiToken.objects.count() == 1
    page = client.get(f"/admin/accounts/programmaticuser/{ApiToken.objects.get().user_id}"
                      "/change/").content.decode()
    assert plaintext not in page


def test_the_unchecked_box_issues_no_token(alice):
    response = browser_for(alice).post(ADD, {**NEW, "token_expires_in_days": "30"})
    assert response.status_code == 302
    assert User.objects.filter(username="erp-sync").exists()
    assert not ApiToken.objects.exists()
    assert not AuditEvent.objects.filter(event="token.issued").exists()


def test_a_configurator_who_may_not_issue_tokens_sees_no_box_and_cannot_force_one(ulla):
    client = browser_for(ulla)
    page = client.get(ADD).content.decode()
    assert BOX not in page and "token_expires_in_days" not in page
    response = client.post(ADD, {**NEW, "issue_token": "on", "token_expires_in_days": "30",
                                 "token_read_only": "on"})
    assert response.status_code == 302
    assert User.objects.filter(username="erp-sync").exists()
    assert not ApiToken.objects.exists()
    assert not PLAINTEXT.search(response.content.decode())


@pytest.mark.parametrize("days", ["0", "366", "ten"])
def test_a_bad_expiry_creates_neither_user_nor_token(alice, days):
    response = browser_for(alice).post(ADD, {**NEW, "issue_token": "on",
                                             "token_expires_in_days": days})
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert not User.objects.filter(username="erp-sync").exists()
    assert not ApiToken.objects.exists() and not AuditEvent.objects.exists()


def test_an_empty_expiry_takes_the_default_lifetime(alice):
    browser_for(alice).post(ADD, {**NEW, "issue_token": "on", "token_expires_in_days": ""})
    token = ApiToken.objects.get()
    assert abs(token.expires_at - (timezone.now() + timedelta(days=90))) < timedelta(minutes=1)


def test_a_refused_group_creates_neither_user_nor_token(alice):
    response = browser_for(alice).post(ADD, {**NEW, "issue_token": "on",
                                             "groups": [group("Auditors").pk]})
    assert response.status_code == 200
    assert not User.objects.filter(username="erp-sync").exists()
    assert not ApiToken.objects.exists()
