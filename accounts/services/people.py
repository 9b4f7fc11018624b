"""Writes on people (personal users): what the People admin, and later the people API, change.

Each passes the no-escalation rule first and records its audit event inside the same
transaction: `user.created`, `user.updated` naming the fields changed (a password as
"changed" or "disabled", never a value or a hash), `user.deactivated`/`user.reactivated`, and
`permission.granted`/`permission.revoked` for each group joined or left and each direct
permission given or taken.
"""

from django.db import transaction

from accounts.models import User
from accounts.services.changes import (
    UNSET,
    Event,
    account_change,
    apply_relations,
    guard,
    record_relations,
)
from audit.services import record
from common.errors import Invalid, full_clean

PASSWORD_CHANGED = "changed"
PASSWORD_DISABLED = "disabled"
NOT_A_PERSON = "This is not a person's account."


def _person(pk) -> User:
    user = User.objects.people().select_for_update().filter(pk=pk).first()
    if user is None:
        raise Invalid(NOT_A_PERSON)
    return user


def check_person_create(*, actor) -> None:
    """Refuse `actor` creating a person (creating accounts needs a User configurator)."""
    guard().ensure_may_change_account(actor, User(category=User.Category.PERSONAL))


@transaction.atomic
def person_create(*, actor, username: str, password: str | None, email: str = "",
                  first_name: str = "", last_name: str = "", request=None) -> User:
    """Create a person with no permissions and no groups; `password` None: no usable password."""
    user = User(username=username, category=User.Category.PERSONAL, email=email,
                first_name=first_name, last_name=last_name)
    guard().ensure_may_change_account(actor, user)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    full_clean(user)
    user.save()
    record(Event.USER_CREATED, actor=actor, target=user, request=request,
           details={"category": user.category,
                    "password": PASSWORD_CHANGED if password else PASSWORD_DISABLED})
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
