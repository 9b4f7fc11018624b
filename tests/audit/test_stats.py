"""Requests per day and status for the programmatic user's chart: one aggregate query, zeros
filled in (the chart itself: tests/tokens/test_usage.py)."""

from datetime import UTC, date, datetime

import pytest

from audit.models import AuditEvent
from audit.stats import user_daily_status_counts

pytestmark = pytest.mark.django_db


def event(actor_id, when, name="token.used", status=200):
    return AuditEvent(event=name, actor_id=actor_id, occurred_at=when, status=status)


def test_a_users_requests_per_day_and_status_fill_every_day_of_the_window(
        django_assert_num_queries):
    AuditEvent.objects.bulk_create([
        event(7, datetime(2026, 3, 10, 1, tzinfo=UTC)),
        event(7, datetime(2026, 3, 10, 23, tzinfo=UTC), status=404),
        event(7, datetime(2026, 3, 12, 12, tzinfo=UTC), status=503),
        event(7, datetime(2026, 3, 12, 12, tzinfo=UTC), name="auth.failed", status=401),
        event(8, datetime(2026, 3, 12, 12, tzinfo=UTC)),
        event(7, datetime(2026, 3, 7, 23, tzinfo=UTC)),  # before the window
    ])
    with django_assert_num_queries(1):
        series = user_daily_status_counts(actor_id=7, days=5, today=date(2026, 3, 12))
    zeros = {"2xx": 0, "3xx": 0, "4xx": 0, "5xx": 0}
    assert series == [(date(2026, 3, 8), zeros), (date(2026, 3, 9), zeros),
                      (date(2026, 3, 10), {**zeros, "2xx": 1, "4xx": 1}),
                      (date(2026, 3, 11), zeros), (date(2026, 3, 12), {**zeros, "5xx": 1})]
