"""The audit log: append-only rows holding ids and text snapshots, never foreign keys."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.querysets import AuditEventQuerySet, failure_reason


class AuditEvent(models.Model):
    class Event(models.TextChoices):
        USER_CREATED = "user.created", _("User Created")
        USER_UPDATED = "user.updated", _("User Updated")
        USER_DEACTIVATED = "user.deactivated", _("User Deactivated")
        USER_REACTIVATED = "user.reactivated", _("User Reactivated")
        PERMISSION_GRANTED = "permission.granted", _("Permission Granted")
        PERMISSION_REVOKED = "permission.revoked", _("Permission Revoked")
        TOKEN_ISSUED = "token.issued", _("Token Issued")
        TOKEN_ROTATED = "token.rotated", _("Token Rotated")
        TOKEN_REVOKED = "token.revoked", _("Token Revoked")
        TOKEN_UPDATED = "token.updated", _("Token Updated")
        TOKEN_SUSPENDED = "token.suspended", _("Token Suspended")
        TOKEN_RESUMED = "token.resumed", _("Token Resumed")
        TOKEN_LOOKED_UP = "token.looked_up", _("Token Looked Up")
        TOKEN_LEAK_REPORTED = "token.leak_reported", _("Token Leak Reported")
        TOKEN_EXPIRY_NOTIFIED = "token.expiry_notified", _("Token Expiry Notified")
        TOKEN_USED = "token.used", _("Token Used")
        AUTH_FAILED = "auth.failed", _("Auth Failed")
        ACCESS_DENIED = "access.denied", _("Access Denied")
        LOGIN_REFUSED = "login.refused", _("Login Refused")
        LOGIN_LOCKED = "login.locked", _("Login Locked")

    id = models.BigAutoField(primary_key=True)
    occurred_at = models.DateTimeField(_("occurred at"), default=timezone.now)
    event = models.CharField(_("event"), max_length=32, choices=Event.choices)
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True)
    actor_username = models.CharField(_("actor username"), max_length=150, blank=True)
    actor_category = models.CharField(_("actor category"), max_length=20, blank=True)
    token_id = models.BigIntegerField(_("token id"), null=True, blank=True)
    token_hint = models.CharField(_("token hint"), max_length=64, blank=True)
    target_type = models.CharField(_("target type"), max_length=100, blank=True)
    target_id = models.CharField(_("target id"), max_length=64, blank=True)
    target_repr = models.CharField(_("target repr"), max_length=200, blank=True)
    ip = models.GenericIPAddressField(_("ip"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=512, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    method = models.CharField(_("method"), max_length=16, blank=True)
    path = models.CharField(_("path"), max_length=1024, blank=True)
    status = models.PositiveSmallIntegerField(_("status"), null=True, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        default_permissions = ("view",)
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["token_id", "occurred_at"], name="audit_token_time_idx"),
            models.Index(fields=["actor_username", "occurred_at"], name="audit_actor_time_idx"),
            models.Index(fields=["actor_id", "occurred_at"], name="audit_actorid_time_idx"),
            models.Index(fields=["event", "occurred_at"], name="audit_event_time_idx"),
            models.Index(fields=["occurred_at"], name="audit_time_idx"),
            models.Index(fields=["token_hint"], name="audit_token_hint_idx"),
            models.Index(fields=["actor_category", "occurred_at"],
                         name="audit_category_time_idx"),
            models.Index(failure_reason(), "occurred_at",
                         condition=models.Q(event="auth.failed"), name="audit_failure_reason_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.id} {self.event} by {self.actor_username or '-'}"

    @property
    def is_programmatic(self) -> bool:
        return self.actor_category == "programmatic"


class AuditSeal(models.Model):
    """One link of the hash chain: a batch of events, in id order, sealed after they committed.

    `chain_hash` is the running hash of the last event covered (each event's hash covers its
    content and the previous event's hash, across seals); `event_digests` lists every event id
    covered with a short digest of its content, so verification can name the first altered,
    deleted, inserted or reordered event; `hash` covers this seal's fields and the previous
    seal's hash. Scheme 2 (audit.chain) keys `chain_hash` and `hash`, keeps the unkeyed head as
    `events_head`, and writes each seal as a signed digest outside the database.
    """

    id = models.BigAutoField(primary_key=True)
    sealed_at = models.DateTimeField(_("sealed at"), default=timezone.now)
    scheme = models.PositiveSmallIntegerField(_("scheme"), default=2)
    first_event_id = models.BigIntegerField(_("first event id"))
    last_event_id = models.BigIntegerField(_("last event id"))
    event_count = models.PositiveIntegerField(_("event count"))
    event_digests = models.JSONField(_("event digests"), default=list)
    previous_hash = models.CharField(_("previous hash"), max_length=64)
    chain_hash = models.CharField(_("chain hash"), max_length=64)
    events_head = models.CharField(_("events head"), max_length=64, blank=True, default="")
    key_id = models.CharField(_("key id"), max_length=16, blank=True, default="")
    hash = models.CharField(_("hash"), max_length=64)

    class Meta:
        ordering = ["-id"]
        default_permissions = ("view",)
        verbose_name = _("audit seal")
        verbose_name_plural = _("audit seals")
        constraints = [
            # Two concurrent sealers that slipped past the lock cannot fork the chain.
            models.UniqueConstraint(fields=["previous_hash"], name="audit_seal_one_successor"),
            models.UniqueConstraint(fields=["first_event_id"], name="audit_seal_first_unique"),
            models.UniqueConstraint(fields=["hash"], name="audit_seal_hash_unique"),
            models.CheckConstraint(
                condition=models.Q(last_event_id__gte=models.F("first_event_id")),
                name="audit_seal_range_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"seal #{self.id}: events {self.first_event_id}–{self.last_event_id}"
