"""The login limit (issue 19): LOGIN_FAILURE_LIMIT failed password logins per username and per
address within LOGIN_LOCKOUT_MINUTES lock it for LOGIN_LOCKOUT_MINUTES, with one answer for every
username and one `login.locked` per lock-out."""

import logging
import os
import subprocess
import sys

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import get_hasher
from django.core.cache import cache
from django.test import Client

from accounts import lockout
from audit.models import AuditEvent
from tests.accounts.factories import PersonFactory, ProgrammaticUserFactory
from tests.conftest import PASSWORD
from tests.test_settings import ROOT, _redis_or_skip

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

WRONG = ("Please enter the correct username and password for a staff account. Note that both "
         "fields may be case-sensitive.")
LOCKED = "Too many failed login attempts. Try again later."
ATTACKER = "203.0.113.66"
T0 = 1_800_000_000.0  # a whole number of 15-minute windows
WINDOW = 15 * 60
REDIS_DB8 = "redis://127.0.0.1:6379/8"


class Clock:
    def __init__(self, monkeypatch):
        self.now = T0
        monkeypatch.setattr(lockout, "clock", lambda: self.now)

    def move(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def staffer(db):
    return PersonFactory(username="staffer", is_staff=True)


def admin_login(username: str, password: str, address: str = ATTACKER):
    """One login on the admin's form, from a fresh browser at `address`."""
    return Client(REMOTE_ADDR=address).post(
        "/admin/login/?next=/admin/", {"username": username, "password": password})


def errors(response) -> list[str]:
    """The form's messages, once the page is checked to be the login form again."""
    assert response.status_code == 200
    assert response.templates[0].name == "admin/login.html"
    assert "_auth_user_id" not in response.wsgi_request.session
    return list(response.context["form"].non_field_errors())


def logged_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/admin/"


def fail(username: str, times: int, *, addresses=None) -> list[list[str]]:
    """`times` wrong passwords for `username`, each from its own address unless given."""
    answers = []
    for number in range(times):
        address = addresses[number] if addresses else f"198.51.100.{number + 1}"
        answers.append(errors(admin_login(username, f"guess-{number}", address)))
    return answers


def lock_events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event="login.locked").order_by("id"))


# One answer for every username ----------------------------------------------------------------

@pytest.mark.parametrize("kind", ["existing person", "unknown username", "programmatic user"])
def test_the_fifth_failure_is_a_wrong_password_and_the_sixth_attempt_is_locked(kind, staffer,
                                                                               clock):
    username = {"existing person": "staffer", "unknown username": "nobody-here",
                "programmatic user": ProgrammaticUserFactory(username="robot").username}[kind]

    assert fail(username, 5) == [[WRONG]] * 5
    # The sixth attempt, from yet another address, with the staffer's right password.
    assert errors(admin_login(username, PASSWORD, "192.0.2.200")) == [LOCKED]
    assert errors(admin_login(username, "guess-again", "192.0.2.201")) == [LOCKED]


def test_a_locked_existing_username_and_a_locked_unknown_one_answer_byte_for_byte_alike(staffer,
                                                                                        clock):
    fail("staffer", 5)
    fail("nobody-here", 5)
    known = admin_login("staffer", PASSWORD, "192.0.2.200")
    unknown = admin_login("nobody-here", PASSWORD, "192.0.2.200")
    assert known.status_code == unknown.status_code == 200

    def page(response) -> str:  # the form echoes the username back, and a CSRF token changes
        body = response.content.decode()
        body = body.replace(response.context["form"]["username"].value(), "USERNAME")
        return body.replace(str(response.context["csrf_token"]), "CSRF")

    assert page(known) == page(unknown)


def test_usernames_are_counted_whatever_their_case(staffer, clock):
    assert fail("Staffer", 2) + fail("STAFFER", 2) + fail("staffer", 1) == [[WRONG]] * 5
    assert errors(admin_login("staffer", PASSWORD, "192.0.2.200")) == [LOCKED]
    assert errors(admin_login("sTaFfEr", PASSWORD, "192.0.2.201")) == [LOCKED]


# By address ----------------------------------------------------------------------------------

def test_an_address_is_locked_across_usernames(staffer, clock):
    sprayed = [errors(admin_login(f"user{n}", "Winter2025!", ATTACKER)) for n in range(5)]
    assert sprayed == [[WRONG]] * 5

    assert errors(admin_login("staffer", PASSWORD, ATTACKER)) == [LOCKED]
    assert logged_in(admin_login("staffer", PASSWORD, "192.0.2.9"))  # from elsewhere: not locked


def test_the_addresses_of_one_ipv6_block_count_together(staffer, clock):
    block = [f"2001:db8:1:2::{n:x}" for n in range(1, 6)]
    fail("someone", 5, addresses=block)
    assert errors(admin_login("staffer", PASSWORD, "2001:db8:1:2:ffff::1")) == [LOCKED]
    assert logged_in(admin_login("staffer", PASSWORD, "2001:db8:1:3::1"))


def test_the_address_is_the_one_the_trusted_proxy_names(staffer, clock, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(5):
        response = Client(REMOTE_ADDR="10.0.0.1").post(
            "/admin/login/?next=/admin/", {"username": f"user{n}", "password": "x"},
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, {ATTACKER}")
        assert errors(response) == [WRONG]
    locked = Client(REMOTE_ADDR="10.0.0.1").post(
        "/admin/login/?next=/admin/", {"username": "staffer", "password": PASSWORD},
        HTTP_X_FORWARDED_FOR=f"1.2.3.4, {ATTACKER}")
    assert errors(locked) == [LOCKED]
    other = Client(REMOTE_ADDR="10.0.0.1").post(
        "/admin/login/?next=/admin/", {"username": "staffer", "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="192.0.2.50")
    assert logged_in(other)  # the proxy's own address is not what was locked


# Time ----------------------------------------------------------------------------------------

def test_the_right_password_is_refused_while_locked_and_accepted_after_the_window(staffer, clock):
    clock.move(600)  # the lock-out lasts LOGIN_LOCKOUT_MINUTES from the failure that made it
    fail("staffer", 5)
    clock.move(WINDOW - 1)
    assert errors(admin_login("staffer", PASSWORD, "192.0.2.200")) == [LOCKED]
    clock.move(1)
    assert logged_in(admin_login("staffer", PASSWORD, "192.0.2.201"))


def test_failures_in_different_windows_do_not_add_up(staffer, clock):
    fail("staffer", 4)
    clock.move(WINDOW)
    assert fail("staffer", 4) == [[WRONG]] * 4
    assert logged_in(admin_login("staffer", PASSWORD, "192.0.2.200"))
    assert lock_events() == []


def test_the_settings_are_read_at_use(staffer, clock, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    settings.LOGIN_LOCKOUT_MINUTES = 1
    fail("staffer", 2)
    assert errors(admin_login("staffer", PASSWORD, "192.0.2.200")) == [LOCKED]
    clock.move(60)
    assert logged_in(admin_login("staffer", PASSWORD, "192.0.2.201"))
    [event] = lock_events()
    assert (event.details["failures"], event.details["minutes"]) == (2, 1)


# What counts ---------------------------------------------------------------------------------

def test_successful_logins_neither_count_nor_wipe_the_failures(staffer, clock):
    fail("staffer", 4, addresses=[ATTACKER] * 4)
    for _ in range(6):
        assert logged_in(admin_login("staffer", PASSWORD, ATTACKER))
    assert errors(admin_login("staffer", "last-guess", ATTACKER)) == [WRONG]
    assert errors(admin_login("staffer", PASSWORD, ATTACKER)) == [LOCKED]


def test_guesses_sent_all_at_once_get_no_more_password_checks_than_the_limit(clock):
    """Each attempt is counted before its password is checked: a burst in flight is capped."""
    in_flight = [lockout.begin(None, "staffer") for _ in range(100)]
    assert [attempt.refused for attempt in in_flight] == [False] * 5 + [True] * 95
    for attempt in in_flight[:5]:
        attempt.end(succeeded=False)
    assert len(lock_events()) == 1
    assert lockout.begin(None, "staffer").refused


def test_while_locked_nothing_is_looked_up_and_the_password_is_hashed_once(staffer, clock,
                                                                          monkeypatch,
                                                                          django_assert_num_queries):
    """No oracle: a locked attempt never reads the user (known, unknown, programmatic alike)
    and costs one hash, as every other refusal does (CVE-2024-39329)."""
    ProgrammaticUserFactory(username="robot")
    hasher_class = type(get_hasher())
    calls = []
    original = hasher_class.encode

    def counting_encode(self, password, salt, *args, **kwargs):
        calls.append(password)
        return original(self, password, salt, *args, **kwargs)

    monkeypatch.setattr(hasher_class, "encode", counting_encode)
    for username in ("staffer", "robot", "nobody-at-all"):
        for _ in range(5):
            authenticate(username=username, password="wrong")
        calls.clear()
        with django_assert_num_queries(0):
            assert authenticate(username=username, password=PASSWORD) is None
        assert calls == [PASSWORD], username


def test_the_session_login_page_is_limited_too(staffer, clock):
    for n in range(5):
        response = Client(REMOTE_ADDR=ATTACKER).post(
            "/accounts/login/", {"username": f"user{n}", "password": "x"})
        assert response.status_code == 200
        assert list(response.context["form"].non_field_errors()) == [
            "Please enter a correct username and password. Note that both fields may be "
            "case-sensitive."]
    response = Client(REMOTE_ADDR=ATTACKER).post(
        "/accounts/login/", {"username": "staffer", "password": PASSWORD})
    assert response.status_code == 200
    assert list(response.context["form"].non_field_errors()) == [LOCKED]
    assert "_auth_user_id" not in response.wsgi_request.session


def test_an_unreadable_address_is_counted_as_one_unknown_address(staffer, clock):
    for n in range(5):
        assert errors(admin_login(f"user{n}", "x", address="not-an-address")) == [WRONG]
    assert errors(admin_login("staffer", PASSWORD, address="also-not-one")) == [LOCKED]


# The audit event -----------------------------------------------------------------------------

def test_one_login_locked_per_lock_out_never_per_refused_attempt(staffer, clock):
    fail("staffer", 5)
    for n in range(10):
        errors(admin_login("staffer", PASSWORD, f"192.0.2.{n + 100}"))
    [event] = lock_events()
    assert event.details == {"locked": "username", "username": "staffer", "failures": 5,
                             "minutes": 15, "until": "2027-01-15T08:15:00+00:00"}
    assert (event.actor_id, event.actor_username, event.target_type) == (None, "", "")
    assert (event.ip, event.method, event.path) == ("198.51.100.5", "POST", "/admin/login/")

    clock.move(WINDOW)
    fail("staffer", 5)
    assert len(lock_events()) == 2


def test_an_address_lock_out_names_the_address_and_never_a_password(staffer, clock):
    guesses = [f"Secret-{n}-guess" for n in range(5)]
    for n, guess in enumerate(guesses):
        admin_login("staffer", guess, ATTACKER)
        assert len(lock_events()) == (2 if n == 4 else 0)
    by_username, by_address = lock_events()
    assert by_username.details["locked"] == "username"
    assert by_address.details == {"locked": "address", "address": ATTACKER, "failures": 5,
                                  "minutes": 15, "until": "2027-01-15T08:15:00+00:00"}
    for row in AuditEvent.objects.all():
        text = str([getattr(row, f.attname) for f in AuditEvent._meta.fields])
        assert not any(guess in text for guess in guesses + [PASSWORD])


def test_a_programmatic_user_is_still_audited_as_refused_until_locked(clock):
    ProgrammaticUserFactory(username="robot")
    fail("robot", 7)
    assert AuditEvent.objects.filter(event="login.refused").count() == 5
    assert len(lock_events()) == 1


# The cache ----------------------------------------------------------------------------------

@pytest.fixture
def unreachable_cache(settings):
    settings.CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }}


def test_with_the_cache_down_logins_work_and_the_limit_holds_per_process(unreachable_cache,
                                                                         staffer, clock, caplog):
    with caplog.at_level(logging.INFO, logger="common.counters"):
        assert logged_in(admin_login("staffer", PASSWORD))
        assert fail("staffer", 5) == [[WRONG]] * 5
        assert errors(admin_login("staffer", PASSWORD)) == [LOCKED]
    [warning] = [record for record in caplog.records if record.name == "common.counters"]
    assert warning.levelno == logging.WARNING
    assert warning.getMessage().startswith("The shared cache failed (ConnectionError: ")
    assert len(lock_events()) == 1


def test_with_redis_a_lock_out_holds_in_every_process(staffer, settings):
    _redis_or_skip()
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": REDIS_DB8}}
    cache.clear()
    try:
        fail("staffer", 5)
        env = {**os.environ, "DEBUG": "1", "REDIS_URL": REDIS_DB8}
        env.pop("DATABASE_URL", None)
        result = subprocess.run(
            [sys.executable, "manage.py", "shell", "--no-imports", "-c",
             "from accounts import lockout; "
             "print(lockout.begin(None, 'STAFFER').refused, lockout.begin(None, 'other').refused)"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert result.stdout.strip() == "True False", result.stderr
    finally:
        cache.clear()
