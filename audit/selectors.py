"""Reads of the audit log for auditors: one filtered queryset for the API, export and admin."""

from datetime import datetime

from django.db.models import QuerySet

from audit.models import AuditEvent


def audit_events(
    *,
    event: str | None = None,
    actor: str | None = None,
    token: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    status: int | None = None,
) -> QuerySet[AuditEvent]:
    """Events matching every filter given; `since` inclusive, `until` exclusive."""
    events = AuditEvent.objects.all()
    if event:
        events = events.of_kind(event)
    if actor:
        events = events.for_actor(actor)
    if token is not None:
        events = events.for_token(token)
    if since is not None:
        events = events.filter(occurred_at__gte=since)
    if until is not None:
        events = events.filter(occurred_at__lt=until)
    if status is not None:
        events = events.filter(status=status)
    return events
