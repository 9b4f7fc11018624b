"""Writes on programmatic users. Each passes the no-escalation rule first and records its audit
event inside the same transaction (DESIGN rules 8 and 15)."""

from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.db import transaction

from accounts import hooks
from accounts.models import User
from accounts.services.changes import (
    UNSET,
    Event,
    account_change,
    apply_relations,
    group_names,
    guard,
    record_relations,
)
from audit.services import record
from common.errors import full_clean

EDITABLE = ("description", "contact_email", "is_active")


def _new(*, username: str, contact_email: str, description: str) -> User:
    return User(username=username, category=User.Category.PROGRAMMATIC,
                contact_email=contact_email, description=description)


def check_programmatic_user_create(*, actor, groups: Iterable[Group] = ()) -> None:
    """Refuse what `actor` may not do when creating a programmatic user in `groups`."""
    guard().ensure_may_change_account(
        actor, _new(username="", contact_email="", description=""), groups=set(groups))


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
    """Create a programmatic user (no usable password, never staff) and record `user.created`
    and a `permission.granted` for each group."""
    groups = set(groups)
    user = _new(username=username, contact_email=contact_email, description=description)
    change = account_change(user, {}, groups=groups)
    change.check(actor, user)
    user.set_unusable_password()
    full_clean(user)
    user.save()
    apply_relations(user, change)
    record(
        Event.USER_CREATED, actor=actor, target=user, request=request,
        details={
            "category": user.category,
            "contact_email": user.contact_email,
            "groups": group_names(groups),
        },
    )
    record_relations(actor=actor, user=user, change=change, request=request)
    return user


def _change(user: User, *, description, contact_email, groups, is_active):
    return account_change(
        user, {"description": description, "contact_email": contact_email,
               "is_active": is_active}, groups=groups)


def check_programmatic_user_update(*, actor, user: User, description=UNSET, contact_email=UNSET,
                                   groups=UNSET, is_active=UNSET) -> None:
    """Refuse what `actor` may not change on `user` (the admin shows it as a form error)."""
    change = _change(user, description=description, contact_email=contact_email, groups=groups,
                     is_active=is_active)
    if change:
        change.check(actor, user)


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
    user = User.objects.programmatic().select_for_update().get(pk=user.pk)
    change = _change(user, description=description, contact_email=contact_email, groups=groups,
                     is_active=is_active)
    if not change:
        return user
    change.check(actor, user)
    for name, value in change.fields.items():
        setattr(user, name, value)
    full_clean(user)
    user.save()
    apply_relations(user, change)
    updated = {k: v for k, v in change.fields.items() if k != "is_active"}
    if updated:
        record(Event.USER_UPDATED, actor=actor, target=user, request=request, details=updated)
    record_relations(actor=actor, user=user, change=change, request=request)
    if "is_active" in change.fields:
        activation = Event.USER_REACTIVATED if user.is_active else Event.USER_DEACTIVATED
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
