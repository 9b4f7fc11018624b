"""Suspend and resume a token (AWS's inactive/active switch, issue 16): API, admin, services."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AuditEvent
from tests.conftest import api_error, browser_for, client_for
from tests.tokens.factories import bearer
from tokens.exceptions import NOT_SUSPENDABLE, NOT_SUSPENDED, SUSPENDED_NOT_ROTATABLE
from tokens.leaks import token_report_leak
from tokens.models import ApiToken
from tokens.services import token_rotate
from tokens.suspension import token_resume, token_suspend

pytestmark = pytest.mark.django_db

TOKENS = "/api/v1/tokens/"
ADMIN = "/admin/tokens/apitoken/"
INVALID = {"detail": "Invalid or expired token.", "code": "invalid_token"}


def suspend(client, token):
    return client.post(f"{TOKENS}{token.pk}/suspend/", format="json")


def resume(client, token):
    return client.post(f"{TOKENS}{token.pk}/resume/", format="json")


def conflict(message: str) -> dict:
    return {"detail": message, "code": "conflict"}


def me(token):
    return bearer(APIClient(), token.plaintext).get("/api/v1/me/")


def test_a_suspended_token_answers_the_same_401_until_resumed(token_configurator, token):
    client = client_for(token_configurator)
    response = suspend(client, token)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "suspended" and body["suspended_at"] is not None
    refused = me(token)
    assert (refused.status_code, api_error(refused)) == (401, INVALID)
    assert refused["WWW-Authenticate"] == 'Bearer realm="api"'
    failure = AuditEvent.objects.get(event="auth.failed")
    assert (failure.details, failure.token_id, failure.actor_username) == (
        {"reason": "suspended"}, token.pk, "billing-sync")
    response = resume(client, token)
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["suspended_at"]) == ("active", None)
    assert me(token).status_code == 200


def test_suspend_and_resume_are_audited_both_ways(token_configurator, token):
    client = client_for(token_configurator)
    suspend(client, token)
    resume(client, token)
    events = AuditEvent.objects.filter(event__in=["token.suspended", "token.resumed"])
    rows = [(e.event, e.actor_username, e.token_id, e.target_id, e.path, e.status is None)
            for e in events.order_by("id")]
    assert rows == [
        ("token.suspended", "tokenconf", token.pk, str(token.user_id),
         f"{TOKENS}{token.pk}/suspend/", True),
        ("token.resumed", "tokenconf", token.pk, str(token.user_id),
         f"{TOKENS}{token.pk}/resume/", True),
    ]
    suspended, resumed = events.order_by("id")
    assert suspended.details == {"expires_at": token.expires_at.isoformat()}
    assert resumed.details["expires_at"] == token.expires_at.isoformat()


def test_a_suspended_token_keeps_its_expiry_and_expires_meanwhile(token_configurator, token):
    client = client_for(token_configurator)
    expires_at = token.expires_at
    suspend(client, token)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    token.refresh_from_db()
    assert token.status == "expired"
    assert api_error(resume(client, token)) == conflict(NOT_SUSPENDED)
    assert me(token).status_code == 401
    assert AuditEvent.objects.get(event="auth.failed").details == {"reason": "expired"}
    ApiToken.objects.filter(pk=token.pk).update(expires_at=expires_at)
    assert resume(client, token).json()["expires_at"] == client.get(
        f"{TOKENS}{token.pk}/").json()["expires_at"]


@pytest.mark.parametrize("state", ["suspended", "revoked", "expired", "rotated"])
def test_only_a_working_token_can_be_suspended(token_configurator, token, state):
    if state == "suspended":
        token_suspend(actor=None, token=token)
    elif state == "revoked":
        ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now(),
                                                    revoked_reason="x")
    elif state == "expired":
        ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now())
    else:
        token_rotate(actor=None, token=token, grace_hours=0)
    events = AuditEvent.objects.count()
    response = suspend(client_for(token_configurator), token)
    assert (response.status_code, api_error(response)) == (409, conflict(NOT_SUSPENDABLE))
    assert AuditEvent.objects.count() == events


def test_resuming_a_token_that_is_not_suspended_is_409(token_configurator, token):
    response = resume(client_for(token_configurator), token)
    assert (response.status_code, api_error(response)) == (409, conflict(NOT_SUSPENDED))
    assert not AuditEvent.objects.filter(event="token.resumed").exists()


def test_a_rotating_token_can_be_suspended_and_resumes_rotating(token_configurator, token):
    successor = token_rotate(actor=None, token=token, grace_hours=24)
    client = client_for(token_configurator)
    assert suspend(client, token).json()["status"] == "suspended"
    assert me(token).status_code == 401
    # Stopping the old one leaves the new one alone.
    assert bearer(APIClient(), successor.plaintext).get("/api/v1/me/").status_code == 200
    assert resume(client, token).json()["status"] == "rotating"


def test_a_suspended_token_cannot_be_rotated(token_configurator, token):
    token_suspend(actor=None, token=token)
    response = client_for(token_configurator).post(f"{TOKENS}{token.pk}/rotate/", {},
                                                   format="json")
    assert (response.status_code, api_error(response)) == (409,
                                                           conflict(SUSPENDED_NOT_ROTATABLE))
    assert ApiToken.objects.count() == 1
    assert not AuditEvent.objects.filter(event="token.rotated").exists()


def test_a_suspended_token_can_be_revoked(token_configurator, token):
    token_suspend(actor=None, token=token)
    response = client_for(token_configurator).post(f"{TOKENS}{token.pk}/revoke/",
                                                   {"reason": "gone"}, format="json")
    assert (response.status_code, response.json()["status"]) == (200, "revoked")
    assert api_error(resume(client_for(token_configurator), token)) == conflict(NOT_SUSPENDED)


def test_a_family_revocation_revokes_suspended_members(token_configurator, token):
    successor = token_rotate(actor=None, token=token, grace_hours=24).token
    token_suspend(actor=None, token=successor)
    response = client_for(token_configurator).post(f"{TOKENS}{token.pk}/revoke/",
                                                   {"family": True}, format="json")
    assert response.status_code == 200
    successor.refresh_from_db()
    assert successor.status == "revoked"


def test_a_leak_report_revokes_a_suspended_successor_too(token):
    successor = token_rotate(actor=None, token=token, grace_hours=24).token
    token_suspend(actor=None, token=successor)
    token_report_leak(plaintext=token.plaintext)
    successor.refresh_from_db()
    assert (successor.status, successor.revoked_reason) == ("revoked", "reported leaked")


def test_deactivating_the_user_revokes_its_suspended_tokens(configurator, token):
    token_suspend(actor=None, token=token)
    client_for(configurator).patch(f"/api/v1/programmatic-users/{token.user_id}/",
                                   {"is_active": False}, format="json")
    token.refresh_from_db()
    assert (token.status, token.revoked_reason) == ("revoked", "user deactivated")


def test_a_suspended_token_still_counts_against_the_limit(token_configurator, token, settings):
    settings.TOKEN_MAX_PER_USER = 1
    token_suspend(actor=None, token=token)
    response = client_for(token_configurator).post(
        f"/api/v1/programmatic-users/{token.user_id}/tokens/", {"name": "more"}, format="json")
    assert response.status_code == 400
    assert ApiToken.objects.count() == 1


@pytest.mark.parametrize("who, status", [("anonymous", 401), ("auditor", 403),
                                         ("configurator", 403), ("token_configurator", 200)])
def test_suspending_needs_issue_token(request, token, who, status):
    client = APIClient() if who == "anonymous" else client_for(request.getfixturevalue(who))
    assert suspend(client, token).status_code == status
    token.refresh_from_db()
    assert token.is_suspended == (status == 200)


def test_a_token_cannot_suspend_or_resume_without_issue_token(token, token_client):
    assert suspend(token_client, token).status_code == 403
    token.refresh_from_db()
    assert not token.is_suspended


def test_the_suspension_costs_the_request_path_no_query(token):
    token.last_used_at = timezone.now()
    token.save(update_fields=["last_used_at"])
    client = bearer(APIClient(), token.plaintext)

    def statements():
        with CaptureQueriesContext(connection) as captured:
            client.get("/api/v1/me/")
        return [query["sql"].split()[0].upper() for query in captured.captured_queries]

    assert statements() == ["SELECT", "INSERT"]
    token_suspend(actor=None, token=token)
    assert statements() == ["SELECT", "INSERT"]  # the lookup, then its auth.failed
    token_resume(actor=None, token=token)
    assert statements() == ["SELECT", "INSERT"]


# The admin ------------------------------------------------------------------------------------

def buttons(browser, token) -> set[str]:
    page = browser.get(f"{ADMIN}{token.pk}/change/").content.decode()
    return {name for name in ("rotate", "suspend", "resume", "revoke")
            if f'id="{name}-token"' in page}


def test_the_token_page_offers_suspend_then_resume(alice, token):
    browser = browser_for(alice)
    assert buttons(browser, token) == {"rotate", "suspend", "revoke"}
    confirm = browser.get(f"{ADMIN}{token.pk}/suspend/")
    assert confirm.status_code == 200
    page = confirm.content.decode()
    assert 'id="suspend-form"' in page and "Yes, suspend it" in page
    token.refresh_from_db()
    assert not token.is_suspended  # asking is not doing
    response = browser.post(f"{ADMIN}{token.pk}/suspend/", follow=True)
    assert response.redirect_chain[-1][0] == f"{ADMIN}{token.pk}/change/"
    assert "is suspended" in response.content.decode()
    token.refresh_from_db()
    assert token.status == "suspended"
    assert buttons(browser, token) == {"resume", "revoke"}
    browser.post(f"{ADMIN}{token.pk}/resume/")
    token.refresh_from_db()
    assert token.status == "active"
    assert [e.actor_username for e in AuditEvent.objects.filter(
        event__in=["token.suspended", "token.resumed"])] == ["alice", "alice"]


def test_a_stale_suspend_form_shows_the_conflict(alice, token):
    token_suspend(actor=None, token=token)
    response = browser_for(alice).post(f"{ADMIN}{token.pk}/suspend/", follow=True)
    assert str(NOT_SUSPENDABLE) in response.content.decode()


@pytest.mark.parametrize("action", ["suspend", "resume"])
def test_auditors_cannot_suspend_or_resume_in_the_admin(auditor, token, action):
    if action == "resume":
        token_suspend(actor=None, token=token)
    browser = browser_for(auditor)
    assert buttons(browser, token) == set()
    assert browser.get(f"{ADMIN}{token.pk}/{action}/").status_code == 403
    assert browser.post(f"{ADMIN}{token.pk}/{action}/").status_code == 403
    token.refresh_from_db()
    assert token.is_suspended == (action == "resume")
