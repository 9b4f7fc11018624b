"""Rotation, revocation, families, reuse detection, the token cap and last-use under real
concurrency on PostgreSQL (threads, commits)."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AuditEvent
from tests.accounts.factories import PersonFactory, ProgrammaticUserFactory, group
from tests.conftest import client_for, postgres_only
from tests.tokens.factories import ApiTokenFactory, bearer
from tokens import services
from tokens.conf import REUSE_DETECTION_DELAY_SECONDS
from tokens.exceptions import TokenConflict
from tokens.models import ApiToken

pytestmark = [pytest.mark.postgres, postgres_only, pytest.mark.django_db(transaction=True)]

ME = "/api/v1/me/"


def closing(func):
    """Run `func` in a worker thread and close that thread's database connection after."""

    def run(*args):
        try:
            return func(*args)
        finally:
            connection.close()

    return run


@pytest.fixture
def issuer():
    user = PersonFactory(username="issuer", is_staff=True)
    user.groups.add(group("Token configurators"))
    return user


@pytest.mark.parametrize("attempt", range(3))
def test_two_simultaneous_rotations_one_wins_the_other_is_409(issuer, attempt):
    token = ApiTokenFactory()
    start = threading.Barrier(2)

    @closing
    def rotate(_):
        client = client_for(issuer)
        start.wait(10)
        return client.post(f"/api/v1/tokens/{token.pk}/rotate/", {"grace_hours": 1},
                           format="json").status_code

    with ThreadPoolExecutor(2) as pool:
        statuses = sorted(pool.map(rotate, range(2)))
    assert statuses == [201, 409]
    assert ApiToken.objects.filter(rotated_from=token).count() == 1
    assert AuditEvent.objects.filter(event="token.rotated", token_id=token.pk).count() == 1


def test_two_simultaneous_self_rotations_one_wins():
    token = ApiTokenFactory()
    start = threading.Barrier(2)

    @closing
    def rotate(_):
        client = bearer(APIClient(), token.plaintext)
        start.wait(10)
        return client.post("/api/v1/me/token/rotate/").status_code

    with ThreadPoolExecutor(2) as pool:
        statuses = sorted(pool.map(rotate, range(2)))
    # The loser either waited for the lock and found the token rotated (409) or authenticated
    # after the winner committed a zero grace (401): never two new tokens, never a 500.
    assert statuses[0] == 201 and statuses[1] in (401, 409)
    assert ApiToken.objects.filter(rotated_from=token).count() == 1


def test_a_revocation_during_traffic_is_401_for_every_later_request_and_never_500(issuer,
                                                                                 settings):
    settings.AUTH_FAILURE_RATE = "100000/minute"  # the failures after revocation are the point
    token = ApiTokenFactory()
    stop = threading.Event()
    outcomes: list[tuple[float, float, int]] = []

    @closing
    def hammer(_):
        client = bearer(APIClient(), token.plaintext)
        while not stop.is_set():
            began = time.monotonic()
            status = client.get(ME).status_code
            outcomes.append((began, time.monotonic(), status))

    with ThreadPoolExecutor(3) as pool:
        workers = [pool.submit(hammer, n) for n in range(3)]
        time.sleep(0.5)
        response = client_for(issuer).post(f"/api/v1/tokens/{token.pk}/revoke/")
        revoked_at = time.monotonic()
        time.sleep(0.5)
        stop.set()
        for worker in workers:
            worker.result(30)
    connection.close()
    assert response.status_code == 200
    statuses = {status for _, _, status in outcomes}
    assert statuses <= {200, 401}
    assert any(status == 200 for began, _, status in outcomes if began < revoked_at)
    later = [status for began, _, status in outcomes if began > revoked_at]
    assert later and set(later) == {401}


def test_concurrent_first_uses_note_the_last_use_once_without_errors():
    token = ApiTokenFactory()
    start = threading.Barrier(4)

    @closing
    def use(_):
        client = bearer(APIClient(), token.plaintext)
        start.wait(10)
        return client.get(ME, REMOTE_ADDR="192.0.2.5").status_code

    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(use, range(4))) == [200] * 4
    token.refresh_from_db()
    assert token.last_used_ip == "192.0.2.5"
    assert AuditEvent.objects.filter(event="token.used", token_id=token.pk).count() == 4


def test_noting_the_last_use_never_waits_for_a_locked_token_row():
    token = ApiTokenFactory()
    locked, release = threading.Event(), threading.Event()

    @closing
    def hold_lock():
        with transaction.atomic():
            ApiToken.objects.select_for_update().get(pk=token.pk)
            locked.set()
            release.wait(20)

    holder = threading.Thread(target=hold_lock)
    holder.start()
    try:
        assert locked.wait(10)
        began = time.monotonic()
        response = bearer(APIClient(), token.plaintext).get(ME)
        elapsed = time.monotonic() - began
    finally:
        release.set()
        holder.join(20)
    assert response.status_code == 200
    assert elapsed < 5  # it would wait for the full 20 s if the UPDATE queued behind the lock
    token.refresh_from_db()
    assert token.last_used_at is None  # skipped this time; the next request notes it


# Families: a rotation racing a family revocation never leaves a live token (issue 15) ----------

def _live_in_family(token) -> list[int]:
    return list(ApiToken.objects.in_family(token.family_id).usable()
                .values_list("pk", flat=True))


def test_a_family_revocation_waits_for_a_rotation_in_flight_and_revokes_its_new_token():
    """The revocation names the family's first token while its second one is being rotated."""
    token = ApiTokenFactory()
    second = services.token_rotate(actor=None, token=token, grace_hours=1).token
    rotated, release = threading.Event(), threading.Event()

    @closing
    def rotate():
        with transaction.atomic():
            issued = services.token_rotate(actor=None, token=second, grace_hours=1)
            rotated.set()
            release.wait(20)
        return issued.token.pk

    @closing
    def revoke_family():
        return [member.pk for member in
                services.token_family_revoke(actor=None, token=token, reason="leaked")]

    with ThreadPoolExecutor(2) as pool:
        rotation = pool.submit(rotate)
        assert rotated.wait(10)
        revocation = pool.submit(revoke_family)
        time.sleep(0.5)
        assert not revocation.done()  # it waits for the family's lock
        release.set()
        new = rotation.result(30)
        revoked = revocation.result(30)
    assert sorted(revoked) == [token.pk, second.pk, new]
    assert _live_in_family(token) == []


def test_a_rotation_waits_for_a_family_revocation_in_flight_and_is_refused():
    token = ApiTokenFactory()
    second = services.token_rotate(actor=None, token=token, grace_hours=1).token
    revoked, release = threading.Event(), threading.Event()

    @closing
    def revoke_family():
        with transaction.atomic():
            services.token_family_revoke(actor=None, token=token, reason="leaked")
            revoked.set()
            release.wait(20)

    @closing
    def rotate():
        try:
            services.token_rotate(actor=None, token=second, grace_hours=1)
        except TokenConflict:
            return 409
        return 201

    with ThreadPoolExecutor(2) as pool:
        revocation = pool.submit(revoke_family)
        assert revoked.wait(10)
        rotation = pool.submit(rotate)
        time.sleep(0.5)
        assert not rotation.done()
        release.set()
        revocation.result(30)
        assert rotation.result(30) == 409
    assert ApiToken.objects.count() == 2
    assert _live_in_family(token) == []


@pytest.mark.parametrize("attempt", range(3))
def test_a_rotation_and_a_leak_report_at_once_leave_no_live_token(issuer, attempt):
    token = ApiTokenFactory()
    second = services.token_rotate(actor=None, token=token, grace_hours=1).token
    start = threading.Barrier(2)

    @closing
    def act(which):
        client = client_for(issuer) if which == "rotate" else APIClient()
        start.wait(10)
        if which == "rotate":
            return client.post(f"/api/v1/tokens/{second.pk}/rotate/", {"grace_hours": 1},
                               format="json").status_code
        return client.post("/api/v1/tokens/revoke-leaked/", {"token": token.plaintext},
                           format="json").status_code

    with ThreadPoolExecutor(2) as pool:
        rotation, report = pool.map(act, ["rotate", "report"])
    assert rotation in (201, 409) and report == 202
    assert _live_in_family(token) == []


@pytest.mark.parametrize("attempt", range(2))
def test_a_dead_token_presented_twice_at_once_revokes_the_family_once_and_mails_once(attempt):
    old = ApiTokenFactory()
    new = services.token_rotate(actor=None, token=old, grace_hours=0)
    long_ago = timezone.now() - timedelta(seconds=REUSE_DETECTION_DELAY_SECONDS + 1)
    ApiToken.objects.filter(pk=old.pk).update(expires_at=long_ago, grace_until=long_ago)
    start = threading.Barrier(3)

    @closing
    def present(_):
        client = bearer(APIClient(), old.plaintext)
        start.wait(10)
        return client.get(ME).status_code

    with ThreadPoolExecutor(3) as pool:
        assert list(pool.map(present, range(3))) == [401, 401, 401]
    assert list(AuditEvent.objects.filter(event="token.revoked")
                .values_list("token_id", "details")) == [
        (new.token.pk, {"reason": "reuse_detected", "family": old.pk, "presented": old.pk})]
    assert len(mail.outbox) == 1
    assert AuditEvent.objects.filter(event="auth.failed").count() == 3


# TOKEN_MAX_PER_USER holds under concurrency (issue 19) -----------------------------------------

@pytest.mark.parametrize("attempt", range(3))
def test_two_issues_at_once_for_the_last_free_place_one_succeeds(issuer, settings, attempt):
    settings.TOKEN_MAX_PER_USER = 3
    user = ProgrammaticUserFactory()
    ApiTokenFactory.create_batch(2, user=user)
    start = threading.Barrier(2)

    @closing
    def issue(n):
        client = client_for(issuer)
        start.wait(10)
        return client.post(f"/api/v1/programmatic-users/{user.pk}/tokens/", {"name": f"t{n}"},
                           format="json").status_code

    with ThreadPoolExecutor(2) as pool:
        assert sorted(pool.map(issue, range(2))) == [201, 400]
    assert ApiToken.objects.filter(user=user).count() == 3
