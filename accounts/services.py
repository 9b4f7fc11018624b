"""Writes on users. Each records its audit event inside the same transaction (DESIGN rule 15)."""

from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.db import transaction

from accounts import hooks
from accounts.models import User
from accounts.policies import groups_not_grantable
from audit.models import AuditEvent
from audit.services import record
from common.errors import Denied, full_clean

Event = AuditEvent.Event

UNSET = object()
GROUPS_REFUSED = "You can only add a user to groups whose permissions you hold yourself: {names}."


def _check_groups(actor, groups: Iterable[Group], target) -> None:
    if actor is None:
        return
    refused = groups_not_grantable(actor, groups, target=target)
    if refused:
        names = ", ".join(sorted(g.name for g in refused))
        raise Denied(GROUPS_REFUSED.format(names=names), code="not_grantable")


@transaction.atomic
def programmatic_user_create(
    *,
    actor,
    username: str,
    contact_email: str,
    description: str = "",
    groups: Iterable[Group] = (),
    request=None,
) -> User:
    """Create a programmatic user (no usable password, never staff) and record `user.created`."""
    groups = list(groups)
    user = User(
        username=username,
        category=User.Category.PROGRAMMATIC,
        contact_email=contact_email,
        description=description,
    )
    _check_groups(actor, groups, user)
    user.set_unusable_password()
    full_clean(user)
    user.save()
    if groups:
        user.groups.set(groups)
    record(
        Event.USER_CREATED, actor=actor, target=user, request=request,
        details={
            "category": user.category,
            "contact_email": user.contact_email,
            "groups": sorted(g.name for g in groups),
        },
    )
    return user


@transaction.atomic
def programmatic_user_update(
    *,
    actor,
    user: User,
    description=UNSET,
    contact_email=UNSET,
    groups=UNSET,
    is_active=UNSET,
    request=None,
) -> User:
    """Change what may change on a programmatic user; deactivation revokes its tokens."""
    user = User.objects.select_for_update().get(pk=user.pk)
    changes: dict = {}
    for field, value in (("description", description), ("contact_email", contact_email)):
        if value is not UNSET and getattr(user, field) != value:
            changes[field] = value
            setattr(user, field, value)
    if groups is not UNSET:
        wanted = set(groups)
        current = set(user.groups.all())
        added, removed = wanted - current, current - wanted
        _check_groups(actor, added, user)
        if added or removed:
            user.groups.set(wanted)
            changes["groups"] = {
                "added": sorted(g.name for g in added),
                "removed": sorted(g.name for g in removed),
            }
    activation = None
    if is_active is not UNSET and is_active != user.is_active:
        user.is_active = is_active
        activation = Event.USER_REACTIVATED if is_active else Event.USER_DEACTIVATED
    full_clean(user)
    user.save()
    if changes:
        record(Event.USER_UPDATED, actor=actor, target=user, request=request, details=changes)
    if activation is not None:
        record(activation, actor=actor, target=user, request=request)
        if activation == Event.USER_DEACTIVATED:
            hooks.run_deactivation_hooks(user=user, actor=actor, request=request)
    return user


def issue_initial_token(*, actor, user: User, request=None):
    """The first token of a new programmatic user, through the tokens app's registered issuer:
    what it returns (the issued token, with its plaintext this once)."""
    issuer = hooks.initial_token_issuer()
    if issuer is None:
        raise RuntimeError("No token issuer is registered (is the tokens app installed?).")
    return issuer(user=user, actor=actor, request=request)
