"""Sealing alongside traffic and other sealers on PostgreSQL (real commits, several connections)."""

import threading

import pytest
from django.db import connection, transaction

from audit.models import AuditEvent, AuditSeal
from audit.sealing import seal_pending
from audit.verification import verify_log
from tests.audit.conftest import digest_files, make_events
from tests.conftest import postgres_only

pytestmark = [pytest.mark.postgres, postgres_only, pytest.mark.django_db(transaction=True)]


def in_thread(target, *args):
    def run():
        try:
            target(*args)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_an_event_still_in_flight_holds_the_seal_back_until_it_commits():
    drawn, release = threading.Event(), threading.Event()

    def slow_writer():
        with transaction.atomic():
            make_events(1)
            drawn.set()
            release.wait(10)

    writer = in_thread(slow_writer)
    assert drawn.wait(10)
    later = make_events(1)[0]  # committed, with a higher id than the one in flight

    held = seal_pending(settle_seconds=0, wait_seconds=0.3)
    assert held.waited_out
    assert not AuditSeal.objects.exists()

    release.set()
    writer.join(10)
    result = seal_pending(settle_seconds=0, wait_seconds=5)
    assert result.events == 2
    assert result.sealed_up_to == later.id
    assert verify_log().ok


def test_concurrent_sealers_never_fork_or_double_seal(digest_dir):
    make_events(40)
    start = threading.Barrier(4)
    results = []

    def sealer():
        start.wait(10)
        results.append(seal_pending(batch_size=3, settle_seconds=0, wait_seconds=10))

    threads = [in_thread(sealer) for _ in range(4)]
    for thread in threads:
        thread.join(30)
    assert sum(r.events for r in results) == 40
    seals = list(AuditSeal.objects.order_by("id"))
    covered = [pair[0] for s in seals for pair in s.event_digests]
    assert covered == sorted(AuditEvent.objects.values_list("id", flat=True))
    verdict = verify_log()
    assert verdict.ok, verdict.summary()
    assert verdict.events_checked == 40
    assert len(digest_files(digest_dir)) == len(seals) == verdict.digests_checked


def test_verifiers_running_beside_sealers_never_see_a_digest_without_its_seal():
    """A sealer writes a digest before its seal commits; a verifier takes its snapshot and
    lists the digests while no sealer is in between, so it never reports that as broken."""
    stop = threading.Event()
    verdicts = []

    def traffic_and_sealing():
        for _ in range(15):
            make_events(3)
            seal_pending(batch_size=1, settle_seconds=0, wait_seconds=10)
        stop.set()

    def verifier():
        while not stop.is_set():
            verdicts.append(verify_log(recent_seals=5))

    threads = [in_thread(traffic_and_sealing), in_thread(verifier), in_thread(verifier)]
    for thread in threads:
        thread.join(60)
    assert len(verdicts) > 10
    assert [v.summary() for v in verdicts if not v.ok] == []
    assert verify_log().events_checked == 45
