"""Aggregates over the log for charts: requests per day, read through one indexed query."""

from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from audit.models import AuditEvent


def daily_counts(*, actor_id: int, event: str = AuditEvent.Event.TOKEN_USED, days: int = 30,
                 today: date | None = None) -> list[tuple[date, int]]:
    """(day, events) for each of the last `days` days up to today (UTC), zeros included."""
    today = today or timezone.now().date()
    first = today - timedelta(days=days - 1)
    since = datetime.combine(first, time.min, tzinfo=UTC)
    rows = (
        AuditEvent.objects.filter(actor_id=actor_id, event=event, occurred_at__gte=since)
        .annotate(day=TruncDate("occurred_at"))
        .values("day")
        .annotate(events=Count("id"))
        .order_by()
    )
    found = {row["day"]: row["events"] for row in rows}
    return [(first + timedelta(days=n), found.get(first + timedelta(days=n), 0))
            for n in range(days)]
