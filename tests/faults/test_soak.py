"""Soak (issue 19, "Faults"): for a bounded time, threads issue, rotate and revoke tokens through
the API while others authenticate with them, against a live gunicorn on the test database.

What must hold over the whole run: no 5xx; no request succeeds with a token once its revocation
or rotation has committed (a request sent after the answer to the revocation arrived is refused);
no request fails with a token that was plainly working (sent after its issue was answered,
answered before anything was asked about it); two rotations of one token sent at once give
exactly one 201 and one 409; the log holds exactly the events of every action and every
answered request (matched by request id); and once sealed, it verifies.
"""

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission

from audit.models import AuditEvent
from audit.sealing import seal_pending
from audit.verification import verify_log
from bench.server import Gunicorn
from tests.accounts.factories import ProgrammaticUserFactory
from tests.conftest import postgres_only
from tests.live import Answer, call, live_database_url, product_env
from tests.tokens.factories import ApiTokenFactory
from tokens.models import ApiToken

pytestmark = [pytest.mark.postgres, postgres_only, pytest.mark.slow,
              pytest.mark.django_db(transaction=True), pytest.mark.timeout(300)]

SECONDS = 20
AUTHENTICATORS = 4
HOLDERS = 3


@dataclass
class Tracked:
    """A token the soak knows, with the client's times of what happened to it."""

    id: int
    plaintext: str
    live_from: float  # its issue (or rotation) was answered: it works from here
    action_sent: float | None = None  # a revocation or rotation of it was sent
    dead_from: float | None = None  # that revocation or rotation was answered: committed


@dataclass
class Soak:
    url: str
    configurator: str
    holders: list[int]
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    tokens: dict[int, Tracked] = field(default_factory=dict)
    claimed: set[int] = field(default_factory=set)
    auth: list[tuple[int, Answer]] = field(default_factory=list)
    issues: list[Answer] = field(default_factory=list)
    revocations: list[tuple[int, Answer]] = field(default_factory=list)
    rotations: list[tuple[int, list[Answer]]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def add(self, answer: Answer) -> None:
        body = answer.json()
        with self.lock:
            self.tokens[body["id"]] = Tracked(body["id"], body["token"], answer.received)

    def claim(self) -> Tracked | None:
        """A working token no other action has taken, now taken (its action is being sent)."""
        with self.lock:
            free = [t for t in self.tokens.values() if t.id not in self.claimed]
            if not free:
                return None
            token = random.choice(free)
            self.claimed.add(token.id)
            token.action_sent = time.monotonic()
            return token

    def any_token(self) -> Tracked | None:
        with self.lock:
            if not self.tokens:
                return None
            working = [t for t in self.tokens.values() if t.dead_from is None]
            pool = working if working and random.random() < 0.7 else list(self.tokens.values())
            return random.choice(pool)

    def send(self, path: str, request_id: str, **kwargs) -> Answer:
        return call(self.url, path, request_id=request_id, **kwargs)

    def run(self, name: str, step) -> None:
        count = 0
        while not self.stop.is_set():
            count += 1
            try:
                if not step(f"soak-{name}-{count}"):
                    time.sleep(0.05)
            except Exception as error:  # recorded: the test requires none
                self.errors.append(f"{name}-{count}: {type(error).__name__}: {error}")

    # The actors ------------------------------------------------------------------------------

    def issue(self, request_id: str) -> bool:
        holder = random.choice(self.holders)
        answer = self.send(f"/api/v1/programmatic-users/{holder}/tokens/", request_id,
                           method="POST", token=self.configurator,
                           body={"name": f"soak-{request_id}", "expires_in_days": 1})
        self.issues.append(answer)
        if answer.status == 201:
            self.add(answer)
        time.sleep(0.1)
        return True

    def revoke(self, request_id: str) -> bool:
        token = self.claim()
        if token is None:
            return False
        answer = self.send(f"/api/v1/tokens/{token.id}/revoke/", request_id, method="POST",
                           token=self.configurator, body={"reason": "soak"})
        self.revocations.append((token.id, answer))
        if answer.status == 200:
            token.dead_from = answer.received
        time.sleep(0.15)
        return True

    def rotate_twice_at_once(self, request_id: str) -> bool:
        token = self.claim()
        if token is None:
            return False
        start = threading.Barrier(2)
        answers: list[Answer] = []

        def rotate(suffix: str) -> None:
            start.wait(10)
            answers.append(self.send(f"/api/v1/tokens/{token.id}/rotate/",
                                     f"{request_id}{suffix}", method="POST",
                                     token=self.configurator, body={"grace_hours": 0}))

        racers = [threading.Thread(target=rotate, args=(suffix,)) for suffix in ("a", "b")]
        for racer in racers:
            racer.start()
        for racer in racers:
            racer.join(60)
        self.rotations.append((token.id, answers))
        winners = [answer for answer in answers if answer.status == 201]
        if winners:
            token.dead_from = winners[0].received  # grace 0: out once the rotation committed
            self.add(winners[0])
        time.sleep(0.1)
        return True

    def authenticate(self, request_id: str) -> bool:
        token = self.any_token()
        if token is None:
            return False
        self.auth.append((token.id, self.send("/api/v1/me/", request_id,
                                              token=token.plaintext)))
        return True


@pytest.fixture
def soak_world(db):
    bot = ProgrammaticUserFactory(username="soak-configurator")
    bot.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="tokens", codename__in=["issue_token", "view_apitoken"]))
    configurator = ApiTokenFactory(user=bot)
    holders = [ProgrammaticUserFactory().pk for _ in range(HOLDERS)]
    first = [ApiTokenFactory(user_id=holders[n % HOLDERS]) for n in range(6)]
    return configurator, holders, first


def expected_events(soak: Soak, configurator_id: int) -> Counter:
    """(request id, event, token id) of every event the soak's requests must have written."""
    expected = Counter()
    for token_id, answer in soak.auth:
        event = "token.used" if answer.status == 200 else "auth.failed"
        expected[(answer.request_id, event, token_id)] += 1
    actions = [(None, a) for a in soak.issues] + soak.revocations + [
        (token_id, a) for token_id, answers in soak.rotations for a in answers]
    for token_id, answer in actions:
        expected[(answer.request_id, "token.used", configurator_id)] += 1
        if answer.status == 201 and token_id is None:
            expected[(answer.request_id, "token.issued", answer.json()["id"])] += 1
        elif answer.status == 201:
            expected[(answer.request_id, "token.rotated", token_id)] += 1
            expected[(answer.request_id, "token.issued", answer.json()["id"])] += 1
        elif answer.status == 200:
            expected[(answer.request_id, "token.revoked", token_id)] += 1
    return expected


def test_soak_issue_rotate_revoke_and_authenticate_at_once(soak_world):
    configurator, holders, first = soak_world
    env = product_env(live_database_url(), CONN_MAX_AGE="60",
                      AUTH_FAILURE_RATE="999999999/minute", TOKEN_MAX_PER_USER="100000",
                      SECRET_KEY=settings.SECRET_KEY, TOKEN_HASH_KEY=settings.TOKEN_HASH_KEY)
    with Gunicorn(env, workers=2) as server:
        soak = Soak(url=server.url, configurator=configurator.plaintext, holders=holders)
        for token in first:
            soak.tokens[token.pk] = Tracked(token.pk, token.plaintext, time.monotonic())
        actors = [("issue", soak.issue), ("revoke", soak.revoke),
                  ("rotate", soak.rotate_twice_at_once)]
        actors += [(f"auth{n}", soak.authenticate) for n in range(AUTHENTICATORS)]
        threads = [threading.Thread(target=soak.run, args=actor) for actor in actors]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        time.sleep(SECONDS)
        soak.stop.set()
        for thread in threads:
            thread.join(120)
        took = time.monotonic() - started

    assert soak.errors == []
    everything = [a for _, a in soak.auth] + soak.issues + [a for _, a in soak.revocations] + [
        a for _, answers in soak.rotations for a in answers]
    assert [(a.request_id, a.status) for a in everything if a.status >= 500] == []
    assert {a.status for a in soak.issues} == {201}
    assert {a.status for _, a in soak.revocations} == {200}
    assert [sorted(a.status for a in answers) for _, answers in soak.rotations] == [
        [201, 409]] * len(soak.rotations)
    assert {a.status for _, a in soak.auth} <= {200, 401}

    tokens = soak.tokens
    after_death = [(token_id, a) for token_id, a in soak.auth
                   if tokens[token_id].dead_from is not None
                   and a.sent > tokens[token_id].dead_from]
    assert [(t, a.request_id) for t, a in after_death if a.status != 401] == []
    plainly_working = [(token_id, a) for token_id, a in soak.auth
                       if a.sent > tokens[token_id].live_from
                       and (tokens[token_id].action_sent is None
                            or a.received < tokens[token_id].action_sent)]
    assert [(t, a.request_id) for t, a in plainly_working if a.status != 200] == []

    # The database agrees with what the answers said.
    for token_id, answers in soak.rotations:
        [winner] = [a for a in answers if a.status == 201]
        assert ApiToken.objects.get(rotated_from_id=token_id).pk == winner.json()["id"]
    revoked = [token_id for token_id, _ in soak.revocations]
    assert ApiToken.objects.filter(pk__in=revoked, revoked_at__isnull=False).count() == len(
        revoked)

    stored = Counter(AuditEvent.objects.filter(request_id__startswith="soak-")
                     .values_list("request_id", "event", "token_id"))
    assert stored == expected_events(soak, configurator.pk)
    assert not AuditEvent.objects.exclude(request_id__startswith="soak-").exists()
    sealed = seal_pending(settle_seconds=0, wait_seconds=10)
    verdict = verify_log()
    assert verdict.ok, verdict.summary()
    assert verdict.events_checked == AuditEvent.objects.count() == sum(stored.values())

    # Enough of each for the checks above to mean something.
    assert len(soak.issues) >= 10 and len(soak.revocations) >= 10 and len(soak.rotations) >= 10
    assert len(after_death) >= 20 and len(plainly_working) >= 100
    statuses = Counter(a.status for _, a in soak.auth)
    print(f"\nSOAK {took:.1f} s, {len(everything)} requests, no 5xx: {len(soak.auth)} "
          f"authentications ({statuses[200]} 200, {statuses[401]} 401), of which "
          f"{len(after_death)} after their token's revocation or rotation had committed (all "
          f"refused) and {len(plainly_working)} with a plainly working token (all 200); "
          f"{len(soak.issues)} issues, {len(soak.revocations)} revocations, "
          f"{len(soak.rotations)} pairs of concurrent rotations (each one 201 and one 409); "
          f"{sum(stored.values())} events, each matched to its request, sealed "
          f"({sealed.seals} seal(s)) and verified")
