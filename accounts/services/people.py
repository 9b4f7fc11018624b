"""Writes on people (personal users): what the People admin, and later the people API, change.

Each passes the no-escalation rule first and records its audit event inside the same
transaction: `user.created`, `user.updated` naming the fields changed (a password as
"changed" or "disabled", never a value or a hash), `user.deactivated`/`user.reactivated`, and
`permission.granted`/`permission.revoked` for each group joined or left and each direct
permission given or taken.
"""

from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.translation import gettext_lazy as _

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
from common.errors import Conflict, Invalid, full_clean, save_new

PASSWORD_CHANGED = "changed"  # audit details: never translated
PASSWORD_DISABLED = "disabled"
NOT_A_PERSON = _("This is not a person's account.")
OWN_DEACTIVATION = _("You cannot deactivate your own account.")
ALREADY_INACTIVE = _("This account is already inactive.")


def _person(pk) -> User:
    user = User.objects.people().select_for_update().filter(pk=pk).first()
    if user is None:
        raise Invalid(NOT_A_PERSON)
    return user


def check_person_create(*, actor, groups: Iterable[Group] = ()) -> None:
    """Refuse `actor` creating a person in `groups` (creating accounts needs a User
    configurator; joining a group needs every permission it carries)."""
    user = User(category=User.Category.PERSONAL)
    account_change(user, {}, groups=set(groups)).check(actor, user)


@transaction.atomic
def person_create(*, actor, username: str, password: str | None, email: str = "",
                  first_name: str = "", last_name: str = "", groups: Iterable[Group] = (),
                  request=None) -> User:
    """Create a person with no direct permissions, in `groups`; `password` None: no usable
    password (unusable until a reset). Records `user.created` and a `permission.granted` for
    each group."""
    groups = set(groups)
    user = User(username=username, category=User.Category.PERSONAL, email=email,
                first_name=first_name, last_name=last_name)
    change = account_change(user, {}, groups=groups)
    change.check(actor, user)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    full_clean(user)
    save_new(user)
    apply_relations(user, change)
    record(Event.USER_CREATED, actor=actor, target=user, request=request,
           details={"category": user.category,
                    "password": PASSWORD_CHANGED if password else PASSWORD_DISABLED,
                    "groups": group_names(groups)})
    record_relations(actor=actor, user=user, change=change, request=request)
    return user


def _change(user: User, values: dict, groups, user_permissions):
    return account_change(user, values, groups=groups, user_permissions=user_permissions)


def check_person_update(*, actor, person: User, groups=UNSET, user_permissions=UNSET,
                        **values) -> None:
    """Refuse what `actor` may not change on `person` (the admin shows it as a form error)."""
    change = _change(person, values, groups, user_permissions)
    if change:
        change.check(actor, person)


@transaction.atomic
def person_update(*, actor, person: User, username=UNSET, first_name=UNSET, last_name=UNSET,
                  email=UNSET, is_active=UNSET, is_staff=UNSET, is_superuser=UNSET,
                  groups=UNSET, user_permissions=UNSET, request=None) -> User:
    """Change a person's names, e-mail, flags, groups and direct model-wide permissions."""
    user = _person(person.pk)
    values = {"username": username, "first_name": first_name, "last_name": last_name,
              "email": email, "is_active": is_active, "is_staff": is_staff,
              "is_superuser": is_superuser}
    change = _change(user, values, groups, user_permissions)
    if not change:
        return user
    change.check(actor, user)
    for name, value in change.fields.items():
        setattr(user, name, value)
    full_clean(user, exclude=["password"])
    user.save()
    apply_relations(user, change)
    updated = {k: v for k, v in change.fields.items() if k != "is_active"}
    if updated:
        record(Event.USER_UPDATED, actor=actor, target=user, request=request, details=updated)
    record_relations(actor=actor, user=user, change=change, request=request)
    if "is_active" in change.fields:
        activation = Event.USER_REACTIVATED if user.is_active else Event.USER_DEACTIVATED
        record(activation, actor=actor, target=user, request=request)
    return user


def check_person_set_password(*, actor, person: User) -> None:
    """Refuse `actor` setting `person`'s password (taking over a more privileged account)."""
    guard().ensure_may_change_account(actor, person, fields={"password"})


@transaction.atomic
def person_set_password(*, actor, person: User, password: str | None, request=None) -> User:
    """Set `person`'s password (None: no usable password); records that it changed, not what."""
    user = _person(person.pk)
    check_person_set_password(actor=actor, person=user)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save(update_fields=["password"])
    record(Event.USER_UPDATED, actor=actor, target=user, request=request,
           details={"password": PASSWORD_CHANGED if password else PASSWORD_DISABLED})
    return user


@transaction.atomic
def person_deactivate(*, actor, person: User, request=None) -> User:
    """Deactivate a person (not oneself): `user.deactivated`, under the no-escalation rule (an
    account holding a permission the actor lacks is refused); Conflict if already inactive."""
    user = _person(person.pk)
    if actor is not None and actor.pk == user.pk:
        raise Invalid(OWN_DEACTIVATION, code="own_account")
    guard().ensure_may_change_account(actor, user, fields={"is_active"})
    if not user.is_active:
        raise Conflict(ALREADY_INACTIVE, code="already_inactive")
    return person_update(actor=actor, person=user, is_active=False, request=request)
