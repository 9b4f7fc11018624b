"""Writes on tokens: issue, rotate, revoke, last use.

Each lifecycle change records its audit event in the same transaction (DESIGN rule 15); the admin,
the API and the commands call these and nothing else. Reuse detection is in `tokens.reuse`,
suspension in `tokens.suspension`, leak reports in `tokens.leaks`.
"""

import dataclasses
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
    MAX_GRACE_HOURS,
    token_settings,
)
from tokens.exceptions import (
    ALREADY_REVOKED,
    FAMILY_ALREADY_REVOKED,
    INACTIVE_USER,
    NOT_ROTATABLE,
    PERSONAL_USER,
    SUSPENDED_NOT_ROTATABLE,
    TOO_MANY_TOKENS,
    TokenConflict,
)
from tokens.grants import normalize_permissions
from tokens.inputs import (
    GRACE_RANGE,
    normalize_networks,
    normalize_rate,
    resolve_expiry,
)
from tokens.models import ApiToken
from tokens.revocation import actor_snapshot, family_of, lock_family, revoke_family, revoke_row

logger = logging.getLogger(__name__)
Event = AuditEvent.Event

DEACTIVATED_REASON = "user deactivated"


@dataclass(frozen=True)
class IssuedToken:
    """A token just issued, with its plaintext: the one moment the plaintext exists."""

    token: ApiToken
    plaintext: str = dataclasses.field(repr=False)  # never in a traceback or a debug page


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
        "rate_limit": token.rate_limit,
        "permissions": list(token.permissions),
    }


def _create(*, actor, user, name, description, expires_at, read_only, allowed_ips,
            rate_limit=None, permissions=(), rotated_from=None) -> IssuedToken:
    plaintext = crypto.generate()
    parsed = crypto.parse(plaintext)
    created_by, created_by_username = actor_snapshot(actor)
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
        rate_limit=rate_limit,
        permissions=list(permissions),
        rotated_from=rotated_from,
        family_id=None if rotated_from is None else family_of(rotated_from),
    )
    full_clean(token, exclude=["digest", "hint", "family"])
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
    rate_limit: str | None = None,
    permissions=None,
    request=None,
) -> IssuedToken:
    """Issue a token for a programmatic user; the plaintext is returned here and nowhere else.

    A token is the user's credential: the actor must hold every permission the user holds
    (no escalation, DESIGN rule 8). At most TOKEN_MAX_PER_USER tokens of a user work at once
    (rotated-out ones aside); the user's row is locked while they are counted, so two concurrent
    issues cannot both take the last one. `permissions`: the grants the token is narrowed to
    (`tokens.grants`), each held by the user now; none: all of the user's.
    """
    _check_holder(user)
    ensure_may_obtain_credentials(actor, user)
    expiry = resolve_expiry(expires_in_days=expires_in_days, expires_at=expires_at)
    networks = normalize_networks(list(allowed_ips))
    rate_limit = normalize_rate(rate_limit)
    grants = normalize_permissions(permissions, user=user, actor=actor)
    _check_room_for_one_more(user)
    issued = _create(
        actor=actor, user=user, name=name, description=description, expires_at=expiry,
        read_only=read_only, allowed_ips=networks, rate_limit=rate_limit, permissions=grants,
    )
    record(Event.TOKEN_ISSUED, actor=actor, token=issued.token, target=user, request=request,
           details=_token_details(issued.token))
    return issued


def _lock_user(user_id: int) -> None:
    """Hold the holder's row: issue and rotation take it first (then the family's lock, then the
    token's), in the order a deactivation takes them, so none of them can deadlock another."""
    user_model = ApiToken._meta.get_field("user").related_model
    list(user_model._base_manager.select_for_update().filter(pk=user_id).values_list("pk"))


def _check_room_for_one_more(user) -> None:
    maximum = token_settings.max_per_user
    _lock_user(user.pk)
    if ApiToken.objects.filter(user=user).counted_against_the_limit().count() >= maximum:
        raise Invalid(TOO_MANY_TOKENS.format(maximum=maximum), code="token_limit")


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
    """The token afresh, its row locked (its user's row is not: see `_lock_user`)."""
    return (ApiToken.objects.select_for_update(of=("self",)).select_related("user")
            .get(pk=token.pk))


@transaction.atomic
def token_revoke(*, actor, token: ApiToken, reason: str = "", family: bool = False,
                 request=None) -> ApiToken:
    """Revoke a token at once; revoking a revoked token is a conflict. `family`: see
    `token_family_revoke`."""
    if family:
        token_family_revoke(actor=actor, token=token, reason=reason, request=request)
        return _locked(token)
    token = _locked(token)
    if token.revoked_at is not None:
        raise TokenConflict(ALREADY_REVOKED)
    revoke_row(token, actor=actor, reason=reason, now=timezone.now(), request=request)
    return token


@transaction.atomic
def token_family_revoke(*, actor, token: ApiToken, reason: str = "",
                        request=None) -> list[ApiToken]:
    """Revoke a token and every other working token of its rotation family, each with its own
    `token.revoked`; the tokens revoked. A conflict only when nothing was left to revoke."""
    root = family_of(token)
    lock_family(root)
    token = _locked(token)
    now = timezone.now()
    revoked = []
    if token.revoked_at is None:
        revoke_row(token, actor=actor, reason=reason, now=now, request=request,
                   details={"family": root})
        revoked.append(token)
    revoked += revoke_family(family=root, actor=actor, reason=reason, now=now, request=request)
    if not revoked:
        raise TokenConflict(FAMILY_ALREADY_REVOKED)
    return revoked


def token_rotate(
    *, actor, token: ApiToken, grace_hours: int = DEFAULT_GRACE_HOURS, request=None
) -> IssuedToken:
    """A new token with the same name and limits; the old one works until the grace ends.

    The family's lock, then the row lock, make concurrent rotations of one token (and a family
    revocation) queue up: the first wins, the others find it rotated or revoked (409). The
    one-to-one `rotated_from` is the database's own backstop. The new token joins the family and
    keeps the request limit and the list of grants it is narrowed to.
    """
    return _rotate(actor=actor, token=token, grace_hours=grace_hours, request=request)


@transaction.atomic
def _rotate(*, actor, token: ApiToken, grace_hours: int, request, replaces_itself=False):
    if isinstance(grace_hours, bool) or not isinstance(grace_hours, int) or not (
        0 <= grace_hours <= MAX_GRACE_HOURS
    ):
        raise Invalid.field("grace_hours", GRACE_RANGE)
    _lock_user(token.user_id)
    lock_family(family_of(token))
    token = _locked(token)
    now = timezone.now()
    if token.revoked_at is not None or token.is_rotated or token.expires_at <= now:
        raise TokenConflict(NOT_ROTATABLE)
    if token.is_suspended:
        raise TokenConflict(SUSPENDED_NOT_ROTATABLE)
    _check_holder(token.user)
    if not replaces_itself:
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
                allowed_ips=token.allowed_ips, rate_limit=token.rate_limit,
                permissions=token.permissions, rotated_from=token,
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
    """The token in use replaces itself; the old one stops working at once. Its successor can
    do exactly what it could (same user, limits and list), so the no-escalation check, which
    a narrowed token would fail against its own user, does not apply."""
    return _rotate(actor=token.user, token=token, grace_hours=0, request=request,
                   replaces_itself=True)


@transaction.atomic
def tokens_revoke_for_user(*, user, actor, request=None,
                           reason: str = DEACTIVATED_REASON) -> int:
    """Revoke every live token of `user`, suspended ones too (the deactivation hook)."""
    now = timezone.now()
    tokens = list(
        ApiToken.objects.select_for_update().filter(user=user).live(now).order_by("id")
    )
    for token in tokens:
        token.user = user
        revoke_row(token, actor=actor, reason=reason, now=now, request=request)
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
