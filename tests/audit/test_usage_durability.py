"""Durability under load: a worker killed mid-traffic loses no answered request's usage event.

A real gunicorn (2 sync workers, the product's settings, DEBUG off) serves the test database;
threads send Bearer requests, each with its own X-Request-ID, and one worker is killed with
SIGKILL while they run. Every request that got its 200 must have its `token.used` event, matched
by request id, not merely by count. The benchmark does the same at scale (bench/RESULTS.md).
"""

import http.client
import os
import signal
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings

from audit.models import AuditEvent
from bench.server import Gunicorn, server_env
from tests.conftest import postgres_only
from tests.live import live_database_url
from tests.tokens.factories import ApiTokenFactory

pytestmark = [pytest.mark.postgres, postgres_only, pytest.mark.django_db(transaction=True)]

THREADS = 6
SECONDS = 4.0


def _drive(port: int, plaintext: str, stop: threading.Event) -> list[tuple[float, str]]:
    """Send requests until `stop`; (when, request id) of every 200 received."""
    answered = []
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    while not stop.is_set():
        request_id = uuid.uuid4().hex
        try:
            conn.request("GET", "/api/v1/me/", headers={
                "Authorization": f"Bearer {plaintext}", "X-Request-ID": request_id})
            response = conn.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):  # the killed worker's: no answer received
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            continue
        if response.status == 200 and response.headers["X-Request-ID"] == request_id:
            answered.append((time.monotonic(), request_id))
    conn.close()
    return answered


def test_a_worker_killed_mid_traffic_loses_no_answered_requests_usage_event(programmatic_user):
    token = ApiTokenFactory(user=programmatic_user)
    env = {**server_env(live_database_url()), "DJANGO_SETTINGS_MODULE": "config.settings",
           "SECRET_KEY": settings.SECRET_KEY, "TOKEN_HASH_KEY": settings.TOKEN_HASH_KEY}
    stop = threading.Event()
    with Gunicorn(env) as server, ThreadPoolExecutor(THREADS) as pool:
        runs = [pool.submit(_drive, server.port, token.plaintext, stop) for _ in range(THREADS)]
        time.sleep(SECONDS / 3)
        victim = server.worker_pids()[0]
        os.kill(victim, signal.SIGKILL)
        killed_at = time.monotonic()
        time.sleep(SECONDS * 2 / 3)
        stop.set()
        answered = [answer for run in runs for answer in run.result()]


    stored = set(AuditEvent.objects.filter(event="token.used", token_id=token.pk)
                 .values_list("request_id", flat=True))
    assert sum(when < killed_at for when, _ in answered) > 50  # traffic on both sides of the kill
    assert sum(when > killed_at for when, _ in answered) > 50
    assert [request_id for _, request_id in answered if request_id not in stored] == []
