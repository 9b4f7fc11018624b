"""Rotation, revocation and last-use under real concurrency on PostgreSQL (threads, commits)."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, transaction
from rest_framework.test import APIClient

from audit.models import AuditEvent
from tests.accounts.factories import PersonFactory, group
from tests.conftest import client_for, postgres_only
from tests.tokens.factories import ApiTokenFactory, bearer
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


def test_a_revocation_during_traffic_is_401_for_every_later_request_and_never_500(issuer):
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
