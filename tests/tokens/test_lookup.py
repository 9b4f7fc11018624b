"""The "whose token is this?" lookup (issue 16): POST tokens/lookup/ and the auditors' page."""

import json
import re
from html import escape

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AuditEvent
from tests.accounts.factories import PersonFactory
from tests.conftest import api_error, browser_for, client_for
from tests.tokens.factories import ApiTokenFactory, bearer
from tokens import crypto
from tokens.lookup import NOT_A_TOKEN
from tokens.services import token_rotate

pytestmark = pytest.mark.django_db

URL = "/api/v1/tokens/lookup/"
PAGE = "/admin/tokens/apitoken/lookup/"
NOT_FOUND = {"detail": "Not found.", "code": "not_found"}


def look_up(client, plaintext):
    return client.post(URL, {"token": plaintext}, format="json")


def test_an_auditor_learns_whose_a_token_is(auditor, token):
    token.last_used_at, token.last_used_ip = timezone.now(), "203.0.113.9"
    token.save(update_fields=["last_used_at", "last_used_ip"])
    response = look_up(client_for(auditor), token.plaintext)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    reference = client_for(auditor).get(f"/api/v1/tokens/{token.pk}/").json()
    assert body == {
        "id": token.pk, "name": "billing", "hint": token.hint,
        "user": {"id": token.user_id, "username": "billing-sync",
                 "contact_email": token.user.contact_email, "is_active": True},
        "status": "active", "family": token.pk,
        "last_used_at": reference["last_used_at"], "last_used_ip": "203.0.113.9",
        "expires_at": reference["expires_at"],
    }
    assert token.plaintext not in response.content.decode()
    assert token.digest not in response.content.decode()


def test_the_lookup_is_an_audit_event_without_the_plaintext(auditor, token):
    look_up(client_for(auditor), token.plaintext)
    event = AuditEvent.objects.get(event="token.looked_up")
    assert (event.actor_username, event.token_id, event.token_hint, event.target_id,
            event.details, event.path) == (
        "auditor", token.pk, token.hint, str(token.user_id), {"matched": True}, URL)
    stored = json.dumps(list(AuditEvent.objects.values()), default=str)
    assert token.plaintext not in stored and token.digest not in stored


def test_the_lookup_revokes_nothing(auditor, token, token_client):
    look_up(client_for(auditor), token.plaintext)
    token.refresh_from_db()
    assert token.status == "active"
    assert token_client.get("/api/v1/me/").status_code == 200
    assert not AuditEvent.objects.filter(event="token.revoked").exists()


def test_a_rotated_token_answers_with_its_state_and_family(auditor, token):
    token_rotate(actor=None, token=token, grace_hours=0)
    body = look_up(client_for(auditor), token.plaintext).json()
    assert (body["id"], body["status"], body["family"]) == (token.pk, "rotated", token.pk)


def test_an_unknown_well_formed_token_is_the_404_of_any_address(auditor):
    client = client_for(auditor)
    response = look_up(client, crypto.generate())
    assert (response.status_code, api_error(response)) == (404, NOT_FOUND)
    assert api_error(client.get("/api/v1/tokens/999999/")) == NOT_FOUND
    event = AuditEvent.objects.get(event="token.looked_up")
    assert (event.token_id, event.target_id, event.details) == (None, "", {"matched": False})


@pytest.mark.parametrize("value", ["", "pgu_", "pgu_short", "ghp_" + "a" * 40, "x" * 600])
def test_a_malformed_token_is_400_and_not_looked_up(auditor, value):
    response = look_up(client_for(auditor), value)
    assert response.status_code == 400
    assert list(api_error(response)) == ["token"]
    assert not AuditEvent.objects.filter(event="token.looked_up").exists()


def test_a_mistyped_token_is_400_naming_the_mistake(auditor, token):
    mistyped = token.plaintext[:-1] + ("A" if token.plaintext[-1] != "A" else "B")
    response = look_up(client_for(auditor), mistyped)
    assert (response.status_code, api_error(response)) == (400, {"token": [NOT_A_TOKEN]})


@pytest.mark.parametrize("body", [["pgu_x"], {"token": 12}, {"token": "x", "more": 1}, {}])
def test_bad_bodies_are_400(auditor, body):
    assert client_for(auditor).post(URL, body, format="json").status_code == 400


@pytest.mark.parametrize("who, status", [("anonymous", 401), ("configurator", 403),
                                         ("token_configurator", 403), ("auditor", 200)])
def test_looking_up_needs_view_auditevent(request, token, who, status):
    client = APIClient() if who == "anonymous" else client_for(request.getfixturevalue(who))
    response = look_up(client, token.plaintext)
    assert response.status_code == status
    assert token.plaintext not in response.content.decode()
    assert AuditEvent.objects.filter(event="token.looked_up").exists() == (status == 200)


def test_a_token_cannot_look_up_without_view_auditevent(token, token_client):
    assert look_up(token_client, token.plaintext).status_code == 403


def test_lookups_are_throttled_per_address(auditor, token, settings):
    settings.LEAK_REPORT_RATE = "2/minute"
    client = client_for(auditor)
    statuses = [look_up(client, token.plaintext).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    response = look_up(client, token.plaintext)
    assert int(response["Retry-After"]) > 0
    assert AuditEvent.objects.filter(event="token.looked_up").count() == 2
    # Counted apart from leak reports: those still go through.
    leak = APIClient().post("/api/v1/tokens/revoke-leaked/", {"token": "x"}, format="json")
    assert leak.status_code == 202


# The admin page -------------------------------------------------------------------------------

def test_the_auditor_pastes_a_token_and_sees_whose_it_is_with_links(auditor, token):
    browser = browser_for(auditor)
    form = browser.get(PAGE)
    assert form.status_code == 200
    assert 'id="lookup-form"' in form.content.decode()
    assert 'name="csrfmiddlewaretoken"' in form.content.decode()
    response = browser.post(PAGE, {"token": token.plaintext})
    page = response.content.decode()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    result = page.split('id="lookup-result"')[1].split("</div>\n  <form")[0]
    assert "billing-sync" in result and token.user.contact_email in result
    assert '<span class="token-status token-status-active"' in result
    assert f'href="/admin/tokens/apitoken/{token.pk}/change/"' in result
    assert f'href="/admin/audit/auditevent/?token_id={token.pk}"' in result
    assert token.plaintext not in page  # the form is emptied, the plaintext never shown back
    assert AuditEvent.objects.get(event="token.looked_up").actor_username == "auditor"


def test_the_links_lead_to_pages_the_auditor_may_open(auditor, token):
    browser = browser_for(auditor)
    page = browser.post(PAGE, {"token": token.plaintext}).content.decode()
    result = page.split('id="lookup-result"')[1].split("<form")[0]
    for link in re.findall(r'href="([^"]+)"', result):
        assert browser.get(link.replace("&amp;", "&")).status_code == 200, link


def test_an_unknown_token_says_so(auditor):
    page = browser_for(auditor).post(PAGE, {"token": crypto.generate()}).content.decode()
    assert 'id="lookup-no-match"' in page and 'id="lookup-result"' not in page


def test_a_malformed_token_is_a_form_error(auditor):
    page = browser_for(auditor).post(PAGE, {"token": "pgu_short"}).content.decode()
    assert escape(NOT_A_TOKEN) in page
    assert not AuditEvent.objects.filter(event="token.looked_up").exists()


def test_the_page_is_throttled_too(auditor, token, settings):
    settings.LEAK_REPORT_RATE = "1/minute"
    browser = browser_for(auditor)
    assert browser.post(PAGE, {"token": token.plaintext}).status_code == 200
    refused = browser.post(PAGE, {"token": token.plaintext})
    assert refused.status_code == 429
    assert "Too many lookups from your address" in refused.content.decode()
    assert AuditEvent.objects.filter(event="token.looked_up").count() == 1


@pytest.mark.parametrize("who", ["configurator", "token_configurator", "staff"])
def test_only_auditors_reach_the_page(request, token, who):
    browser = browser_for(request.getfixturevalue(who))
    assert browser.get(PAGE).status_code == 403
    assert browser.post(PAGE, {"token": token.plaintext}).status_code == 403
    assert not AuditEvent.objects.filter(event="token.looked_up").exists()


def test_the_token_list_links_the_page_for_auditors_only(auditor, token_configurator):
    assert 'id="lookup-token"' in browser_for(auditor).get(
        "/admin/tokens/apitoken/").content.decode()
    assert 'id="lookup-token"' not in browser_for(token_configurator).get(
        "/admin/tokens/apitoken/").content.decode()


def test_the_page_needs_the_csrf_token(auditor, token):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(auditor, backend="accounts.backends.PersonalOnlyModelBackend")
    assert browser.post(PAGE, {"token": token.plaintext}).status_code == 403
    assert not AuditEvent.objects.filter(event="token.looked_up").exists()


def test_an_auditor_without_token_reading_sees_no_token_link(token):
    from tests.projects.factories import give_model_perms

    reader = PersonFactory(username="reader", is_staff=True)
    give_model_perms(reader, "audit.view_auditevent")
    page = browser_for(reader).post(PAGE, {"token": token.plaintext}).content.decode()
    result = page.split('id="lookup-result"')[1].split("<form")[0]
    assert "/admin/tokens/apitoken/" not in result
    assert f'href="/admin/audit/auditevent/?token_id={token.pk}"' in result


def test_a_token_of_another_user_answers_its_owner(auditor):
    other = ApiTokenFactory(name="crm")
    body = look_up(client_for(auditor), other.plaintext).json()
    assert (body["id"], body["user"]["id"]) == (other.pk, other.user_id)
    assert bearer(APIClient(), other.plaintext).get("/api/v1/me/").status_code == 200
