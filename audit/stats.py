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


USED = "used"
REFUSED = "refused"
ANY = "*"

# Per (event, permission): "used" when the request succeeded (2xx/3xx); "refused" when it was
# answered 404 (not found or not visible), or 403 and this permission is the one a check refused
# (or the event names none: an older event, or a refusal after the checks); otherwise neither
# (a 400, a 429, a 5xx: the permission was checked, the request did not succeed with it).
_OUTCOME = {
    "postgresql": "(e.details -> 'denied') IS NULL OR jsonb_exists(e.details -> 'denied', {name})",
    "sqlite": "json_type(e.details, '$.denied') IS NULL OR EXISTS (SELECT 1 FROM "
              "json_each(e.details, '$.denied') d WHERE d.value = {name})",
}
_UNNEST = {
    "postgresql": ("CROSS JOIN LATERAL jsonb_array_elements_text(e.details -> 'permissions') "
                   "p(name)", "p.name",
                   "LEFT JOIN LATERAL jsonb_array_elements_text(e.details -> 'objects' -> p.name)"
                   " o(ref) ON TRUE", "o.ref"),
    "sqlite": ("JOIN json_each(e.details, '$.permissions') p", "p.value",
               "LEFT JOIN json_each(e.details, '$.objects.\"' || p.value || '\"') o",
               "o.value"),
}


def permission_outcomes(*, actor_id: int, since: datetime) -> dict[tuple, tuple[int, datetime]]:
    """What the actor's requests did with each permission since `since`, from its token.used
    events (`details.permissions`, `details.objects`, `details.denied`).

    {(permission, outcome, ANY): (events, last)} for every permission and outcome ("used" or
    "refused"); {(permission, outcome, "app_label.model:pk"): (events, last)} for the events
    that checked it on that object (or on an object it contains); {(permission, outcome, None):
    ...} for those that checked it on no one object (a list). Two aggregate statements over the
    (actor_id, occurred_at) index, unnesting the details in the database.
    """
    vendor = "postgresql" if connection.vendor == "postgresql" else "sqlite"
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    unnest, name, objects, ref = _UNNEST[vendor]
    outcome = (
        f"CASE WHEN e.status BETWEEN 200 AND 399 THEN '{USED}' "
        f"WHEN e.status = 404 OR (e.status = 403 AND ({_OUTCOME[vendor].format(name=name)})) "
        f"THEN '{REFUSED}' END"
    )
    where = "WHERE e.actor_id = %s AND e.event = %s AND e.occurred_at >= %s"
    params = [actor_id, AuditEvent.Event.TOKEN_USED, since]
    totals = (
        f"SELECT name, outcome, '{ANY}', COUNT(*), MAX(at) FROM (SELECT {name} AS name, "  # noqa: S608
        f"{outcome} AS outcome, e.occurred_at AS at FROM {table} e {unnest} {where}) u "
        "WHERE outcome IS NOT NULL GROUP BY name, outcome"
    )
    per_object = (
        f"SELECT name, outcome, ref, COUNT(*), MAX(at) FROM (SELECT {name} AS name, "  # noqa: S608
        f"{outcome} AS outcome, {ref} AS ref, e.occurred_at AS at FROM {table} e {unnest} "
        f"{objects} {where}) u WHERE outcome IS NOT NULL "
        "GROUP BY name, outcome, ref"
    )
    found = {}
    with connection.cursor() as cursor:
        for statement in (totals, per_object):
            cursor.execute(statement, params)
            for permission, kind, on, count, last in cursor.fetchall():
                found[(str(permission), kind, on)] = (count, _aware(last))
    return found


def _aware(value) -> datetime:
    if isinstance(value, str):  # SQLite returns MAX() of the stored text
        value = parse_datetime(value)
    return value if timezone.is_aware(value) else value.replace(tzinfo=UTC)
