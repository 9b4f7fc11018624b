"""The Bearer authentication class: one uniform 401, the reason only in the audit log."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from audit.models import AuditEvent
from tests.accounts.factories import ProgrammaticUserFactory
from tests.conftest import api_error
from tests.tokens.factories import ApiTokenFactory, bearer
from tokens import crypto
from tokens.authentication import BearerTokenAuthentication

ME = "/api/v1/me/"
INVALID = {"detail": "Invalid or expired token.", "code": "invalid_token"}
NOT_PROVIDED = {"detail": "Authentication credentials were not provided.",
                "code": "not_authenticated"}
CHALLENGE = 'Bearer realm="api"'


def get_with_header(value: str | None, path: str = ME):
    client = APIClient()
    if value is None:
        return client.get(path)
    return client.get(path, HTTP_AUTHORIZATION=value)


def failures():
    return list(AuditEvent.objects.filter(event="auth.failed").order_by("id"))


def assert_invalid(response):
    assert response.status_code == 401
    assert api_error(response) == INVALID
    assert response["WWW-Authenticate"] == CHALLENGE


def an_unknown_token() -> str:
    return crypto.generate()


def flip_last(token: str) -> str:
    return token[:-1] + ("A" if token[-1] != "A" else "B")


@pytest.mark.django_db
@pytest.mark.parametrize("header", [None, "", "Basic dXNlcjpwYXNz", "Token abc", "Bearertoken"])
def test_a_header_that_is_not_bearer_is_not_ours(header):
    response = get_with_header(header)
    assert response.status_code == 401
    assert api_error(response) == NOT_PROVIDED
    assert response["WWW-Authenticate"] == CHALLENGE
    assert failures() == []


@pytest.mark.django_db
@pytest.mark.parametrize("header, reason", [
    ("Bearer", "malformed"),
    ("Bearer ", "malformed"),
    ("Bearer    ", "malformed"),
    ("Bearer pgu_short", "malformed"),
    ("Bearer pgu_0123456789abcdefghijABCDEFGHIJ0d26jv extra", "malformed"),
    ("Bearer a b c", "malformed"),
    ("Bearer ghp_0123456789abcdefghijABCDEFGHIJ0d26jv", "malformed"),
    ("Bearer pgu_0123456789abcdefghijABCDEFGHIJ0d26jV", "bad_checksum"),
    ("Bearer pgu_0123456789abcdéfghijABCDEFGHIJ0d26jv", "malformed"),
    ("Bearer pgu_0123456789abcdefghijABCDEFGHIJ0d26jv\u2028", "malformed"),
    ("Bearer " + "pgu_" + "A" * 4000, "malformed"),
])
def test_every_malformed_bearer_answers_the_same_401(header, reason):
    response = get_with_header(header)
    assert_invalid(response)
    [event] = failures()
    assert event.details == {"reason": reason}
    assert event.status == 401
    assert event.token_id is None
    assert event.path == ME


@pytest.mark.django_db
def test_a_huge_header_is_refused_without_parsing():
    response = get_with_header("Bearer " + "x" * 100_000)
    assert_invalid(response)
    assert failures()[0].details == {"reason": "malformed"}


@pytest.mark.django_db
def test_the_scheme_word_is_case_insensitive(token):
    for scheme in ("bearer", "BEARER", "BeArEr"):
        response = get_with_header(f"{scheme} {token.plaintext}")
        assert response.status_code == 200, scheme
        assert response.json()["username"] == token.user.username


@pytest.mark.django_db
def test_the_token_itself_is_matched_exactly(token):
    response = get_with_header(f"Bearer {token.plaintext.upper()}")
    assert_invalid(response)
    assert failures()[0].details["reason"] in {"bad_checksum", "malformed"}


@pytest.mark.django_db
def test_unknown_token_with_valid_checksum_is_looked_up_and_refused():
    response = get_with_header(f"Bearer {an_unknown_token()}")
    assert_invalid(response)
    [event] = failures()
    assert event.details == {"reason": "unknown"}
    assert event.actor_id is None


def _state_cases():
    now = timezone.now()
    return {
        "revoked": dict(revoked_at=now, revoked_reason="test"),
        "expired": dict(created_at=now - datetime.timedelta(days=10),
                        expires_at=now - datetime.timedelta(seconds=1)),
        "rotated": dict(created_at=now - datetime.timedelta(days=10),
                        rotated_at=now - datetime.timedelta(hours=2),
                        grace_until=now - datetime.timedelta(hours=1),
                        expires_at=now - datetime.timedelta(hours=1)),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("reason", ["revoked", "expired", "rotated"])
def test_dead_tokens_answer_the_same_401_with_their_reason_audited(reason):
    token = ApiTokenFactory(**_state_cases()[reason])
    response = get_with_header(f"Bearer {token.plaintext}")
    assert_invalid(response)
    [event] = failures()
    assert event.details == {"reason": reason}
    assert (event.token_id, event.token_hint) == (token.pk, token.hint)
    assert (event.actor_id, event.actor_category) == (token.user_id, "programmatic")


@pytest.mark.django_db
def test_inactive_user_is_refused_whatever_the_token_state():
    user = ProgrammaticUserFactory(is_active=False)
    token = ApiTokenFactory(user=user)
    assert_invalid(get_with_header(f"Bearer {token.plaintext}"))
    assert failures()[0].details == {"reason": "user_inactive"}


@pytest.mark.django_db
def test_caller_outside_the_allow_list_is_refused():
    token = ApiTokenFactory(allowed_ips=["203.0.113.0/24"])
    response = APIClient().get(ME, HTTP_AUTHORIZATION=f"Bearer {token.plaintext}",
                               REMOTE_ADDR="198.51.100.7")
    assert_invalid(response)
    assert failures()[0].details == {"reason": "ip_not_allowed"}
    assert failures()[0].ip == "198.51.100.7"


@pytest.mark.django_db
@pytest.mark.parametrize("address", ["203.0.113.1", "203.0.113.254", "2001:db8::5"])
def test_caller_inside_the_allow_list_is_let_in(address):
    token = ApiTokenFactory(allowed_ips=["203.0.113.0/24", "2001:db8::/32"])
    response = APIClient().get(ME, HTTP_AUTHORIZATION=f"Bearer {token.plaintext}",
                               REMOTE_ADDR=address)
    assert response.status_code == 200


@pytest.mark.django_db
def test_a_spoofed_forwarded_header_does_not_change_the_address_without_trusted_proxies(
    settings,
):
    settings.TRUSTED_PROXY_COUNT = 0
    token = ApiTokenFactory(allowed_ips=["203.0.113.0/24"])
    response = APIClient().get(ME, HTTP_AUTHORIZATION=f"Bearer {token.plaintext}",
                               REMOTE_ADDR="198.51.100.7",
                               HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert_invalid(response)


@pytest.mark.django_db
def test_the_trusted_proxy_hop_is_the_callers_address(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    token = ApiTokenFactory(allowed_ips=["203.0.113.0/24"])
    allowed = APIClient().get(ME, HTTP_AUTHORIZATION=f"Bearer {token.plaintext}",
                              REMOTE_ADDR="10.0.0.1",
                              HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.9")
    assert allowed.status_code == 200
    spoofed = APIClient().get(ME, HTTP_AUTHORIZATION=f"Bearer {token.plaintext}",
                              REMOTE_ADDR="10.0.0.1",
                              HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7")
    assert_invalid(spoofed)


@pytest.mark.django_db
def test_a_token_in_the_query_string_or_a_cookie_is_ignored(token):
    client = APIClient()
    client.cookies["token"] = token.plaintext
    for path in (f"{ME}?token={token.plaintext}", f"{ME}?access_token={token.plaintext}"):
        response = client.get(path)
        assert response.status_code == 401
        assert api_error(response) == NOT_PROVIDED


def _drf_request(header: str) -> Request:
    return Request(APIRequestFactory().get(ME, HTTP_AUTHORIZATION=header))


@pytest.mark.django_db
@pytest.mark.parametrize("header", [
    "Bearer pgu_0123456789abcdefghijABCDEFGHIJ0d26jV",
    "Bearer not-a-token",
    "Bearer " + "x" * 1000,
])
def test_bad_tokens_are_refused_without_any_query(header, django_assert_num_queries):
    authentication = BearerTokenAuthentication()
    with django_assert_num_queries(0), pytest.raises(Exception) as caught:
        authentication.authenticate(_drf_request(header))
    assert caught.value.status_code == 401
    assert caught.value.get_codes() == "invalid_token"


@pytest.mark.django_db
def test_authentication_is_one_query_for_token_and_user(token, django_assert_num_queries):
    token.last_used_at = timezone.now()
    token.save(update_fields=["last_used_at"])
    with django_assert_num_queries(1):
        user, auth = BearerTokenAuthentication().authenticate(
            _drf_request(f"Bearer {token.plaintext}")
        )
        assert user.username == token.user.username  # no further query: joined
    assert auth.pk == token.pk


@pytest.mark.django_db
def test_a_token_request_to_me_costs_the_lookup_and_one_audit_insert(token):
    token.last_used_at = timezone.now()
    token.save(update_fields=["last_used_at"])
    client = bearer(APIClient(), token.plaintext)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(ME)
    assert response.status_code == 200
    statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    assert statements.count("SELECT") == 1
    assert statements.count("INSERT") == 1
    assert "UPDATE" not in statements


@pytest.mark.django_db
def test_last_use_is_noted_at_most_once_a_minute(token):
    client = bearer(APIClient(), token.plaintext)
    client.get(ME, REMOTE_ADDR="192.0.2.10")
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None and token.last_used_ip == "192.0.2.10"
    with CaptureQueriesContext(connection) as queries:
        client.get(ME, REMOTE_ADDR="192.0.2.11")
    assert not any(q["sql"].upper().startswith("UPDATE") for q in queries.captured_queries)
    token.refresh_from_db()
    assert (token.last_used_at, token.last_used_ip) == (first, "192.0.2.10")
    token.last_used_at = timezone.now() - datetime.timedelta(seconds=61)
    token.save(update_fields=["last_used_at"])
    client.get(ME, REMOTE_ADDR="192.0.2.12")
    token.refresh_from_db()
    assert token.last_used_ip == "192.0.2.12"
    assert token.last_used_at > first


@pytest.mark.django_db
def test_a_successful_request_writes_one_token_used_event(token_client, token):
    response = token_client.get(ME)
    assert response.status_code == 200
    [event] = AuditEvent.objects.all()
    assert event.event == "token.used"
    assert (event.token_id, event.actor_username, event.status) == (
        token.pk, token.user.username, 200)


@pytest.mark.django_db
def test_me_shows_the_token_in_use(token_client, token):
    body = token_client.get(ME).json()
    assert body == {
        "id": token.user.pk, "username": token.user.username, "category": "programmatic",
        "token": {"id": token.pk, "name": "billing", "hint": token.hint,
                  "expires_at": body["token"]["expires_at"], "read_only": False,
                  "allowed_ips": []},
    }
    assert body["token"]["expires_at"].startswith(token.expires_at.strftime("%Y-%m-%dT%H:%M"))


@pytest.mark.django_db
def test_me_for_a_session_user_has_no_token(person):
    from tests.conftest import client_for

    body = client_for(person).get(ME).json()
    assert body == {"id": person.pk, "username": person.username, "category": "personal",
                    "token": None}


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_read_only_token_may_not_write(method, programmatic_user):
    token = ApiTokenFactory(user=programmatic_user, read_only=True)
    client = bearer(APIClient(), token.plaintext)
    response = getattr(client, method)("/api/v1/projects/", {}, format="json")
    assert response.status_code == 403
    assert api_error(response) == {
        "detail": "This token is read-only: it may only use GET, HEAD and OPTIONS.",
        "code": "permission_denied",
    }
    events = sorted(AuditEvent.objects.values_list("event", flat=True))
    assert events == ["access.denied", "token.used"]


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "head", "options"])
def test_read_only_token_may_read(method, programmatic_user):
    token = ApiTokenFactory(user=programmatic_user, read_only=True)
    client = bearer(APIClient(), token.plaintext)
    assert getattr(client, method)(ME).status_code == 200
