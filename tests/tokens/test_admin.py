"""The admin: issue a token once, list tokens, revoke and rotate with confirmation."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AuditEvent
from tests.accounts.factories import PersonFactory, ProgrammaticUserFactory, group
from tests.conftest import browser_for
from tests.tokens.factories import ApiTokenFactory, bearer
from tokens.models import ApiToken

pytestmark = pytest.mark.django_db

ROBOTS = "/admin/accounts/programmaticuser/"
TOKENS = "/admin/tokens/apitoken/"
PLAINTEXT = re.compile(r'value="(pgu_[0-9A-Za-z]+)"')


NONCE = re.compile(r'name="nonce" value="([^"]+)"')


def issue_form(**overrides):
    return {"name": "nightly", "description": "", "expires_in_days": "30", "allowed_ips": "",
            **overrides}


def post_issue(browser, user, **overrides):
    """Open the issue form (as a browser does, which hands out its single-use nonce), send it."""
    form = browser.get(f"{TOKENS}issue/{user.pk}/")
    [nonce] = NONCE.findall(form.content.decode())
    return browser.post(f"{TOKENS}issue/{user.pk}/", {**issue_form(**overrides), "nonce": nonce})


def test_the_user_page_offers_issue_token_and_lists_tokens(alice, programmatic_user):
    token = ApiTokenFactory(user=programmatic_user, name="erp-read")
    page = browser_for(alice).get(f"{ROBOTS}{programmatic_user.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'href="{TOKENS}issue/{programmatic_user.pk}/"' in html
    assert f'href="{ROBOTS}{programmatic_user.pk}/effective-permissions/"' in html
    assert "erp-read" in html and token.hint in html and "never" in html
    assert token.digest not in html


def test_the_effective_permissions_page_is_linked_for_user_configurators(configurator,
                                                                        programmatic_user):
    browser = browser_for(configurator)
    html = browser.get(f"{ROBOTS}{programmatic_user.pk}/change/").content.decode()
    link = f"{ROBOTS}{programmatic_user.pk}/effective-permissions/"
    assert f'href="{link}"' in html
    page = browser.get(link)
    assert page.status_code == 200
    assert f"Effective permissions of {programmatic_user.username}" in page.content.decode()
    assert browser_for(PersonFactory(is_staff=True)).get(link).status_code == 403


def test_without_the_token_role_there_is_no_issue_button_nor_token_list(configurator,
                                                                       programmatic_user):
    ApiTokenFactory(user=programmatic_user, name="erp-read")
    html = browser_for(configurator).get(f"{ROBOTS}{programmatic_user.pk}/change/").content
    assert b"issue-token" not in html
    assert b"erp-read" not in html


def test_no_issue_button_for_an_inactive_user(alice):
    user = ProgrammaticUserFactory(is_active=False)
    html = browser_for(alice).get(f"{ROBOTS}{user.pk}/change/").content
    assert b"issue-token" not in html


def test_issuing_shows_the_token_once_without_caching_or_redirect(alice, programmatic_user):
    browser = browser_for(alice)
    response = post_issue(browser, programmatic_user, read_only="on",
                          allowed_ips="203.0.113.0/24\n192.0.2.1")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"].split(", ")
    html = response.content.decode()
    [plaintext] = PLAINTEXT.findall(html)
    assert "will not be shown again" in html
    assert 'id="copy-token"' in html
    token = ApiToken.objects.get()
    assert (token.name, token.read_only, token.allowed_ips, token.created_by_username) == (
        "nightly", True, ["203.0.113.0/24", "192.0.2.1/32"], "alice")
    event = AuditEvent.objects.get(event="token.issued")
    assert (event.actor_username, event.token_id) == ("alice", token.pk)
    api = bearer(APIClient(), plaintext)
    assert api.get("/api/v1/me/", REMOTE_ADDR="192.0.2.1").status_code == 200
    for page in (f"{ROBOTS}{programmatic_user.pk}/change/", f"{TOKENS}{token.pk}/change/",
                 TOKENS):
        assert plaintext not in browser.get(page).content.decode()


@pytest.mark.parametrize("overrides, error", [
    ({"expires_in_days": "0"}, "Ensure this value is greater than or equal to 1."),
    ({"expires_in_days": "366"}, "Ensure this value is less than or equal to 365."),
    ({"name": ""}, "This field is required."),
    ({"allowed_ips": "10.0.0.1/8"}, "&#x27;10.0.0.1/8&#x27; has host bits set; did you mean "
                                    "10.0.0.0/8?"),
    ({"allowed_ips": "intranet"}, "is not an IP address or network"),
])
def test_bad_issue_input_redisplays_the_form_and_stores_nothing(alice, programmatic_user,
                                                              overrides, error):
    response = post_issue(browser_for(alice), programmatic_user, **overrides)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not ApiToken.objects.exists()


def test_issuing_for_an_inactive_user_is_refused_in_the_form(alice):
    user = ProgrammaticUserFactory(is_active=False)
    response = post_issue(browser_for(alice), user)
    assert response.status_code == 200
    assert "reactivate it before issuing tokens" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_sending_the_issue_form_again_issues_and_shows_nothing(alice, programmatic_user):
    browser = browser_for(alice)
    form = browser.get(f"{TOKENS}issue/{programmatic_user.pk}/")
    [nonce] = NONCE.findall(form.content.decode())
    data = {**issue_form(), "nonce": nonce}
    first = browser.post(f"{TOKENS}issue/{programmatic_user.pk}/", data)
    [plaintext] = PLAINTEXT.findall(first.content.decode())
    again = browser.post(f"{TOKENS}issue/{programmatic_user.pk}/", data, follow=True)
    html = again.content.decode()
    assert "That form was already sent, so no new token was issued" in html
    assert plaintext not in html and not PLAINTEXT.findall(html)
    forged = browser.post(f"{TOKENS}issue/{programmatic_user.pk}/",
                          {**issue_form(), "nonce": "made-up"})
    assert forged.status_code == 302
    assert ApiToken.objects.count() == 1


def test_the_issue_page_does_not_exist_for_a_personal_user(alice, person):
    assert browser_for(alice).get(f"{TOKENS}issue/{person.pk}/").status_code == 404


def test_the_pick_page_offers_active_programmatic_users_only(alice, programmatic_user, person):
    ProgrammaticUserFactory(username="retired-sync", is_active=False)
    browser = browser_for(alice)
    html = browser.get(f"{TOKENS}issue/").content.decode()
    assert programmatic_user.username in html
    assert "retired-sync" not in html and person.username not in html
    response = browser.get(f"{TOKENS}issue/", {"user": programmatic_user.pk})
    assert (response.status_code, response["Location"]) == (
        302, f"{TOKENS}issue/{programmatic_user.pk}/")
    assert browser.get(f"{TOKENS}issue/", {"user": person.pk}).status_code == 200


@pytest.mark.parametrize("who", ["plain_staff", "auditor", "configurator"])
def test_only_token_configurators_reach_issue_revoke_and_rotate(request, who, token):
    users = {"plain_staff": lambda: PersonFactory(is_staff=True)}
    user = users[who]() if who in users else request.getfixturevalue(who)
    browser = browser_for(user)
    for url in (f"{TOKENS}issue/", f"{TOKENS}issue/{token.user_id}/",
                f"{TOKENS}{token.pk}/revoke/", f"{TOKENS}{token.pk}/rotate/"):
        assert browser.get(url).status_code == 403, url
        assert browser.post(url, {"reason": "x", "grace_hours": "0"}).status_code == 403, url
    token.refresh_from_db()
    assert token.status == "active"
    assert not ApiToken.objects.filter(rotated_from=token).exists()


def test_revoke_asks_for_confirmation_then_revokes_once(alice, token):
    browser = browser_for(alice)
    confirm = browser.get(f"{TOKENS}{token.pk}/revoke/")
    assert confirm.status_code == 200
    assert b"This cannot be undone" in confirm.content
    token.refresh_from_db()
    assert token.revoked_at is None  # the GET changed nothing
    response = browser.post(f"{TOKENS}{token.pk}/revoke/", {"reason": "contract ended"})
    assert (response.status_code, response["Location"]) == (302, f"{TOKENS}{token.pk}/change/")
    token.refresh_from_db()
    assert (token.status, token.revoked_reason, token.revoked_by_username) == (
        "revoked", "contract ended", "alice")
    again = browser.post(f"{TOKENS}{token.pk}/revoke/", {"reason": "x"}, follow=True)
    assert b"This token is already revoked." in again.content
    assert AuditEvent.objects.filter(event="token.revoked").count() == 1
    assert b'id="revoke-token"' not in browser.get(f"{TOKENS}{token.pk}/change/").content


def test_rotate_shows_the_new_token_once_and_the_old_stops_after_grace(alice, token):
    browser = browser_for(alice)
    assert b"Grace period" in browser.get(f"{TOKENS}{token.pk}/rotate/").content
    response = browser.post(f"{TOKENS}{token.pk}/rotate/", {"grace_hours": "0"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"].split(", ")
    [plaintext] = PLAINTEXT.findall(response.content.decode())
    assert bearer(APIClient(), plaintext).get("/api/v1/me/").status_code == 200
    assert bearer(APIClient(), token.plaintext).get("/api/v1/me/").status_code == 401
    again = browser.post(f"{TOKENS}{token.pk}/rotate/", {"grace_hours": "0"}, follow=True)
    assert b"Only an active token that was not rotated before can be rotated." in again.content
    assert ApiToken.objects.count() == 2


def test_rotate_grace_out_of_range_redisplays_the_form(alice, token):
    response = browser_for(alice).post(f"{TOKENS}{token.pk}/rotate/", {"grace_hours": "500"})
    assert response.status_code == 200
    assert b"Ensure this value is less than or equal to 168." in response.content
    assert ApiToken.objects.count() == 1


def test_auditors_read_the_token_list_but_change_nothing(auditor, token):
    browser = browser_for(auditor)
    listing = browser.get(TOKENS)
    assert listing.status_code == 200
    assert token.hint.encode() in listing.content
    assert b'id="issue-token"' not in listing.content
    page = browser.get(f"{TOKENS}{token.pk}/change/")
    assert page.status_code == 200
    assert b'id="revoke-token"' not in page.content and b'id="rotate-token"' not in page.content
    assert browser.post(f"{TOKENS}{token.pk}/change/", {"name": "x"}).status_code == 403
    assert browser.post(f"{TOKENS}{token.pk}/delete/", {"post": "yes"}).status_code == 403
    assert browser.get(f"{TOKENS}add/").status_code == 403
    assert ApiToken.objects.get().name == token.name


def test_people_without_token_permissions_cannot_see_tokens(configurator, token):
    assert browser_for(configurator).get(TOKENS).status_code == 403


def test_the_token_list_filters_by_status(auditor, token):
    revoked = ApiTokenFactory(revoked_at=token.created_at, revoked_reason="x", name="old-one")
    html = browser_for(auditor).get(TOKENS, {"status": "revoked"}).content.decode()
    assert revoked.hint in html and token.hint not in html


def test_saving_the_user_page_with_its_tokens_listed_still_works(alice, programmatic_user):
    ApiTokenFactory(user=programmatic_user)
    response = browser_for(alice).post(f"{ROBOTS}{programmatic_user.pk}/change/", {
        "description": "changed", "contact_email": "new@example.com", "is_active": "on",
    })
    assert response.status_code == 302
    programmatic_user.refresh_from_db()
    assert programmatic_user.description == "changed"
    assert ApiToken.objects.get().status == "active"


def test_configurators_list_tokens_expiring_soon_and_never_used(alice):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    soon = ApiTokenFactory(name="soon", expires_at=now + timedelta(days=3),
                           last_used_at=now)
    later = ApiTokenFactory(name="later", expires_at=now + timedelta(days=60),
                            last_used_at=now)
    unused = ApiTokenFactory(name="unused", expires_at=now + timedelta(days=60))
    dead = ApiTokenFactory(name="dead", expires_at=now + timedelta(days=3), revoked_at=now,
                           revoked_reason="x")
    browser = browser_for(alice)

    def listed(attention):
        html = browser.get(TOKENS, {"attention": attention}).content.decode()
        return {t.name for t in (soon, later, unused, dead) if t.hint in html}

    assert listed("expiring") == {"soon"}
    assert listed("never_used") == {"unused"}
    assert later.hint in browser.get(TOKENS).content.decode()


def test_the_user_page_charts_requests_per_day_and_status_with_a_scale(alice, programmatic_user):
    from rest_framework.test import APIClient

    token = ApiTokenFactory(user=programmatic_user)
    for _ in range(3):
        bearer(APIClient(), token.plaintext).get("/api/v1/me/")
    assert bearer(APIClient(), token.plaintext).get("/api/v1/projects/999/").status_code == 404
    html = browser_for(alice).get(f"{ROBOTS}{programmatic_user.pk}/change/").content.decode()
    chart = html.split('id="usage"')[1].split("</fieldset>")[0]
    assert '<svg class="usage-chart"' in chart
    assert ("Requests per day and status, last 30 days: 4 in 30 days "
            "(3 2xx, 0 3xx, 1 4xx, 0 5xx), at most 4 a day") in chart
    assert 'fill="#2e7d32"' in chart and 'fill="#b26a00"' in chart  # 2xx green, 4xx amber
    assert '<text x="40" y="19.0" text-anchor="end">5</text>' in chart  # the scale's top
    assert "style=" not in chart and "<script" not in chart


def test_a_token_configurator_renames_a_token_and_only_its_name_and_description(alice, token):
    browser = browser_for(alice)
    url = f"{TOKENS}{token.pk}/change/"
    page = browser.get(url).content.decode()
    assert 'name="name"' in page and 'name="description"' in page
    assert 'name="read_only"' not in page and 'name="expires_at"' not in page
    response = browser.post(url, {"name": "billing-renamed", "description": "nightly",
                                  "read_only": "on", "expires_at": "2099-01-01"})
    assert response.status_code == 302, response.content
    token.refresh_from_db()
    assert (token.name, token.description, token.read_only) == ("billing-renamed", "nightly",
                                                                False)
    event = AuditEvent.objects.get(event="token.updated")
    assert (event.actor_username, event.token_id, event.details) == (
        "alice", token.pk, {"name": "billing-renamed", "description": "nightly"})


def test_an_auditor_sees_the_token_page_without_a_save_button(token):
    auditor = PersonFactory(username="auditor", is_staff=True)
    auditor.groups.add(group("Auditors"))
    browser = browser_for(auditor)
    page = browser.get(f"{TOKENS}{token.pk}/change/").content.decode()
    assert 'name="name"' not in page and 'name="_save"' not in page
    assert browser.post(f"{TOKENS}{token.pk}/change/", {"name": "x"}).status_code == 403
    token.refresh_from_db()
    assert token.name == "billing"
    assert not AuditEvent.objects.filter(event="token.updated").exists()


def test_the_programmatic_users_list_shows_token_count_last_use_and_next_expiry(alice):
    now = timezone.now()
    busy = ProgrammaticUserFactory(username="busy-sync")
    ApiTokenFactory(user=busy, expires_at=now + timedelta(days=10), last_used_at=now)
    ApiTokenFactory(user=busy, expires_at=now + timedelta(days=40))
    ApiTokenFactory(user=busy, expires_at=now + timedelta(days=5), revoked_at=now,
                    revoked_reason="x")
    ProgrammaticUserFactory(username="idle-sync")
    response = browser_for(alice).get(ROBOTS)
    rows = {row.username: row for row in response.context["cl"].result_list}
    assert rows["busy-sync"].active_token_count == 2
    assert rows["busy-sync"].next_token_expiry == now + timedelta(days=10)
    assert rows["idle-sync"].active_token_count == 0
    html = response.content.decode()
    expiry = timezone.localtime(now + timedelta(days=10)).strftime("%Y-%m-%d")
    assert f'<td class="field-next_expiry">{expiry}</td>' in html
    assert '<td class="field-last_use">never</td>' in html
