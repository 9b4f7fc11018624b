"""The one write path of the audit log (DESIGN rule 14)."""

import functools
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from audit.models import AuditEvent
from audit.sanitize import capped


def _actor_fields(actor: Any) -> dict:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return {}
    return {
        "actor_id": actor.pk,
        "actor_username": capped(actor.get_username(), 150),
        "actor_category": capped(getattr(actor, "category", ""), 20),
    }


def _token_fields(token: Any) -> dict:
    if token is None:
        return {}
    return {"token_id": token.pk, "token_hint": capped(token.hint, 64)}


def _target_fields(target: Any) -> dict:
    if target is None:
        return {}
    if isinstance(target, dict):
        return {
            "target_type": capped(target.get("type", ""), 100),
            "target_id": capped(target.get("id", ""), 64),
            "target_repr": capped(target.get("repr", ""), 200),
        }
    return {
        "target_type": target._meta.label_lower,
        "target_id": capped(target.pk, 64),
        "target_repr": capped(str(target), 200),
    }


def _request_fields(request: Any) -> dict:
    audit = getattr(request, "audit", None) if request is not None else None
    if audit is None:
        return {}
    return {
        "ip": audit.ip,
        "user_agent": audit.user_agent,
        "request_id": audit.request_id,
        "method": audit.method,
        "path": audit.path,
    }


def build_event(
    event: str,
    *,
    actor: Any = None,
    token: Any = None,
    target: Any = None,
    request: Any = None,
    status: int | None = None,
    details: dict | None = None,
) -> AuditEvent:
    """An unsaved event; `record` saves one, the middleware saves a request's in one INSERT."""
    if event not in AuditEvent.Event.values:
        raise ValueError(f"Unknown audit event {event!r}.")
    return AuditEvent(
        occurred_at=timezone.now(),
        event=event,
        status=status,
        details=details or {},
        **_actor_fields(actor),
        **_token_fields(token),
        **_target_fields(target),
        **_request_fields(request),
    )


def record(
    event: str,
    *,
    actor: Any = None,
    token: Any = None,
    target: Any = None,
    request: Any = None,
    status: int | None = None,
    details: dict | None = None,
) -> AuditEvent:
    """Write one audit event, in the caller's transaction.

    `actor` is a user (snapshotted: id, username, category), `token` anything with `pk` and
    `hint`, `target` a model instance or {"type", "id", "repr"}; `request` supplies the request
    id, address, user agent, method and path.
    """
    instance = build_event(
        event, actor=actor, token=token, target=target, request=request, status=status,
        details=details,
    )
    instance.save(force_insert=True)
    return instance


def record_many(events: list[AuditEvent], *, using: str = DEFAULT_DB_ALIAS,
                usage: bool = False) -> None:
    """Save built events in one INSERT (the request path's one write).

    The statement is built once per connection vendor and the values prepared field by field:
    the same SQL `bulk_create` sends, at a fraction of its Python cost (bench/RESULTS.md),
    which matters on every token request.

    `usage`: the events only record that a token was used. With AUDIT_USAGE_COMMIT=async (the
    default) and outside any transaction, they commit on PostgreSQL in their own transaction
    with `synchronous_commit` off, in the same single round trip: the response no longer waits
    for the WAL flush (its effect is measured in bench/RESULTS.md). A worker
    killed after the response loses nothing (the commit is done); a database crash can lose the
    last ~3 × wal_writer_delay of them. Inside a transaction they simply join it.
    """
    if not events:
        return
    connection = connections[using]
    fields = _insert_fields()
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    params = [field.get_db_prep_save(getattr(event, field.attname), connection)
              for event in events for field in fields]
    sql = _insert_prefix(connection.vendor) + ", ".join([row] * len(events))
    if not (usage and _commits_usage_async(connection)):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
        return
    with connection.cursor() as cursor:
        try:
            cursor.execute(f"BEGIN; SET LOCAL synchronous_commit TO off; {sql}; COMMIT", params)
        except Exception:
            # The failed statement left the transaction open and aborted: close it, so the
            # connection is usable again, and let the request fail (closed) as any other.
            cursor.execute("ROLLBACK")
            raise


def _commits_usage_async(connection) -> bool:
    return (settings.AUDIT_USAGE_COMMIT == "async" and connection.vendor == "postgresql"
            and not connection.in_atomic_block)


@functools.cache
def _insert_fields() -> tuple:
    return tuple(field for field in AuditEvent._meta.concrete_fields if not field.primary_key)


@functools.cache
def _insert_prefix(vendor: str) -> str:
    quote = connections[DEFAULT_DB_ALIAS].ops.quote_name
    columns = ", ".join(quote(field.column) for field in _insert_fields())
    table = quote(AuditEvent._meta.db_table)
    return f"INSERT INTO {table} ({columns}) VALUES "  # noqa: S608 (quoted model identifiers)
