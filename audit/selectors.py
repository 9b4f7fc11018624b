"""Reads of the audit log for auditors: one filtered queryset for the API, export and admin."""

from datetime import datetime

from django.db.models import Count, QuerySet

from audit.models import AuditEvent


def audit_events(
    *,
    event: str | None = None,
    actor: str | None = None,
    token: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    status: int | None = None,
    actor_category: str | None = None,
    reason: str | None = None,
) -> QuerySet[AuditEvent]:
    """Events matching every filter given; `since` inclusive, `until` exclusive; `reason`
    selects failed authentications with that reason."""
    events = AuditEvent.objects.all()
    if event:
        events = events.of_kind(event)
    if actor:
        events = events.for_actor(actor)
    if actor_category:
        events = events.filter(actor_category=actor_category)
    if reason:
        events = events.failures(reason)
    if token is not None:
        events = events.for_token(token)
    if since is not None:
        events = events.filter(occurred_at__gte=since)
    if until is not None:
        events = events.filter(occurred_at__lt=until)
    if status is not None:
        events = events.filter(status=status)
    return events


def expiry_notices(token_ids) -> set[tuple[int, str]]:
    """(token id, notified expiry) of every `token.expiry_notified` event of these tokens."""
    rows = AuditEvent.objects.filter(
        event=AuditEvent.Event.TOKEN_EXPIRY_NOTIFIED, token_id__in=list(token_ids)
    ).values_list("token_id", "details")
    return {(token_id, details.get("expires_at", "")) for token_id, details in rows}


def failures_by_reason(since: datetime) -> list[tuple[str, int]]:
    """(reason, count) of the `auth.failed` events since `since`, most frequent first."""
    rows = (
        AuditEvent.objects.filter(event=AuditEvent.Event.AUTH_FAILED, occurred_at__gte=since)
        .values_list("details__reason")
        .annotate(count=Count("id"))
        .order_by()
    )
    counted = [(str(reason or "unknown"), count) for reason, count in rows]
    return sorted(counted, key=lambda row: (-row[1], row[0]))


def count_since(event: str, since: datetime) -> int:
    """How many `event` events happened since `since` (the (event, occurred_at) index)."""
    return AuditEvent.objects.filter(event=event, occurred_at__gte=since).count()
