"""Requests per day for the usage chart: one aggregate query, zeros filled in, served as SVG."""

from datetime import UTC, date, datetime

import pytest

from audit.charts import bar_chart
from audit.models import AuditEvent
from audit.stats import daily_counts

pytestmark = pytest.mark.django_db


def event(actor_id, when, name="token.used"):
    return AuditEvent(event=name, actor_id=actor_id, occurred_at=when)


def test_daily_counts_fill_every_day_of_the_window(django_assert_num_queries):
    AuditEvent.objects.bulk_create([
        event(7, datetime(2026, 3, 10, 1, tzinfo=UTC)),
        event(7, datetime(2026, 3, 10, 23, tzinfo=UTC)),
        event(7, datetime(2026, 3, 12, 12, tzinfo=UTC)),
        event(7, datetime(2026, 3, 12, 12, tzinfo=UTC), name="auth.failed"),
        event(8, datetime(2026, 3, 12, 12, tzinfo=UTC)),
        event(7, datetime(2026, 3, 7, 23, tzinfo=UTC)),  # before the window
    ])
    with django_assert_num_queries(1):
        series = daily_counts(actor_id=7, days=5, today=date(2026, 3, 12))
    assert series == [(date(2026, 3, 8), 0), (date(2026, 3, 9), 0), (date(2026, 3, 10), 2),
                      (date(2026, 3, 11), 0), (date(2026, 3, 12), 1)]


def test_the_chart_is_inline_svg_with_a_tooltip_per_day():
    svg = bar_chart([(date(2026, 3, 10), 2), (date(2026, 3, 11), 0), (date(2026, 3, 12), 4)],
                    label="Requests <per> day")
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count("<rect") == 3
    assert "<title>2026-03-12: 4</title>" in svg
    assert "Requests &lt;per&gt; day: 6 in 3 days, at most 4 a day" in svg
    assert "<script" not in svg and "http://www.w3.org/2000/svg" in svg
    assert "<style" not in svg and "style=" not in svg  # the CSP allows no inline style


def test_an_empty_chart_still_renders():
    assert "0 in 0 days" in bar_chart([], label="x")
