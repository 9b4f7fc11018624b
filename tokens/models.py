"""API tokens: stored as a keyed digest, a display hint and their limits; never the plaintext."""

import ipaddress

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.rates import RATE_FORMAT, parse_rate
from permissions.engine.scope import FULL, READ_ONLY, Entry, Scope
from tokens.querysets import ApiTokenQuerySet

PROGRAMMATIC_ONLY = "Only programmatic users hold API tokens."
SAME_FAMILY = "A token derived by rotation belongs to the family of the token it replaces."


def validate_networks(value) -> None:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValidationError("Allowed IPs must be a list of networks such as 203.0.113.0/24.")
    for item in value:
        try:
            ipaddress.ip_network(item)
        except ValueError:
            raise ValidationError(f"{item!r} is not a network such as 203.0.113.0/24.") from None


def validate_rate(value) -> None:
    try:
        parse_rate(value)
    except ValueError:
        raise ValidationError(f"Give {RATE_FORMAT}.") from None


class ApiToken(models.Model):
    class Status(models.TextChoices):
        """What a token is now; `status_at` decides, the querysets' `with_status` agrees."""

        ACTIVE = "active", _("Active")
        # replaced by rotation, still working until its grace ends
        ROTATING = "rotating", _("Rotating")
        ROTATED = "rotated", _("Rotated")  # replaced by rotation, its grace over
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Revoked")
        # switched off for now; resumable until it expires
        SUSPENDED = "suspended", _("Suspended")

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens",
        verbose_name=_("user"),
        limit_choices_to={"category": "programmatic"},
    )
    name = models.CharField(_("name"), max_length=100)
    description = models.CharField(_("description"), max_length=500, blank=True)
    digest = models.CharField(_("digest"), max_length=64, unique=True, editable=False)
    hint = models.CharField(_("hint"), max_length=64, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("created by"),
    )
    created_by_username = models.CharField(_("created by username"), max_length=150, blank=True)
    expires_at = models.DateTimeField(_("expires at"))
    read_only = models.BooleanField(_("read only"), default=False)
    allowed_ips = models.JSONField(_("allowed ips"), default=list, blank=True,
                                   validators=[validate_networks])
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(_("last used ip"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("revoked by"),
    )
    revoked_by_username = models.CharField(_("revoked by username"), max_length=150, blank=True)
    revoked_reason = models.CharField(_("revoked reason"), max_length=200, blank=True)
    rotated_from = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replaced_by",
        verbose_name=_("rotated from"),
    )
    rotated_at = models.DateTimeField(_("rotated at"), null=True, blank=True)
    grace_until = models.DateTimeField(_("grace until"), null=True, blank=True)
    # The first token of its rotation chain (itself for a token issued afresh): a leak report,
    # `{"family": true}` or reuse detection revokes a family in one indexed query.
    family = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, editable=False,
        related_name="family_members", verbose_name=_("family"),
    )
    # AWS's inactive/active switch: a column of the token's row, so authentication reads it in
    # the query it already makes. The expiry runs on while a token is suspended.
    suspended_at = models.DateTimeField(_("suspended at"), null=True, blank=True, editable=False)
    rate_limit = models.CharField(_("rate limit"),
        max_length=20, null=True, blank=True, validators=[validate_rate],
        help_text=_("Requests allowed per window, e.g. 100/minute; empty: TOKEN_RATE, if set."),
    )
    # The grants the token is narrowed to ({"permission", "object": {"type", "id"}?}); empty:
    # every permission of its user. A column of the token's row, so authentication reads it in
    # the query it already makes; checked against the user's permissions when issued.
    permissions = models.JSONField(default=list, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        permissions = [("issue_token", "Can issue, rotate and revoke API tokens")]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="token_user_created_idx"),
            models.Index(fields=["expires_at"], name="token_expires_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(revoked_at__isnull=True) | ~models.Q(revoked_reason=""),
                name="token_revocation_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            super().save(*args, **kwargs)
            return
        self.clean()
        if self.family_id is not None:
            super().save(*args, **kwargs)
            return
        with transaction.atomic(using=kwargs.get("using")):  # a new family: its root is itself
            super().save(*args, **kwargs)
            type(self)._base_manager.filter(pk=self.pk).update(family=self.pk)
        self.family_id = self.pk

    def clean(self) -> None:
        if self.user_id is not None and self.user.category != self.user.Category.PROGRAMMATIC:
            raise ValidationError({"user": PROGRAMMATIC_ONLY})
        if self.rotated_from_id is not None and self.family_id != self.rotated_from.family_id:
            raise ValidationError({"family": SAME_FAMILY})

    def status_at(self, now) -> str:
        """Revoked, then out of time (rotated or expired), then suspended, rotating, active."""
        if self.revoked_at is not None:
            return self.Status.REVOKED
        if self.expires_at <= now:
            return self.Status.ROTATED if self.is_rotated else self.Status.EXPIRED
        if self.suspended_at is not None:
            return self.Status.SUSPENDED
        return self.Status.ROTATING if self.is_rotated else self.Status.ACTIVE

    @property
    def status(self) -> str:
        return self.status_at(timezone.now())

    @property
    def is_rotated(self) -> bool:
        return self.rotated_at is not None

    @property
    def permission_scope(self) -> Scope:
        """The part of its user's permissions a request with this token may use: read-only or
        not, narrowed to its list of grants if it has one."""
        scope = READ_ONLY if self.read_only else FULL
        if not self.permissions:
            return scope
        return scope.with_entries(Entry.from_grant(grant) for grant in self.permissions)

    @property
    def is_suspended(self) -> bool:
        return self.suspended_at is not None

    def allows_ip(self, ip: str | None) -> bool:
        """Whether a caller at `ip` may use this token (an empty allow-list allows any)."""
        if not self.allowed_ips:
            return True
        if ip is None:
            return False
        address = ipaddress.ip_address(ip)
        for network in self.allowed_ips:
            try:
                if address in ipaddress.ip_network(network):
                    return True
            except ValueError:
                continue
        return False
