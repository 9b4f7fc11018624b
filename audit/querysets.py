"""Intent-named reads of the audit log."""

from django.db import models


class AuditEventQuerySet(models.QuerySet):
    def for_token(self, token_id: int):
        return self.filter(token_id=token_id)

    def for_actor(self, username: str):
        return self.filter(actor_username=username)

    def of_kind(self, event: str):
        return self.filter(event=event)
