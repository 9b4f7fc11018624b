"""Redis stopped under two live servers: the abuse limits fall back to per-process counting with
one warning per process, authentication keeps working, and the shared counting resumes once
Redis answers again (issue 19, "Faults"). A frozen Redis costs one request its socket timeout.

Two gunicorns (one worker each) share the test database and a redis-server of the test's own
(a port in 56400-56499; the machine's shared Redis is never stopped). AUTH_FAILURE_RATE is
3/day, and each phase fails from its own client address (X-Forwarded-For through one trusted
proxy), so the phases' counts never meet.
"""

import signal
import time

import pytest
from django.conf import settings

from audit.models import AuditEvent
from bench.server import Gunicorn
from tests.conftest import postgres_only
from tests.live import call, live_database_url, product_env, throwaway_redis
from tests.tokens.factories import ApiTokenFactory
from tokens import crypto

pytestmark = [pytest.mark.postgres, postgres_only, pytest.mark.slow,
              pytest.mark.django_db(transaction=True), pytest.mark.timeout(300)]

RATE = 3
UNKNOWN = crypto.build("B" * 40, "pgu_")  # well-formed, so it fails as `unknown`
WENT_DOWN = "common.counters: The shared cache failed (ConnectionError"
CAME_BACK = "common.counters: The shared cache answers again: abuse limits are shared again."
RESUME_WITHIN = 45  # seconds: the counters retry the shared cache every 30 s (common.counters)


def env_for(redis_url: str) -> dict:
    return product_env(live_database_url(), REDIS_URL=redis_url, AUTH_FAILURE_RATE=f"{RATE}/day",
                       TRUSTED_PROXY_COUNT="1", LOG_LEVEL="INFO", CONN_MAX_AGE="60",
                       SECRET_KEY=settings.SECRET_KEY, TOKEN_HASH_KEY=settings.TOKEN_HASH_KEY)


def status(server: Gunicorn, address: str, token: str = UNKNOWN) -> int:
    answer = call(server.url, "/api/v1/me/", token=token,
                  headers={"X-Forwarded-For": address})
    assert answer.took < 3, "a request waited on the cache"
    return answer.status


def failures_from(address: str) -> int:
    return AuditEvent.objects.filter(event="auth.failed", ip=address).count()


def test_redis_stopped_limits_fall_back_per_process_and_the_shared_count_resumes(
        programmatic_user, tmp_path):
    token = ApiTokenFactory(user=programmatic_user).plaintext
    logs = [tmp_path / "one.log", tmp_path / "two.log"]
    with throwaway_redis(range(56400, 56500)) as redis:
        env = env_for(redis.url())
        with Gunicorn(env, workers=1, log=logs[0]) as one, \
                Gunicorn(env, workers=1, log=logs[1]) as two:
            # Redis up: failures split across the two servers add up.
            assert [status(one, "192.0.2.1"), status(two, "192.0.2.1"),
                    status(one, "192.0.2.1")] == [401, 401, 401]
            assert [status(two, "192.0.2.1", token), status(one, "192.0.2.1", token)] == [429, 429]

            redis.stop()
            stopped = time.monotonic()
            # Authentication keeps working on both, without waiting on the cache.
            assert [status(one, "192.0.2.2", token), status(two, "192.0.2.2", token)] == [200, 200]
            leak = call(one.url, "/api/v1/tokens/revoke-leaked/", method="POST",
                        body={"token": "x"}, headers={"X-Forwarded-For": "192.0.2.2"})
            assert leak.status == 202
            # Each process counts alone: RATE failures on each before its own 429.
            assert [status(one, "192.0.2.3") for _ in range(RATE + 1)] == [401] * RATE + [429]
            assert [status(two, "192.0.2.3") for _ in range(RATE + 1)] == [401] * RATE + [429]
            assert status(two, "192.0.2.3", token) == 429
            assert status(two, "192.0.2.4", token) == 200
            outage_answered = time.monotonic() - stopped

            redis.start()
            restarted = time.monotonic()
            deadline = restarted + RESUME_WITHIN
            while not all(CAME_BACK in log.read_text() for log in logs):
                assert time.monotonic() < deadline, "the shared cache was not used again"
                assert [status(one, "192.0.2.5", token), status(two, "192.0.2.5", token)] == [
                    200, 200]
                time.sleep(0.5)
            resumed = time.monotonic() - restarted
            # Shared again: failures split across the two servers add up again.
            assert [status(two, "192.0.2.6"), status(one, "192.0.2.6"),
                    status(two, "192.0.2.6")] == [401, 401, 401]
            assert [status(one, "192.0.2.6", token), status(two, "192.0.2.6", token)] == [429, 429]

    for log in logs:
        text = log.read_text()
        assert text.count("common.counters: The shared cache failed") == 1
        assert text.count(WENT_DOWN) == 1
        assert text.count(CAME_BACK) == 1
        assert "Traceback" not in text
    # Each failure below the limit is its own event: per process while Redis was down.
    assert [failures_from(address) for address in ("192.0.2.1", "192.0.2.3", "192.0.2.6")] == [
        RATE, 2 * RATE, RATE]
    print(f"\nFAULT redis stopped: every request answered without waiting on the cache "
          f"(outage phase {outage_answered:.2f} s); failures counted per process, {RATE} per "
          f"process per window; shared counting resumed {resumed:.1f} s after Redis came back")


def test_a_redis_that_hangs_costs_one_request_its_socket_timeout_and_no_more(
        programmatic_user, tmp_path):
    """A frozen redis-server (SIGSTOP: connections open, no answer) is given up after the
    cache's socket timeout (1 s) once; the requests after it do not wait on it."""
    token = ApiTokenFactory(user=programmatic_user).plaintext
    log = tmp_path / "server.log"
    with throwaway_redis(range(56400, 56500)) as redis, \
            Gunicorn(env_for(redis.url()), workers=1, log=log) as server:
        assert status(server, "192.0.2.10", token) == 200
        redis.process.send_signal(signal.SIGSTOP)
        try:
            first = call(server.url, "/api/v1/me/", token=token,
                         headers={"X-Forwarded-For": "192.0.2.10"})
            after = [call(server.url, "/api/v1/me/", token=token,
                          headers={"X-Forwarded-For": "192.0.2.10"}) for _ in range(10)]
        finally:
            redis.process.send_signal(signal.SIGCONT)
    assert [first.status] + [a.status for a in after] == [200] * 11
    assert 0.9 < first.took < 3
    assert max(a.took for a in after) < 0.5
    text = log.read_text()
    assert text.count("common.counters: The shared cache failed (TimeoutError") == 1
    assert "Traceback" not in text
    print(f"\nFAULT redis frozen: the first request waited {first.took:.2f} s (the cache's "
          f"socket timeout), the next ten at most {max(a.took for a in after):.3f} s each")
