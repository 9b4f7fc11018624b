"""Issuing, reading, revoking and rotating tokens over the API (API.md §3)."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AuditEvent
from tests.accounts.factories import ProgrammaticUserFactory
from tests.conftest import api_error, client_for
from tests.tokens.factories import ApiTokenFactory, bearer
from tokens import crypto
from tokens.models import ApiToken
from tokens.serializers import MeSerializer

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"
TOKEN_FIELDS = {
    "id", "user", "username", "name", "description", "hint", "status", "read_only",
    "allowed_ips", "created_at", "created_by", "expires_at", "last_used_at", "last_used_ip",
    "revoked_at", "revoked_by", "revoked_reason", "rotated_from", "replaced_by", "grace_until",
    "family", "rate_limit", "suspended_at", "permissions",
}


def issue_url(user) -> str:
    return f"/api/v1/programmatic-users/{user.pk}/tokens/"


def issue(client, user, **body):
    body.setdefault("name", "billing")
    return client.post(issue_url(user), body, format="json")


def days_from_now(value: str) -> float:
    moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return (moment - timezone.now()).total_seconds() / 86400


# Issuing ------------------------------------------------------------------------------------

def test_issue_returns_the_plaintext_once_with_no_store(token_configurator, programmatic_user):
    response = issue(client_for(token_configurator), programmatic_user,
                     description="nightly", read_only=True, allowed_ips=["203.0.113.0/24"])
    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert list(body)[:4] == ["id", "name", "hint", "token"]
    assert set(body) == TOKEN_FIELDS | {"token"}
    plaintext = body["token"]
    crypto.parse(plaintext)
    assert body["hint"] == plaintext[:8]
    assert (body["name"], body["description"], body["read_only"], body["allowed_ips"]) == (
        "billing", "nightly", True, ["203.0.113.0/24"])
    assert (body["status"], body["created_by"], body["user"]) == (
        "active", "tokenconf", programmatic_user.pk)
    assert 89.99 < days_from_now(body["expires_at"]) <= 90
    stored = ApiToken.objects.get(pk=body["id"])
    assert stored.digest == crypto.digest(plaintext)
    assert plaintext not in str(ApiToken.objects.filter(pk=stored.pk).values().get())
    [event] = AuditEvent.objects.filter(event="token.issued")
    assert (event.token_id, event.actor_username, event.target_id) == (
        stored.pk, "tokenconf", str(programmatic_user.pk))
    assert plaintext not in str(AuditEvent.objects.values().get(pk=event.pk))


def test_the_plaintext_never_appears_again(token_configurator, programmatic_user, auditor):
    plaintext = issue(client_for(token_configurator), programmatic_user).json()["token"]
    reader = client_for(auditor)
    for path in ("/api/v1/tokens/", issue_url(programmatic_user),
                 f"/api/v1/tokens/{ApiToken.objects.get().pk}/"):
        response = reader.get(path)
        assert response.status_code == 200
        assert plaintext not in response.content.decode()
        assert crypto.digest(plaintext) not in response.content.decode()
        assert "Cache-Control" not in response or "no-store" not in response["Cache-Control"]


def test_the_issued_token_works_at_once(token_configurator, programmatic_user):
    plaintext = issue(client_for(token_configurator), programmatic_user).json()["token"]
    response = bearer(APIClient(), plaintext).get(ME)
    assert response.status_code == 200
    assert response.json()["username"] == programmatic_user.username


def test_me_answers_the_caller_and_its_token_exactly(programmatic_user):
    token = ApiTokenFactory(user=programmatic_user, name="nightly", read_only=True,
                            allowed_ips=["127.0.0.0/8"],
                            expires_at=datetime.datetime(2031, 2, 3, 4, 5, 6, 789000,
                                                         tzinfo=datetime.UTC))
    response = bearer(APIClient(), token.plaintext).get(ME)
    assert response.status_code == 200
    expected = {"id": programmatic_user.pk, "username": programmatic_user.username,
                "category": "programmatic",
                "token": {"id": token.pk, "name": "nightly", "hint": token.hint,
                          "expires_at": "2031-02-03T04:05:06.789000Z", "read_only": True,
                          "allowed_ips": ["127.0.0.0/8"]}}
    assert response.json() == expected
    # The hot path builds the body by hand; it is what the documented serializer gives.
    assert MeSerializer({"id": programmatic_user.pk, "username": programmatic_user.username,
                         "category": "programmatic", "token": token}).data == expected


def test_me_with_a_session_has_no_token(person):
    response = client_for(person).get(ME)
    assert response.status_code == 200
    assert response.json() == {"id": person.pk, "username": person.username,
                               "category": "personal", "token": None}


@pytest.mark.parametrize("body, field, message", [
    ({"expires_in_days": 0}, "expires_in_days",
     "Ensure this value is greater than or equal to 1."),
    ({"expires_in_days": 366}, "expires_in_days", "Give a whole number of days from 1 to 365."),
    ({"expires_in_days": "soon"}, "expires_in_days", "A valid integer is required."),
    ({"expires_in_days": 10, "expires_at": "2099-01-01T00:00:00Z"}, "expires_at",
     "Give expires_in_days or expires_at, not both."),
    ({"expires_at": "2020-01-01T00:00:00Z"}, "expires_at", "The expiry must be in the future."),
    ({"expires_at": "2099-01-01T00:00:00Z"}, "expires_at", "A token may live at most 365 days."),
    ({"expires_at": "tomorrow"}, "expires_at", None),
    ({"allowed_ips": ["not-an-ip"]}, "allowed_ips",
     "'not-an-ip' is not an IP address or network such as 203.0.113.0/24."),
    ({"allowed_ips": ["203.0.113.5/24"]}, "allowed_ips",
     "'203.0.113.5/24' has host bits set; did you mean 203.0.113.0/24?"),
    ({"allowed_ips": "203.0.113.0/24"}, "allowed_ips", None),
    ({"allowed_ips": ["10.0.0.0/8"] * 51}, "allowed_ips", None),
    ({"name": ""}, "name", "This field may not be blank."),
    ({"name": "x" * 101}, "name", "Ensure this field has no more than 100 characters."),
    ({"read_only": "perhaps"}, "read_only", "Must be a valid boolean."),
    ({"expires_in": 30}, "expires_in", "Unknown field."),
    ({"digest": "0" * 64}, "digest", "Unknown field."),
])
def test_bad_issue_requests_are_400_and_store_nothing(token_configurator, programmatic_user,
                                                      body, field, message):
    response = issue(client_for(token_configurator), programmatic_user, **body)
    assert response.status_code == 400
    errors = response.json()
    assert field in errors
    if message is not None:
        assert errors[field] == [message]
    assert not ApiToken.objects.exists()
    assert not AuditEvent.objects.filter(event="token.issued").exists()


def test_name_is_required(token_configurator, programmatic_user):
    response = client_for(token_configurator).post(issue_url(programmatic_user), {},
                                                   format="json")
    assert response.status_code == 400
    assert api_error(response) == {"name": ["This field is required."]}


def test_expiry_within_the_limits_is_accepted(token_configurator, programmatic_user, settings):
    settings.TOKEN_MAX_LIFETIME_DAYS = 30
    client = client_for(token_configurator)
    assert issue(client, programmatic_user, expires_in_days=31).status_code == 400
    body = issue(client, programmatic_user, expires_in_days=30).json()
    assert 29.99 < days_from_now(body["expires_at"]) <= 30
    soon = (timezone.now() + datetime.timedelta(minutes=5)).isoformat()
    assert issue(client, programmatic_user, expires_at=soon).status_code == 201


def test_bare_addresses_are_single_hosts_and_duplicates_collapse(token_configurator,
                                                                 programmatic_user):
    body = issue(client_for(token_configurator), programmatic_user,
                 allowed_ips=["192.0.2.7", "192.0.2.7/32", "2001:db8::/48"]).json()
    assert body["allowed_ips"] == ["192.0.2.7/32", "2001:db8::/48"]


def test_issuing_for_a_personal_user_is_400(token_configurator, person):
    response = issue(client_for(token_configurator), person)
    assert response.status_code == 400
    assert api_error(response) == {"user": ["Tokens can only be issued for programmatic users."]}
    assert not ApiToken.objects.exists()


def test_issuing_for_an_inactive_user_is_400(token_configurator):
    user = ProgrammaticUserFactory(is_active=False)
    response = issue(client_for(token_configurator), user)
    assert response.status_code == 400
    assert api_error(response) == {
        "user": ["This programmatic user is inactive; reactivate it before issuing tokens."]}


def test_guardians_anonymous_user_is_not_an_account(token_configurator, settings):
    from accounts.models import User

    anonymous = User.objects.get(username=settings.ANONYMOUS_USER_NAME)
    response = issue(client_for(token_configurator), anonymous)
    assert response.status_code == 404
    assert not ApiToken.objects.exists()


def test_issuing_for_a_missing_user_is_404(token_configurator):
    response = client_for(token_configurator).post("/api/v1/programmatic-users/999999/tokens/",
                                                   {"name": "x"}, format="json")
    assert response.status_code == 404


@pytest.mark.parametrize("who, status", [
    ("anonymous", 401), ("person", 403), ("configurator", 403), ("auditor", 403),
    ("token_configurator", 201), ("superuser", 201),
])
def test_issuing_needs_the_issue_token_permission(request, who, status, programmatic_user):
    client = APIClient() if who == "anonymous" else client_for(request.getfixturevalue(who))
    response = issue(client, programmatic_user)
    assert response.status_code == status
    assert ApiToken.objects.exists() is (status == 201)


def test_a_programmatic_user_cannot_issue_tokens_for_itself(token_client, token):
    response = issue(token_client, token.user)
    assert response.status_code == 403
    assert ApiToken.objects.count() == 1


def test_include_token_on_creation_issues_an_initial_token(superuser):
    response = client_for(superuser).post(
        "/api/v1/programmatic-users/?include_token=true",
        {"username": "erp-sync", "contact_email": "owner@example.com"}, format="json")
    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    token = response.json()["token"]
    assert (token["name"], token["status"]) == ("initial", "active")
    assert bearer(APIClient(), token["token"]).get(ME).json()["username"] == "erp-sync"


# Reading ------------------------------------------------------------------------------------

@pytest.mark.parametrize("who, status", [
    ("anonymous", 401), ("person", 403), ("configurator", 403), ("auditor", 200),
    ("token_configurator", 200), ("superuser", 200),
])
def test_reading_tokens_needs_view_apitoken(request, who, status, token):
    client = APIClient() if who == "anonymous" else client_for(request.getfixturevalue(who))
    for path in ("/api/v1/tokens/", f"/api/v1/tokens/{token.pk}/", issue_url(token.user)):
        assert client.get(path).status_code == status, path


def test_token_list_filters_by_user_and_status(auditor):
    mine = ProgrammaticUserFactory()
    active = ApiTokenFactory(user=mine)
    revoked = ApiTokenFactory(user=mine, revoked_at=timezone.now(), revoked_reason="x")
    expired = ApiTokenFactory(user=mine, created_at=timezone.now() - datetime.timedelta(days=9),
                              expires_at=timezone.now() - datetime.timedelta(days=1))
    other = ApiTokenFactory()
    client = client_for(auditor)

    def ids(query):
        response = client.get(f"/api/v1/tokens/{query}")
        assert response.status_code == 200
        return [row["id"] for row in response.json()["results"]]

    assert ids("") == [other.pk, expired.pk, revoked.pk, active.pk]
    assert ids(f"?user={mine.pk}") == [expired.pk, revoked.pk, active.pk]
    assert ids("?status=active") == [other.pk, active.pk]
    assert ids(f"?user={mine.pk}&status=revoked") == [revoked.pk]
    assert ids("?status=expired") == [expired.pk]


@pytest.mark.parametrize("query, field", [("?user=abc", "user"), ("?status=alive", "status"),
                                          ("?user=-1", "user")])
def test_bad_filters_are_400(auditor, query, field):
    response = client_for(auditor).get(f"/api/v1/tokens/{query}")
    assert response.status_code == 400
    assert field in response.json()


def test_a_users_token_list_shows_only_its_tokens(auditor, token):
    ApiTokenFactory()
    body = client_for(auditor).get(issue_url(token.user)).json()
    assert [row["id"] for row in body["results"]] == [token.pk]
    assert set(body) == {"next", "previous", "results"}
    assert set(body["results"][0]) == TOKEN_FIELDS


def test_unknown_token_is_404(auditor):
    response = client_for(auditor).get("/api/v1/tokens/424242/")
    assert response.status_code == 404
    assert api_error(response) == {"detail": "Not found.", "code": "not_found"}


# Revoking -----------------------------------------------------------------------------------

def test_revoke_stops_the_token_and_records_who_and_why(token_configurator, token):
    client = client_for(token_configurator)
    response = client.post(f"/api/v1/tokens/{token.pk}/revoke/", {"reason": "vendor changed"},
                           format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["revoked_by"], body["revoked_reason"]) == (
        "revoked", "tokenconf", "vendor changed")
    assert body["revoked_at"] is not None
    assert bearer(APIClient(), token.plaintext).get(ME).status_code == 401
    assert AuditEvent.objects.filter(event="auth.failed").get().details == {"reason": "revoked"}
    [event] = AuditEvent.objects.filter(event="token.revoked")
    assert (event.token_id, event.details) == (token.pk, {"reason": "vendor changed"})


def test_revoking_twice_is_409(token_configurator, token):
    client = client_for(token_configurator)
    assert client.post(f"/api/v1/tokens/{token.pk}/revoke/").status_code == 200
    response = client.post(f"/api/v1/tokens/{token.pk}/revoke/")
    assert response.status_code == 409
    assert api_error(response) == {"detail": "This token is already revoked.", "code": "conflict"}
    assert AuditEvent.objects.filter(event="token.revoked").count() == 1


def test_revoke_without_a_reason_says_revoked(token_configurator, token):
    body = client_for(token_configurator).post(f"/api/v1/tokens/{token.pk}/revoke/").json()
    assert body["revoked_reason"] == "revoked"


def test_an_auditor_cannot_revoke(auditor, token):
    response = client_for(auditor).post(f"/api/v1/tokens/{token.pk}/revoke/")
    assert response.status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None


def test_revoke_body_is_checked(token_configurator, token):
    client = client_for(token_configurator)
    response = client.post(f"/api/v1/tokens/{token.pk}/revoke/", {"reason": "x" * 201},
                           format="json")
    assert response.status_code == 400
    assert client.post(f"/api/v1/tokens/{token.pk}/revoke/", ["x"],
                       format="json").status_code == 400


def test_deactivating_the_user_revokes_all_its_tokens(configurator, programmatic_user):
    first = ApiTokenFactory(user=programmatic_user)
    second = ApiTokenFactory(user=programmatic_user)
    response = client_for(configurator).patch(
        f"/api/v1/programmatic-users/{programmatic_user.pk}/", {"is_active": False},
        format="json")
    assert response.status_code == 200
    for token in (first, second):
        token.refresh_from_db()
        assert (token.status, token.revoked_reason, token.revoked_by_username) == (
            "revoked", "user deactivated", "configurator")
    events = AuditEvent.objects.filter(event="token.revoked").order_by("token_id")
    assert [e.token_id for e in events] == [first.pk, second.pk]
    client_for(configurator).patch(f"/api/v1/programmatic-users/{programmatic_user.pk}/",
                                   {"is_active": True}, format="json")
    assert bearer(APIClient(), first.plaintext).get(ME).status_code == 401


# Rotating -----------------------------------------------------------------------------------

def rotate(client, token, **body):
    return client.post(f"/api/v1/tokens/{token.pk}/rotate/", body, format="json")


def test_rotation_keeps_the_old_token_for_the_grace_period(token_configurator, programmatic_user):
    old = ApiTokenFactory(user=programmatic_user, read_only=True, allowed_ips=["192.0.2.0/24"],
                          created_at=timezone.now() - datetime.timedelta(days=10),
                          expires_at=timezone.now() + datetime.timedelta(days=20))
    response = rotate(client_for(token_configurator), old, grace_hours=2)
    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    new = response.json()
    assert (new["name"], new["read_only"], new["allowed_ips"], new["rotated_from"]) == (
        old.name, True, ["192.0.2.0/24"], old.pk)
    assert 29.99 < days_from_now(new["expires_at"]) <= 30  # the old lifetime length
    old.refresh_from_db()
    assert old.replaced_by.pk == new["id"]
    assert old.grace_until == old.expires_at
    assert 1.99 < (old.expires_at - timezone.now()).total_seconds() / 3600 <= 2
    for plaintext in (old.plaintext, new["token"]):
        response = bearer(APIClient(), plaintext).get(ME, REMOTE_ADDR="192.0.2.1")
        assert response.status_code == 200
    events = list(AuditEvent.objects.filter(event__in=["token.rotated", "token.issued"])
                  .order_by("id").values_list("event", "token_id"))
    assert events == [("token.rotated", old.pk), ("token.issued", new["id"])]


def test_after_the_grace_period_the_old_token_fails_as_rotated(token_configurator, token,
                                                               settings):
    settings.TOKEN_REUSE_DETECTION = False  # on, the old token's use revokes the new one
    new = rotate(client_for(token_configurator), token, grace_hours=0).json()
    assert bearer(APIClient(), token.plaintext).get(ME).status_code == 401
    failure = AuditEvent.objects.get(event="auth.failed")
    assert (failure.details, failure.token_id) == ({"reason": "rotated"}, token.pk)
    assert bearer(APIClient(), new["token"]).get(ME).status_code == 200


def test_default_grace_is_24_hours(token_configurator, token):
    rotate(client_for(token_configurator), token)
    token.refresh_from_db()
    assert 23.99 < (token.grace_until - timezone.now()).total_seconds() / 3600 <= 24


def test_the_new_lifetime_is_capped_by_the_maximum(token_configurator, token, settings):
    settings.TOKEN_MAX_LIFETIME_DAYS = 7
    body = rotate(client_for(token_configurator), token).json()
    assert 6.99 < days_from_now(body["expires_at"]) <= 7


def test_a_rotated_token_cannot_be_rotated_again(token_configurator, token):
    client = client_for(token_configurator)
    assert rotate(client, token).status_code == 201
    response = rotate(client, token)
    assert response.status_code == 409
    assert api_error(response) == {
        "detail": "Only an active token that was not rotated before can be rotated.",
        "code": "conflict"}
    assert ApiToken.objects.count() == 2


@pytest.mark.parametrize("state", [
    dict(revoked_at=timezone.now(), revoked_reason="x"),
    dict(created_at=timezone.now() - datetime.timedelta(days=9),
         expires_at=timezone.now() - datetime.timedelta(days=1)),
])
def test_dead_tokens_cannot_be_rotated(token_configurator, state):
    token = ApiTokenFactory(**state)
    assert rotate(client_for(token_configurator), token).status_code == 409
    assert ApiToken.objects.count() == 1


@pytest.mark.parametrize("grace", [-1, 169, "soon", 1.5])
def test_grace_hours_out_of_range_is_400(token_configurator, token, grace):
    response = rotate(client_for(token_configurator), token, grace_hours=grace)
    assert response.status_code == 400
    assert "grace_hours" in response.json()
    assert ApiToken.objects.count() == 1


def test_an_auditor_cannot_rotate(auditor, token):
    assert rotate(client_for(auditor), token).status_code == 403


# Self-rotation ------------------------------------------------------------------------------

def test_self_rotation_replaces_the_token_in_use_at_once(token_client, token):
    response = token_client.post("/api/v1/me/token/rotate/")
    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    new = response.json()
    assert (new["name"], new["rotated_from"], new["created_by"]) == (
        token.name, token.pk, token.user.username)
    assert bearer(APIClient(), new["token"]).get(ME).json()["token"]["id"] == new["id"]
    assert token_client.get(ME).status_code == 401


def test_self_rotation_with_a_session_is_400(person):
    response = client_for(person).post("/api/v1/me/token/rotate/")
    assert response.status_code == 400
    assert api_error(response) == {"non_field_errors": [
        "Self-rotation rotates the token the request uses; this request uses none."]}


def test_a_read_only_token_cannot_rotate_itself(programmatic_user):
    token = ApiTokenFactory(user=programmatic_user, read_only=True)
    response = bearer(APIClient(), token.plaintext).post("/api/v1/me/token/rotate/")
    assert response.status_code == 403
    assert ApiToken.objects.count() == 1


# Leak reports -------------------------------------------------------------------------------

LEAK_URL = "/api/v1/tokens/revoke-leaked/"
RECEIVED = {"detail": "Thank you. If this was a valid token, it no longer works."}


def test_a_reported_token_is_revoked(token):
    response = APIClient().post(LEAK_URL, {"token": token.plaintext}, format="json",
                                REMOTE_ADDR="198.51.100.9")
    assert (response.status_code, response.json()) == (202, RECEIVED)
    token.refresh_from_db()
    assert (token.status, token.revoked_reason) == ("revoked", "reported leaked")
    events = AuditEvent.objects.filter(event__in=["token.revoked", "token.leak_reported"])
    assert sorted(e.event for e in events) == ["token.leak_reported", "token.revoked"]
    report = events.get(event="token.leak_reported")
    assert (report.token_id, report.ip, report.details) == (
        token.pk, "198.51.100.9", {"matched": True, "revoked": True})
    assert bearer(APIClient(), token.plaintext).get(ME).status_code == 401


@pytest.mark.parametrize("text", ["", "nonsense", "pgu_0123456789abcdefghijABCDEFGHIJ0d26jv",
                                  "pgu_0123456789abcdefghijABCDEFGHIJ0d26jV"])
def test_unmatched_reports_get_the_same_answer_and_store_only_the_event(text):
    response = APIClient().post(LEAK_URL, {"token": text}, format="json",
                                REMOTE_ADDR="198.51.100.9")
    assert (response.status_code, response.json()) == (202, RECEIVED)
    [event] = AuditEvent.objects.all()
    assert (event.event, event.token_id, event.ip, event.details) == (
        "token.leak_reported", None, "198.51.100.9", {"matched": False})
    assert text == "" or text not in str(AuditEvent.objects.values().get())


def test_reporting_an_already_revoked_token_changes_nothing(token):
    client = APIClient()
    client.post(LEAK_URL, {"token": token.plaintext}, format="json")
    response = client.post(LEAK_URL, {"token": token.plaintext}, format="json")
    assert response.status_code == 202
    assert AuditEvent.objects.filter(event="token.revoked").count() == 1
    assert AuditEvent.objects.filter(event="token.leak_reported").count() == 2


def test_leak_reports_ignore_any_credentials_sent(token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer garbage")
    response = client.post(LEAK_URL, {"token": token.plaintext}, format="json")
    assert response.status_code == 202
    assert not AuditEvent.objects.filter(event="auth.failed").exists()


@pytest.mark.parametrize("body", [[], ["pgu_x"], {"token": 12}, {"nothing": "here"}, "pgu_x",
                                  {"token": None}])
def test_a_body_that_is_not_an_object_with_a_string_token_is_400(body):
    response = APIClient().post(LEAK_URL, body, format="json")
    assert response.status_code == 400
    assert not AuditEvent.objects.exists()


def test_leak_reports_are_throttled_per_address(settings):
    settings.LEAK_REPORT_RATE = "3/minute"
    client = APIClient()
    for _ in range(3):
        assert client.post(LEAK_URL, {"token": "x"}, format="json",
                           REMOTE_ADDR="198.51.100.1").status_code == 202
    response = client.post(LEAK_URL, {"token": "x"}, format="json", REMOTE_ADDR="198.51.100.1")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert client.post(LEAK_URL, {"token": "x"}, format="json",
                       REMOTE_ADDR="198.51.100.2").status_code == 202


# Permissions follow the user, afresh on every request ---------------------------------------

def test_a_token_sees_exactly_what_its_user_sees_and_grants_apply_next_request(
    superuser, token_client, token,
):
    from permissions.services import permission_grant, permission_revoke
    from tests.projects.factories import ProjectFactory

    visible, hidden = ProjectFactory(), ProjectFactory()

    def listed():
        response = token_client.get("/api/v1/projects/")
        assert response.status_code == 200
        return [row["id"] for row in response.json()["results"]]

    assert listed() == []
    assert token_client.get(f"/api/v1/projects/{visible.pk}/").status_code == 404
    permission_grant(actor=superuser, user=token.user, permission="projects.view_project",
                     obj=visible)
    assert listed() == [visible.pk]
    assert token_client.get(f"/api/v1/projects/{visible.pk}/").status_code == 200
    assert token_client.get(f"/api/v1/projects/{hidden.pk}/").status_code == 404
    assert token_client.patch(f"/api/v1/projects/{visible.pk}/", {"name": "x"},
                              format="json").status_code == 403
    permission_revoke(actor=superuser, user=token.user, permission="projects.view_project",
                      obj=visible)
    assert listed() == []
    permission_grant(actor=superuser, user=token.user, permission="projects.view_project")
    assert listed() == [hidden.pk, visible.pk]
