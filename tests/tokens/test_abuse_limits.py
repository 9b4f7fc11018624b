"""Abuse limits on the token path (issue 19): failed Bearer authentications per address, a
token's own request limit, and the number of tokens a programmatic user may hold."""

import logging
import os
import subprocess
import sys
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AuditEvent
from common import counters
from tests.accounts.factories import PersonFactory, group
from tests.conftest import api_error, browser_for, client_for
from tests.test_settings import ROOT, _redis_or_skip
from tests.tokens.factories import ApiTokenFactory, bearer
from tests.tokens.test_admin import post_issue
from tokens import crypto, limits, services
from tokens.models import ApiToken

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"
ATTACKER = "203.0.113.66"
T0 = 1_800_000_010.0  # 10 s into a minute (1_800_000_000 is a whole number of minutes and days)
INVALID = {"detail": "Invalid or expired token.", "code": "invalid_token"}
REDIS_DB4 = "redis://127.0.0.1:6379/4"


class Clock:
    def __init__(self, monkeypatch):
        self.now = T0
        monkeypatch.setattr(limits, "clock", lambda: self.now)

    def move(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


def attempt(plaintext: str | None = None, address: str = ATTACKER, **extra):
    token = plaintext if plaintext is not None else crypto.generate()  # well formed, unknown
    return APIClient().get(ME, HTTP_AUTHORIZATION=f"Bearer {token}", REMOTE_ADDR=address,
                           **extra)


def failures():
    return list(AuditEvent.objects.filter(event="auth.failed").order_by("id"))


def throttled_body(seconds: int) -> dict:
    return {"detail": f"Request was throttled. Expected available in {seconds} seconds.",
            "code": "throttled"}


# Failed Bearer authentications per address -----------------------------------------------------

def test_a_flood_of_bad_tokens_writes_at_most_limit_plus_one_rows_and_counts_exactly(clock):
    """The reproduction: a thousand bad tokens from one address, default AUTH_FAILURE_RATE."""
    statuses = [attempt().status_code for _ in range(1000)]

    assert statuses == [401] * 30 + [429] * 970
    assert len(failures()) == 30
    assert {event.details["reason"] for event in failures()} == {"unknown"}
    clock.move(60)
    assert attempt().status_code == 401  # the next window: the address's next event is due

    rows = failures()
    assert len(rows) == 32
    summary = rows[30]
    assert (summary.status, summary.ip, summary.token_id, summary.request_id) == (
        429, ATTACKER, None, "")
    assert summary.details == {
        "reason": "throttled", "count": 970, "rate": "30/minute",
        "window_start": "2027-01-15T08:00:00+00:00", "window_end": "2027-01-15T08:01:00+00:00"}
    assert rows[31].details == {"reason": "unknown"}


def test_past_the_limit_every_bearer_request_is_429_before_any_database_work(
        clock, token, django_assert_num_queries):
    for _ in range(30):
        assert attempt().status_code == 401
    for plaintext in (crypto.generate(), token.plaintext, "nonsense"):
        with django_assert_num_queries(0):
            response = attempt(plaintext, HTTP_X_REQUEST_ID="flood-1")
        assert response.status_code == 429
        assert api_error(response) == throttled_body(50)
        assert response["Retry-After"] == "50"
        assert response["X-Request-ID"] == "flood-1"
    assert attempt(token.plaintext, address="198.51.100.1").status_code == 200
    clock.move(50)
    assert attempt(token.plaintext).status_code == 200


def test_the_limit_is_read_at_use_and_successes_do_not_count(clock, settings, token):
    settings.AUTH_FAILURE_RATE = "3/hour"
    for _ in range(10):
        assert attempt(token.plaintext).status_code == 200
    assert [attempt().status_code for _ in range(4)] == [401, 401, 401, 429]
    assert attempt(token.plaintext).status_code == 429
    assert attempt(token.plaintext)["Retry-After"] == str(3600 - 10)


def test_a_successful_request_after_the_window_writes_the_summary(clock, settings, token):
    settings.AUTH_FAILURE_RATE = "2/minute"
    for _ in range(5):
        attempt()
    clock.move(120)  # two windows later
    assert attempt(token.plaintext).status_code == 200
    assert [event.details.get("count") for event in failures()] == [None, None, 3]
    assert attempt(token.plaintext).status_code == 200
    assert len(failures()) == 3  # written once


def test_a_changed_rate_still_summarises_the_window_that_overflowed(clock, settings):
    settings.AUTH_FAILURE_RATE = "1/hour"
    attempt(), attempt(), attempt()
    settings.AUTH_FAILURE_RATE = "5/minute"
    clock.move(3600)
    assert attempt().status_code == 401
    summary = failures()[1]
    assert (summary.details["count"], summary.details["rate"], summary.details["window_end"]) == (
        2, "1/hour", "2027-01-15T09:00:00+00:00")


def test_failures_that_raced_past_the_check_are_counted_in_the_summary(clock, settings):
    settings.AUTH_FAILURE_RATE = "2/minute"
    attempt(), attempt()
    assert limits.note_failure(ATTACKER) is False  # two requests that passed the check before
    assert limits.note_failure(ATTACKER) is False  # the limit was reached, and failed after it
    attempt()
    clock.move(60)
    attempt()
    assert [event.details.get("count") for event in failures()] == [None, None, 3, None]


def test_each_address_has_its_own_count_and_ipv6_counts_per_64(clock, settings):
    settings.AUTH_FAILURE_RATE = "2/minute"
    for address in ("2001:db8:1:2::1", "2001:db8:1:2:ffff::9"):
        assert attempt(address=address).status_code == 401
    assert attempt(address="2001:db8:1:2::77").status_code == 429
    assert attempt(address="2001:db8:1:3::1").status_code == 401
    assert attempt(address="192.0.2.1").status_code == 401
    clock.move(60)
    attempt(address="2001:db8:1:2::5")
    summary = failures()[4]
    assert (summary.ip, summary.details["count"], summary.details["address"]) == (
        "2001:db8:1:2::77", 1, "2001:db8:1:2::/64")  # the address that went past the limit


def test_the_address_is_the_one_trusted_proxy_count_yields(clock, settings, token):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.AUTH_FAILURE_RATE = "2/minute"
    via_proxy = {"address": "10.0.0.1"}
    for _ in range(2):
        attempt(HTTP_X_FORWARDED_FOR=ATTACKER, **via_proxy)
    assert attempt(HTTP_X_FORWARDED_FOR=ATTACKER, **via_proxy).status_code == 429
    assert attempt(token.plaintext, HTTP_X_FORWARDED_FOR="198.51.100.3",
                   **via_proxy).status_code == 200


def test_requests_without_a_bearer_header_are_not_limited(clock, settings, person):
    settings.AUTH_FAILURE_RATE = "1/minute"
    attempt(), attempt()
    anonymous = APIClient().get(ME, REMOTE_ADDR=ATTACKER)
    assert anonymous.status_code == 401
    session = client_for(person).get(ME, REMOTE_ADDR=ATTACKER)
    assert session.status_code == 200


def test_the_schema_documents_429_on_authenticated_operations(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert "429" in schema["paths"]["/api/v1/me/"]["get"]["responses"]


# A cache that is down -------------------------------------------------------------------------

@pytest.fixture
def unreachable_cache(settings):
    settings.CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }}


def test_with_the_cache_down_tokens_work_and_limits_hold_per_process(unreachable_cache, token,
                                                                    settings, caplog, clock):
    settings.AUTH_FAILURE_RATE = "3/minute"
    with caplog.at_level(logging.INFO, logger="common.counters"):
        assert attempt(token.plaintext).status_code == 200
        assert [attempt().status_code for _ in range(4)] == [401, 401, 401, 429]
        assert attempt(token.plaintext).status_code == 429
        assert attempt(token.plaintext, address="192.0.2.9").status_code == 200
        leak = APIClient().post("/api/v1/tokens/revoke-leaked/", {"token": "x"}, format="json")
        assert leak.status_code == 202
    [warning] = [record for record in caplog.records if record.name == "common.counters"]
    assert warning.levelno == logging.WARNING
    assert warning.getMessage().startswith("The shared cache failed (ConnectionError: ")
    assert warning.getMessage().endswith(
        "abuse limits are counted per process until it answers again.")
    assert len(failures()) == 3


def test_a_cache_that_comes_back_is_used_again_after_one_warning(settings, monkeypatch, caplog):
    monkeypatch.setattr(counters, "RETRY_SECONDS", 0)  # retry the shared cache every time
    locmem = settings.CACHES
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0"}}
    with caplog.at_level(logging.INFO, logger="common.counters"):
        for _ in range(3):
            assert counters.counters.hit("k", 60) in (1, 2, 3)
        settings.CACHES = locmem
        assert counters.counters.hit("k", 60) == 1  # the shared cache: its own count
    records = [(r.levelname, r.getMessage()) for r in caplog.records]
    assert len(records) == 2
    assert records[0][0] == "WARNING" and records[0][1].startswith("The shared cache failed (")
    assert records[1] == (
        "INFO", "The shared cache answers again: abuse limits are shared again.")
    assert cache.get("k") == 1


# Shared between processes through Redis -------------------------------------------------------

def test_with_redis_the_failure_count_is_shared_between_processes(settings,
                                                                  django_assert_num_queries):
    _redis_or_skip()
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": REDIS_DB4}}
    settings.AUTH_FAILURE_RATE = "3/day"
    cache.clear()
    try:
        env = {**os.environ, "DEBUG": "1", "REDIS_URL": REDIS_DB4, "AUTH_FAILURE_RATE": "3/day"}
        env.pop("DATABASE_URL", None)
        result = subprocess.run(
            [sys.executable, "manage.py", "shell", "--no-imports", "-c",
             f"from tokens import limits; print([limits.note_failure({ATTACKER!r}) "
             "for _ in range(3)])"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert result.stdout.strip() == "[True, True, True]", result.stderr
        with django_assert_num_queries(0):
            assert attempt().status_code == 429
        assert attempt(address="192.0.2.77").status_code == 401
    finally:
        cache.clear()


# A token's own request limit ------------------------------------------------------------------

def issue(client, user, **body):
    body.setdefault("name", "billing")
    return client.post(f"/api/v1/programmatic-users/{user.pk}/tokens/", body, format="json")


@pytest.mark.parametrize("given, stored", [("100/minute", "100/minute"), ("5/s", "5/second"),
                                           (" 7/h ", "7/hour"), (None, None), ("", None)])
def test_a_token_is_issued_with_its_request_limit(token_configurator, programmatic_user, given,
                                                  stored):
    response = issue(client_for(token_configurator), programmatic_user, rate_limit=given)
    assert response.status_code == 201
    assert response.json()["rate_limit"] == stored
    assert ApiToken.objects.get().rate_limit == stored
    event = AuditEvent.objects.get(event="token.issued")
    assert event.details["rate_limit"] == stored


@pytest.mark.parametrize("given", ["fast", "0/minute", "10/week", "10/minutes", "1e3/s", 5,
                                   "9999999999/s"])
def test_a_bad_request_limit_is_400_and_issues_nothing(token_configurator, programmatic_user,
                                                       given):
    response = issue(client_for(token_configurator), programmatic_user, rate_limit=given)
    assert response.status_code == 400
    assert "rate_limit" in response.json()
    assert not ApiToken.objects.exists()


def limited(user, rate="3/minute", **kwargs):
    return ApiTokenFactory(user=user, rate_limit=rate, last_used_at=timezone.now(), **kwargs)


def quota(response) -> tuple:
    return (response["X-RateLimit-Limit"], response["X-RateLimit-Remaining"],
            response["X-RateLimit-Reset"])


def test_a_limited_token_gets_its_quota_on_every_answer_and_429_past_it(clock, programmatic_user):
    token = limited(programmatic_user)
    client = bearer(APIClient(), token.plaintext)
    answers = [client.get(ME) for _ in range(4)]
    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    reset = "1800000060"
    assert [quota(r) for r in answers] == [("3", "2", reset), ("3", "1", reset),
                                           ("3", "0", reset), ("3", "0", reset)]
    assert api_error(answers[3]) == throttled_body(50)
    assert answers[3]["Retry-After"] == "50"
    used = AuditEvent.objects.filter(event="token.used", token_id=token.pk).order_by("id")
    assert [event.status for event in used] == [200, 200, 200, 429]
    assert not AuditEvent.objects.filter(event="auth.failed").exists()
    clock.move(50)
    assert quota(client.get(ME)) == ("3", "2", "1800000120")


def test_the_view_s_own_failures_carry_the_quota_too(clock, programmatic_user):
    token = limited(programmatic_user, read_only=True)
    client = bearer(APIClient(), token.plaintext)
    missing = client.get("/api/v1/projects/987654/")
    forbidden = client.post("/api/v1/projects/", {}, format="json")
    assert (missing.status_code, forbidden.status_code) == (404, 403)
    assert quota(missing)[1:] == ("2", "1800000060") and quota(forbidden)[1] == "1"


def test_token_rate_is_the_default_and_a_token_s_own_limit_wins(clock, settings,
                                                               programmatic_user):
    settings.TOKEN_RATE = "2/minute"
    default = ApiTokenFactory(user=programmatic_user)
    own = limited(programmatic_user, rate="5/hour")
    assert [bearer(APIClient(), default.plaintext).get(ME).status_code
            for _ in range(3)] == [200, 200, 429]
    response = bearer(APIClient(), own.plaintext).get(ME)
    assert quota(response) == ("5", "4", str(1_800_000_000 + 3600))


def count_cache_calls(monkeypatch) -> list:
    """The calls made to the cache (not those a cache method makes to itself)."""
    calls, depth = [], []
    for name in ("get", "get_many", "set", "add", "incr", "touch", "delete", "has_key"):
        original = getattr(LocMemCache, name)

        def counting(self, *args, _name=name, _original=original, **kwargs):
            if not depth:
                calls.append((_name, args[0]))
            depth.append(1)
            try:
                return _original(self, *args, **kwargs)
            finally:
                depth.pop()

        monkeypatch.setattr(LocMemCache, name, counting)
    return calls


def test_an_unlimited_token_costs_no_cache_round_trip_of_its_own(clock, token, monkeypatch):
    calls = count_cache_calls(monkeypatch)
    response = bearer(APIClient(), token.plaintext).get(ME)
    assert response.status_code == 200
    assert "X-RateLimit-Limit" not in response
    # The one call is the address check every Bearer request makes (AUTH_FAILURE_RATE).
    assert calls == [("get_many", ["tokens:auth-failures:127.0.0.1:60:30000000",
                                   "tokens:auth-failures-pending:127.0.0.1"])]


def test_a_limited_token_counts_its_request_in_the_cache(clock, programmatic_user, monkeypatch):
    token = limited(programmatic_user)
    calls = count_cache_calls(monkeypatch)
    assert bearer(APIClient(), token.plaintext).get(ME).status_code == 200
    assert calls[1:] == [("incr", f"tokens:token-requests:{token.pk}:30000000"),
                         ("add", f"tokens:token-requests:{token.pk}:30000000")]


def test_rotation_keeps_the_request_limit(token_configurator, programmatic_user):
    token = limited(programmatic_user, rate="10/second")
    body = client_for(token_configurator).post(f"/api/v1/tokens/{token.pk}/rotate/",
                                               format="json").json()
    assert body["rate_limit"] == "10/second"
    self_rotated = bearer(APIClient(), body["token"]).post("/api/v1/me/token/rotate/").json()
    assert self_rotated["rate_limit"] == "10/second"


# At most TOKEN_MAX_PER_USER working tokens per programmatic user --------------------------------

TOO_MANY = ("This programmatic user already has {n} active tokens, the most TOKEN_MAX_PER_USER "
            "allows. Revoke one it no longer needs, or rotate one instead of issuing another.")


def test_issuing_past_the_cap_is_400_naming_it_and_stores_nothing(token_configurator,
                                                                   programmatic_user):
    client = client_for(token_configurator)
    for n in range(10):
        assert issue(client, programmatic_user, name=f"t{n}").status_code == 201
    response = issue(client, programmatic_user, name="one too many")
    assert response.status_code == 400
    assert api_error(response) == {"non_field_errors": [TOO_MANY.format(n=10)]}
    assert ApiToken.objects.count() == 10
    assert AuditEvent.objects.filter(event="token.issued").count() == 10


def test_only_working_tokens_that_were_not_replaced_count(token_configurator, programmatic_user,
                                                          settings):
    settings.TOKEN_MAX_PER_USER = 2
    client = client_for(token_configurator)
    first = ApiTokenFactory(user=programmatic_user)
    ApiTokenFactory(user=programmatic_user, expires_at=timezone.now())
    ApiTokenFactory(user=programmatic_user, revoked_at=timezone.now(), revoked_reason="x")
    second = issue(client, programmatic_user).json()
    assert issue(client, programmatic_user).status_code == 400
    rotated = client.post(f"/api/v1/tokens/{first.pk}/rotate/", {"grace_hours": 24},
                          format="json")
    assert rotated.status_code == 201  # rotation replaces a token: allowed at the cap
    assert issue(client, programmatic_user).status_code == 400
    client.post(f"/api/v1/tokens/{second['id']}/revoke/", format="json")
    assert issue(client, programmatic_user).status_code == 201


@pytest.fixture
def alice(db):
    user = PersonFactory(username="alice", is_staff=True)
    user.groups.add(group("Token configurators"))
    return user


def test_the_admin_and_the_command_refuse_past_the_cap(programmatic_user, settings, alice):
    settings.TOKEN_MAX_PER_USER = 1
    ApiTokenFactory(user=programmatic_user)
    with pytest.raises(CommandError) as caught:
        call_command("issue_token", "billing-sync", stdout=StringIO(), stderr=StringIO())
    assert str(caught.value) == "Cannot issue the token: " + TOO_MANY.format(n=1)
    page = post_issue(browser_for(alice), programmatic_user)
    assert page.status_code == 200
    assert TOO_MANY.format(n=1) in page.content.decode().replace("&#x27;", "'")
    assert ApiToken.objects.count() == 1


def test_issue_token_takes_a_request_limit(programmatic_user):
    call_command("issue_token", "billing-sync", "--rate-limit", "60/m", stdout=StringIO(),
                 stderr=StringIO())
    assert ApiToken.objects.get().rate_limit == "60/minute"
    with pytest.raises(CommandError) as caught:
        call_command("issue_token", "billing-sync", "--rate-limit", "lots", stdout=StringIO(),
                     stderr=StringIO())
    assert str(caught.value) == (
        "Cannot issue the token: rate_limit: Give a number of requests per second, minute, "
        "hour or day, such as 30/minute, or nothing for no limit of its own.")


def test_the_admin_issue_form_takes_a_request_limit(programmatic_user, alice):
    browser = browser_for(alice)
    bad = post_issue(browser, programmatic_user, rate_limit="lots")
    assert b"such as 30/minute" in bad.content and not ApiToken.objects.exists()
    assert post_issue(browser, programmatic_user, rate_limit="20/minute").status_code == 200
    token = ApiToken.objects.get()
    assert token.rate_limit == "20/minute"
    page = browser.get(f"/admin/tokens/apitoken/{token.pk}/change/").content.decode()
    assert "20/minute" in page


def test_services_normalise_what_they_are_given(programmatic_user):
    issued = services.token_issue(actor=None, user=programmatic_user, name="x",
                                  rate_limit="3/d")
    assert issued.token.rate_limit == "3/day"
