"""Two application servers on one database and one Redis (issue 19, "Faults"): a revocation
through one is refused by the other on the next request, the failure limit is one limit, and two
`seal_audit_log` runs at the same time make one chain.

Two gunicorns (one worker each) serve the test database, sharing a redis-server of the test's
own (a port in 56400-56499). Client addresses come through one trusted proxy
(X-Forwarded-For), so each check fails from an address of its own.
"""

import subprocess
import sys
from dataclasses import dataclass
from itertools import pairwise

import pytest
from django.conf import settings

from audit.models import AuditEvent, AuditSeal
from audit.verification import verify_log
from bench.server import Gunicorn
from tests.accounts.factories import ProgrammaticUserFactory
from tests.audit.conftest import digest_files
from tests.conftest import postgres_only
from tests.faults.traffic import Traffic
from tests.live import ROOT, call, live_database_url, product_env, throwaway_redis
from tests.tokens.factories import ApiTokenFactory
from tokens import crypto
from tokens.models import ApiToken

pytestmark = [pytest.mark.postgres, postgres_only, pytest.mark.slow,
              pytest.mark.django_db(transaction=True), pytest.mark.timeout(300)]

RATE = 4
UNKNOWN = crypto.build("C" * 40, "pgu_")


@dataclass(frozen=True)
class Pair:
    one: Gunicorn
    two: Gunicorn
    env: dict


@pytest.fixture(scope="module")
def pair(django_db_setup):
    with throwaway_redis(range(56400, 56500)) as redis:
        env = product_env(live_database_url(), REDIS_URL=redis.url(),
                          AUTH_FAILURE_RATE=f"{RATE}/day", TRUSTED_PROXY_COUNT="1",
                          CONN_MAX_AGE="60", SECRET_KEY=settings.SECRET_KEY,
                          TOKEN_HASH_KEY=settings.TOKEN_HASH_KEY,
                          AUDIT_SIGNING_KEY=settings.AUDIT_SIGNING_KEY)
        with Gunicorn(env, workers=1) as one, Gunicorn(env, workers=1) as two:
            yield Pair(one=one, two=two, env=env)


@pytest.fixture
def configurator_token(db):
    """A programmatic user a superuser let issue, rotate, revoke and read tokens."""
    from django.contrib.auth.models import Permission

    bot = ProgrammaticUserFactory(username="token-bot")
    bot.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="tokens", codename__in=["issue_token", "view_apitoken"]))
    return ApiTokenFactory(user=bot).plaintext


def me(server: Gunicorn, token: str, address: str, request_id: str | None = None) -> int:
    return call(server.url, "/api/v1/me/", token=token, request_id=request_id,
                headers={"X-Forwarded-For": address}).status


def post(server: Gunicorn, path: str, token: str, body: dict):
    return call(server.url, path, method="POST", token=token, body=body,
                headers={"X-Forwarded-For": "192.0.2.200"})


def test_a_revocation_through_one_server_is_refused_by_the_other_at_once(
        pair, configurator_token, programmatic_user):
    for n in range(6):
        through, other = (pair.one, pair.two) if n % 2 == 0 else (pair.two, pair.one)
        token = ApiTokenFactory(user=programmatic_user)
        assert me(other, token.plaintext, f"198.51.100.{n}") == 200
        revoked = post(through, f"/api/v1/tokens/{token.pk}/revoke/", configurator_token,
                       {"reason": "compromised"})
        assert revoked.status == 200
        assert me(other, token.plaintext, f"198.51.100.{n}", request_id=f"after-{n}") == 401
        assert AuditEvent.objects.get(request_id=f"after-{n}").details == {"reason": "revoked"}

    token = ApiTokenFactory(user=programmatic_user)
    rotated = post(pair.one, f"/api/v1/tokens/{token.pk}/rotate/", configurator_token,
                   {"grace_hours": 0})
    assert rotated.status == 201
    assert me(pair.two, token.plaintext, "198.51.100.20", request_id="rotated-out") == 401
    assert AuditEvent.objects.get(request_id="rotated-out").details == {"reason": "rotated"}
    successor = rotated.json()["token"]
    assert me(pair.two, successor, "198.51.100.21") == 200
    family = post(pair.two, f"/api/v1/tokens/{rotated.json()['id']}/revoke/", configurator_token,
                  {"family": True, "reason": "family"})
    assert family.status == 200
    assert me(pair.one, successor, "198.51.100.22") == 401
    assert not ApiToken.objects.filter(family_id=token.pk).usable().exists()


def test_failed_authentications_split_across_the_servers_add_up_to_one_limit(
        pair, programmatic_user):
    good = ApiTokenFactory(user=programmatic_user).plaintext
    address = "203.0.113.7"
    assert [me(server, UNKNOWN, address) for server in (pair.one, pair.two) * 2] == [401] * RATE
    assert [me(pair.one, UNKNOWN, address), me(pair.two, UNKNOWN, address)] == [429, 429]
    assert [me(pair.one, good, address), me(pair.two, good, address)] == [429, 429]
    assert me(pair.two, good, "203.0.113.8") == 200
    assert AuditEvent.objects.filter(event="auth.failed", ip=address).count() == RATE


def seal_command(env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "manage.py", "seal_audit_log", "--batch-size", "7"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def test_two_sealers_at_once_alongside_traffic_make_one_chain(pair, programmatic_user,
                                                               settings, tmp_path):
    digests = tmp_path / "digests"
    settings.STORAGES = {**settings.STORAGES, "audit_digests": {
        **settings.STORAGES["audit_digests"], "OPTIONS": {"location": str(digests)}}}
    env = {**pair.env, "AUDIT_DIGEST_DIR": str(digests)}
    token = ApiTokenFactory(user=programmatic_user).plaintext
    with Traffic(pair.one.url, token, threads=1, label="one") as one, \
            Traffic(pair.two.url, token, threads=1, label="two") as two:
        for traffic in (one, two):
            traffic.wait_for(lambda answers: len(answers) >= 30, 30, "traffic before sealing")
        sealers = [seal_command(env), seal_command(env)]
        outcomes = [(sealer.wait(120), sealer.stderr.read()) for sealer in sealers]
    assert [code for code, _ in outcomes] == [0, 0], outcomes
    assert all(a.status == 200 for a in one.answers + two.answers)
    final = subprocess.run([sys.executable, "manage.py", "seal_audit_log"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=120)
    assert final.returncode == 0, final.stderr

    seals = list(AuditSeal.objects.order_by("first_event_id"))
    covered = [listed[0] for seal in seals for listed in seal.event_digests]
    events = list(AuditEvent.objects.order_by("id").values_list("id", flat=True))
    assert covered == events  # every event once, in id order: no fork, no seal twice
    assert all(seal.previous_hash == before.hash for before, seal in pairwise(seals))
    assert len(digest_files(digests)) == len(seals)
    verdict = verify_log()
    assert verdict.ok, verdict.summary()
    assert verdict.events_checked == len(events)
    checked = subprocess.run([sys.executable, "manage.py", "verify_audit_log"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0, checked.stderr
    print(f"\nFAULT two sealers at once: {len(events)} events ({len(one.answers)} + "
          f"{len(two.answers)} requests through the two servers) in {len(seals)} seals, "
          f"one chain; sealers said: {[text.strip() for _, text in outcomes]}")
