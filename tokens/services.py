"""Writes on tokens: issue, rotate, revoke, leak report, last use.

Each lifecycle change records its audit event in the same transaction (DESIGN rule 15); the admin,
the API and the commands call these and nothing else.
"""

import ipaddress
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import record
from common.errors import Invalid, full_clean
from permissions.policy import ensure_may_obtain_credentials
from tokens import crypto
from tokens.conf import (
    DEFAULT_GRACE_HOURS,
    LAST_USED_INTERVAL_SECONDS,
    MAX_ALLOWED_NETWORKS,
    MAX_GRACE_HOURS,
    token_settings,
)
from tokens.exceptions import (
    ALREADY_REVOKED,
    INACTIVE_USER,
    NOT_ROTATABLE,
    PERSONAL_USER,
    TokenConflict,
)
from tokens.models import ApiToken

logger = logging.getLogger(__name__)
Event = AuditEvent.Event

BOTH_EXPIRIES = "Give expires_in_days or expires_at, not both."
EXPIRY_PAST = "The expiry must be in the future."
EXPIRY_TOO_FAR = "A token may live at most {days} days."
DAYS_RANGE = "Give a whole number of days from 1 to {days}."
GRACE_RANGE = f"The grace period is a whole number of hours from 0 to {MAX_GRACE_HOURS}."
NETWORK_INVALID = "{value!r} is not an IP address or network such as 203.0.113.0/24."
NETWORK_HOST_BITS = "{value!r} has host bits set; did you mean {network}?"
TOO_MANY_NETWORKS = f"At most {MAX_ALLOWED_NETWORKS} networks."
LEAK_REASON = "reported leaked"
DEACTIVATED_REASON = "user deactivated"
DEFAULT_REVOKE_REASON = "revoked"


@dataclass(frozen=True)
class IssuedToken:
    """A token just issued, with its plaintext: the one moment the plaintext exists."""

    token: ApiToken
    plaintext: str


def resolve_expiry(
    *, expires_in_days: int | None = None, expires_at: datetime | None = None, now=None
) -> datetime:
    """The expiry asked for, checked against the lifetime rules (Invalid otherwise)."""
    now = now or timezone.now()
    maximum = token_settings.max_lifetime_days
    if expires_in_days is not None and expires_at is not None:
        raise Invalid.field("expires_at", BOTH_EXPIRIES)
    if expires_at is not None:
        if expires_at <= now:
            raise Invalid.field("expires_at", EXPIRY_PAST)
        if expires_at > now + timedelta(days=maximum):
            raise Invalid.field("expires_at", EXPIRY_TOO_FAR.format(days=maximum))
        return expires_at
    if expires_in_days is None:
        expires_in_days = token_settings.default_lifetime_days
    if (
        isinstance(expires_in_days, bool)
        or not isinstance(expires_in_days, int)
        or not 1 <= expires_in_days <= maximum
    ):
        raise Invalid.field("expires_in_days", DAYS_RANGE.format(days=maximum))
    return now + timedelta(days=expires_in_days)


def normalize_networks(values) -> list[str]:
    """Networks in canonical form, duplicates dropped; a bare address means that address only."""
    if len(values) > MAX_ALLOWED_NETWORKS:
        raise Invalid.field("allowed_ips", TOO_MANY_NETWORKS)
    networks: list[str] = []
    for value in values:
        text = str(value).strip()
        try:
            network = ipaddress.ip_network(text)
        except ValueError:
            try:
                suggestion = ipaddress.ip_network(text, strict=False)
            except ValueError:
                raise Invalid.field(
                    "allowed_ips", NETWORK_INVALID.format(value=text[:64])) from None
            raise Invalid.field(
                "allowed_ips", NETWORK_HOST_BITS.format(value=text, network=suggestion)
            ) from None
        if str(network) not in networks:
            networks.append(str(network))
    return networks


def _actor_snapshot(actor) -> tuple:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None, ""
    return actor, actor.get_username()


def _check_holder(user) -> None:
    if user.category != user.Category.PROGRAMMATIC:
        raise Invalid.field("user", PERSONAL_USER)
    if not user.is_active:
        raise Invalid.field("user", INACTIVE_USER)


def _token_details(token: ApiToken) -> dict:
    return {
        "name": token.name,
        "expires_at": token.expires_at.isoformat(),
        "read_only": token.read_only,
        "allowed_ips": list(token.allowed_ips),
    }


def _create(*, actor, user, name, description, expires_at, read_only, allowed_ips,
            rotated_from=None) -> IssuedToken:
    plaintext = crypto.generate()
    parsed = crypto.parse(plaintext)
    created_by, created_by_username = _actor_snapshot(actor)
    token = ApiToken(
        user=user,
        name=name,
        description=description,
        digest=crypto.digest(plaintext),
        hint=parsed.hint,
        created_by=created_by,
        created_by_username=created_by_username,
        expires_at=expires_at,
        read_only=read_only,
        allowed_ips=list(allowed_ips),
        rotated_from=rotated_from,
    )
    full_clean(token, exclude=["digest", "hint"])
    token.save(force_insert=True)
    return IssuedToken(token=token, plaintext=plaintext)


@transaction.atomic
def token_issue(
    *,
    actor,
    user,
    name: str,
    description: str = "",
    expires_in_days: int | None = None,
    expires_at: datetime | None = None,
    read_only: bool = False,
    allowed_ips=(),
    request=None,
) -> IssuedToken:
    """Issue a token for a programmatic user; the plaintext is returned here and nowhere else.

    A token is the user's credential: the actor must hold every permission the user holds
    (no escalation, DESIGN rule 8)."""
    _check_holder(user)
    ensure_may_obtain_credentials(actor, user)
    expiry = resolve_expiry(expires_in_days=expires_in_days, expires_at=expires_at)
    issued = _create(
        actor=actor, user=user, name=name, description=description, expires_at=expiry,
        read_only=read_only, allowed_ips=normalize_networks(list(allowed_ips)),
    )
    record(Event.TOKEN_ISSUED, actor=actor, token=issued.token, target=user, request=request,
           details=_token_details(issued.token))
    return issued


def _revoke(token: ApiToken, *, actor, reason: str, now) -> None:
    revoked_by, revoked_by_username = _actor_snapshot(actor)
    token.revoked_at = now
    token.revoked_by = revoked_by
    token.revoked_by_username = revoked_by_username
    token.revoked_reason = (reason or DEFAULT_REVOKE_REASON)[:200]
    token.save(update_fields=["revoked_at", "revoked_by", "revoked_by_username",
                              "revoked_reason"])


UNSET = object()


@transaction.atomic
def token_update(*, actor, token: ApiToken, name=UNSET, description=UNSET,
                 request=None) -> ApiToken:
    """Rename a token or change its description; records `token.updated` with the new values.

    Nothing else of a token changes after issue: its limits are part of what was issued.
    """
    token = _locked(token)
    changes = {}
    for field, value in (("name", name), ("description", description)):
        if value is not UNSET and getattr(token, field) != value:
            changes[field] = value
            setattr(token, field, value)
    if not changes:
        return token
    full_clean(token, exclude=["digest", "hint", "user"])
    token.save(update_fields=list(changes))
    record(Event.TOKEN_UPDATED, actor=actor, token=token, target=token.user, request=request,
           details=changes)
    return token


def _locked(token: ApiToken) -> ApiToken:
    return ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)


@transaction.atomic
def token_revoke(*, actor, token: ApiToken, reason: str = "", request=None) -> ApiToken:
    """Revoke a token at once; revoking a revoked token is a conflict."""
    token = _locked(token)
    if token.revoked_at is not None:
        raise TokenConflict(ALREADY_REVOKED)
    _revoke(token, actor=actor, reason=reason, now=timezone.now())
    record(Event.TOKEN_REVOKED, actor=actor, token=token, target=token.user, request=request,
           details={"reason": token.revoked_reason})
    return token


@transaction.atomic
def token_rotate(
    *, actor, token: ApiToken, grace_hours: int = DEFAULT_GRACE_HOURS, request=None
) -> IssuedToken:
    """A new token with the same name and limits; the old one works until the grace ends.

    The row lock makes concurrent rotations of one token queue up: the first wins, the others
    find it rotated (409). The one-to-one `rotated_from` is the database's own backstop.
    """
    if isinstance(grace_hours, bool) or not isinstance(grace_hours, int) or not (
        0 <= grace_hours <= MAX_GRACE_HOURS
    ):
        raise Invalid.field("grace_hours", GRACE_RANGE)
    token = _locked(token)
    now = timezone.now()
    if token.revoked_at is not None or token.is_rotated or token.expires_at <= now:
        raise TokenConflict(NOT_ROTATABLE)
    _check_holder(token.user)
    ensure_may_obtain_credentials(actor, token.user)
    lifetime = min(token.expires_at - token.created_at,
                   timedelta(days=token_settings.max_lifetime_days))
    grace_until = min(token.expires_at, now + timedelta(hours=grace_hours))
    token.rotated_at = now
    token.grace_until = grace_until
    token.expires_at = grace_until
    token.save(update_fields=["rotated_at", "grace_until", "expires_at"])
    try:
        with transaction.atomic():
            issued = _create(
                actor=actor, user=token.user, name=token.name, description=token.description,
                expires_at=now + lifetime, read_only=token.read_only,
                allowed_ips=token.allowed_ips, rotated_from=token,
            )
    except IntegrityError:
        raise TokenConflict(NOT_ROTATABLE) from None
    record(Event.TOKEN_ROTATED, actor=actor, token=token, target=token.user, request=request,
           details={"replaced_by": issued.token.pk, "replaced_by_hint": issued.token.hint,
                    "grace_until": grace_until.isoformat()})
    record(Event.TOKEN_ISSUED, actor=actor, token=issued.token, target=token.user,
           request=request,
           details={**_token_details(issued.token), "rotated_from": token.pk})
    return issued


def token_self_rotate(*, token: ApiToken, request=None) -> IssuedToken:
    """The token in use replaces itself; the old one stops working at once."""
    return token_rotate(actor=token.user, token=token, grace_hours=0, request=request)


@transaction.atomic
def token_report_leak(*, plaintext: str, request=None) -> bool:
    """Revoke a token anyone found leaked. Whether it matched is never told to the reporter."""
    token = None
    try:
        crypto.parse(plaintext)
    except crypto.TokenFormatError:
        pass
    else:
        token = (
            ApiToken.objects.select_for_update().select_related("user")
            .filter(digest=crypto.digest(plaintext)).first()
        )
    if token is None:
        record(Event.TOKEN_LEAK_REPORTED, request=request, details={"matched": False})
        return False
    newly_revoked = token.revoked_at is None
    if newly_revoked:
        _revoke(token, actor=None, reason=LEAK_REASON, now=timezone.now())
        record(Event.TOKEN_REVOKED, token=token, target=token.user, request=request,
               details={"reason": LEAK_REASON})
    record(Event.TOKEN_LEAK_REPORTED, token=token, target=token.user, request=request,
           details={"matched": True, "revoked": newly_revoked})
    return True


@transaction.atomic
def tokens_revoke_for_user(*, user, actor, request=None,
                           reason: str = DEACTIVATED_REASON) -> int:
    """Revoke every token of `user` that still works (the deactivation hook)."""
    now = timezone.now()
    tokens = list(
        ApiToken.objects.select_for_update().filter(user=user).usable(now).order_by("id")
    )
    for token in tokens:
        _revoke(token, actor=actor, reason=reason, now=now)
        record(Event.TOKEN_REVOKED, actor=actor, token=token, target=user, request=request,
               details={"reason": token.revoked_reason})
    return len(tokens)


def token_touch(*, token: ApiToken, ip: str | None, now=None) -> bool:
    """Note the token's last use, at most once a minute; never waits, never fails the request.

    The UPDATE is conditional (a concurrent request that already noted the use updates nothing)
    and, on PostgreSQL, skips a row that a rotation or revocation holds locked.
    """
    now = now or timezone.now()
    threshold = now - timedelta(seconds=LAST_USED_INTERVAL_SECONDS)
    if token.last_used_at is not None and token.last_used_at > threshold:
        return False
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lte=threshold)
    candidates = ApiToken.objects.filter(stale, pk=token.pk)
    if connection.features.has_select_for_update_skip_locked:
        candidates = candidates.select_for_update(skip_locked=True)
    try:
        with transaction.atomic():
            updated = ApiToken.objects.filter(pk__in=candidates.values("pk")).update(
                last_used_at=now, last_used_ip=ip
            )
    except DatabaseError:
        logger.warning("Could not note the last use of token %s; will retry later.", token.pk)
        return False
    if updated:
        token.last_used_at, token.last_used_ip = now, ip
    return bool(updated)
