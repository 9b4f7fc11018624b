"""Intent-named reads of the audit log."""

from django.db import models
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast


def failure_reason():
    """`details.reason` as text: the expression the failure-reason index is built on (a plain
    text value, so the lookups are text lookups on every database)."""
    return Cast(KeyTextTransform("reason", "details"), models.TextField())


class AuditEventQuerySet(models.QuerySet):
    def for_token(self, token_id: int):
        return self.filter(token_id=token_id)

    def for_actor(self, username: str):
        return self.filter(actor_username=username)

    def of_kind(self, event: str):
        return self.filter(event=event)

    def failures(self, reason: str):
        """Failed authentications with `reason` (a partial index covers exactly this)."""
        return self.alias(failure_reason=failure_reason()).filter(
            event="auth.failed", failure_reason=reason)
