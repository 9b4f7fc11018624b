"""One event as auditors read it (API.md §4): the API, JSON Lines and CSV share it."""

import json
from typing import Any

from audit.chain import iso_utc
from audit.models import AuditEvent


def as_dict(event: AuditEvent) -> dict[str, Any]:
    """Lossless for every column the chain covers: a JSON Lines export is verifiable offline
    (audit.offline.content_of reads it back); a part is null only when all its columns are
    empty."""
    return {
        "id": event.id,
        "occurred_at": iso_utc(event.occurred_at),
        "event": event.event,
        "actor": (
            {"id": event.actor_id, "username": event.actor_username,
             "category": event.actor_category}
            if event.actor_id is not None or event.actor_username or event.actor_category
            else None
        ),
        "token": (
            {"id": event.token_id, "hint": event.token_hint}
            if event.token_id is not None or event.token_hint else None
        ),
        "target": (
            {"type": event.target_type, "id": event.target_id, "repr": event.target_repr}
            if event.target_type or event.target_id or event.target_repr else None
        ),
        "ip": event.ip,
        "user_agent": event.user_agent,
        "request_id": event.request_id,
        "method": event.method,
        "path": event.path,
        "status": event.status,
        "details": event.details,
    }


CSV_COLUMNS = (
    "id", "occurred_at", "event", "actor_id", "actor_username", "actor_category", "token_id",
    "token_hint", "target_type", "target_id", "target_repr", "ip", "user_agent", "request_id",
    "method", "path", "status", "details",
)


def as_csv_row(event: AuditEvent) -> list[Any]:
    row = {column: getattr(event, column) for column in CSV_COLUMNS}
    row["occurred_at"] = iso_utc(event.occurred_at)
    row["details"] = json.dumps(event.details, sort_keys=True, ensure_ascii=False)
    return [row[column] for column in CSV_COLUMNS]
