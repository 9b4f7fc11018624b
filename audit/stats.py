"""Aggregates over the log: requests per day and status (charts) and permissions exercised
(advice)."""

from datetime import UTC, date, datetime, time, timedelta

from django.db import connection
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from audit.models import AuditEvent

STATUS_CLASSES = ("2xx", "3xx", "4xx", "5xx")


def status_class(status: int | None) -> str | None:
    """The class of a status ("2xx" for 204); None for no status or one outside 200..599."""
    if status is None or not 200 <= status <= 599:
        return None
    return f"{status // 100}xx"


def token_daily_status_counts(*, token_id: int, days: int = 30, today: date | None = None
                              ) -> list[tuple[date, dict[str, int]]]:
    """(day, {"2xx": n, "3xx": n, "4xx": n, "5xx": n}) of one token's requests (its `token.used`
    events) for each of the last `days` days up to today (UTC), zeros included.

    One aggregate statement on the (token_id, occurred_at) index, grouped by day and status.
    """
    return _daily_status_counts({"token_id": token_id}, days=days, today=today)


def user_daily_status_counts(*, actor_id: int, days: int = 30, today: date | None = None
                             ) -> list[tuple[date, dict[str, int]]]:
    """The same for every request made with a user's tokens, on the (actor_id, occurred_at)
    index: the programmatic user's page charts it."""
    return _daily_status_counts({"actor_id": actor_id}, days=days, today=today)


def _daily_status_counts(filters: dict, *, days: int, today: date | None
                         ) -> list[tuple[date, dict[str, int]]]:
    today = today or timezone.now().date()
    first = today - timedelta(days=days - 1)
    since = datetime.combine(first, time.min, tzinfo=UTC)
    rows = (
        AuditEvent.objects.filter(**filters, occurred_at__gte=since,
                                  event=AuditEvent.Event.TOKEN_USED)
        .annotate(day=TruncDate("occurred_at", tzinfo=UTC))
        .values("day", "status")
        .annotate(events=Count("id"))
        .order_by()
    )
    series = {first + timedelta(days=n): dict.fromkeys(STATUS_CLASSES, 0) for n in range(days)}
    for row in rows:
        klass = status_class(row["status"])
        if klass is not None and row["day"] in series:
            series[row["day"]][klass] += row["events"]
    return list(series.items())


def permission_uses(*, actor_id: int, since: datetime) -> dict[str, tuple[int, datetime]]:
    """{"app_label.codename": (uses, last use)} from the actor's token.used events since `since`.

    One aggregate statement over the (actor_id, occurred_at) index, unnesting each event's
    `details.permissions` in the database.
    """
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    if connection.vendor == "postgresql":
        unnest = "CROSS JOIN LATERAL jsonb_array_elements_text(e.details -> 'permissions') p(name)"
        name = "p.name"
    else:
        unnest = ", json_each(e.details, '$.permissions') p"
        name = "p.value"
    sql = (
        f"SELECT {name}, COUNT(*), MAX(e.occurred_at) FROM {table} e {unnest} "  # noqa: S608
        "WHERE e.actor_id = %s AND e.event = %s AND e.occurred_at >= %s "
        f"GROUP BY {name}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [actor_id, AuditEvent.Event.TOKEN_USED, since])
        rows = cursor.fetchall()
    return {str(permission): (count, _aware(last)) for permission, count, last in rows}


def _aware(value) -> datetime:
    if isinstance(value, str):  # SQLite returns MAX() of the stored text
        value = parse_datetime(value)
    return value if timezone.is_aware(value) else value.replace(tzinfo=UTC)
