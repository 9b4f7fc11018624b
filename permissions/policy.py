"""The no-escalation rule (DESIGN rule 8), enforced in this one module.

Every write path that can change what an account holds, or hand over its credentials, calls one
of the `ensure_*` functions here before it writes, inside its own transaction: the permissions
services (the API, guardian's object-permission pages, commands), the accounts services (people,
programmatic users and groups, through `accounts.hooks` since accounts sits below permissions)
and the token services (a new token is a programmatic user's credential). Admin forms call the
same functions to show the refusal as a form error before anything is written.

For an actor who is not an active superuser (None, the system acting for a command, is not
limited):

1. Granting at all, and changing any account or group, needs `accounts.configure_users`.
2. No account, the actor itself included, may be made to hold a permission the actor does not
   hold, counting model-wide and object permissions, direct and through groups. Joining a group
   gives every model-wide and object permission the group carries; a permission added to a group
   is given to every member. A model-wide permission covers the same permission on every object
   of its model. Taking a permission away (from an account or a group) needs the same.
3. An account that holds a permission the actor lacks (its stored grants count, so an inactive
   account's too; a superuser holds every permission) cannot be changed by the actor at all:
   not its credentials (password, e-mail, a new token), groups, flags or permissions. Nor can a
   group one of whose members is such an account (a change to the group changes the member).
4. `accounts.configure_users` and `tokens.issue_token` reach a programmatic user only by a
   superuser's act: given directly, through a group it joins, or through a group that gains
   them while it has programmatic members.
5. Only a superuser changes anyone's superuser flag; no one but a superuser changes its own staff
   or active flag.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import models

from permissions import exceptions
from permissions.registry import protected_models
from permissions.selectors import (
    Grants,
    effective_permissions,
    has_model_permission,
    is_active_user,
    stored_grants,
)

CONFIGURE_USERS = "accounts.configure_users"
SUPERUSER_ONLY_FOR_PROGRAMMATIC = frozenset({CONFIGURE_USERS, "tokens.issue_token"})


@dataclass(frozen=True)
class Grant:
    """One permission ("app_label.codename"), model-wide or on one object ("app_label.model")."""

    permission: str
    type: str | None = None
    pk: int | None = None

    @classmethod
    def of(cls, permission: str, obj: models.Model | None = None) -> "Grant":
        if obj is None:
            return cls(permission)
        return cls(permission, obj._meta.label_lower, obj.pk)

    @property
    def codename(self) -> str:
        return self.permission.split(".", 1)[1]

    def sort_key(self) -> tuple:
        return self.permission, self.type or "", self.pk or 0


class Holdings:
    """What an actor holds now, so what it may hand out: nothing if inactive, all if superuser."""

    def __init__(self, actor):
        self.actor = actor
        self.superuser = is_active_user(actor) and actor.is_superuser
        self.configurator = has_model_permission(actor, CONFIGURE_USERS)
        self._grants = None if self.superuser else effective_permissions(actor)

    def covers(self, grant: Grant) -> bool:
        if self.superuser:
            return True
        if grant.permission in self._grants.global_perms:
            return True
        if grant.type is None or grant.type.split(".")[0] != grant.permission.split(".")[0]:
            return False
        return grant.codename in self._grants.objects.get(grant.type, {}).get(grant.pk, {})

    def outranked_by(self, account) -> bool:
        """`account` (as stored) holds a permission this actor lacks."""
        if self.superuser or account is None or account.pk is None:
            return False
        stored = get_user_model()._base_manager.filter(pk=account.pk).first()
        if stored is None:
            return False
        grants = stored_grants(stored)
        return grants.is_superuser or not all(self.covers(g) for g in _grants_of(grants))


def _grants_of(grants: Grants) -> list[Grant]:
    found = [Grant(name) for name in grants.global_perms]
    for label, by_pk in grants.objects.items():
        app_label = label.split(".")[0]
        for pk, codenames in by_pk.items():
            found += [Grant(f"{app_label}.{codename}", label, pk) for codename in codenames]
    return found


def group_grants(group: Group) -> list[Grant]:
    """Every permission `group` carries: model-wide, and on each object of a protected model."""
    if group.pk is None:
        return []
    rows = Permission.objects.filter(group=group).values_list("content_type__app_label",
                                                              "codename")
    found = [Grant(f"{app_label}.{codename}") for app_label, codename in rows]
    for label, tables in protected_models().items():
        app_label = label.split(".")[0]
        rows = tables.group_table.objects.filter(group_id=group.pk).values_list(
            "content_object_id", "permission__codename")
        found += [Grant(f"{app_label}.{codename}", label, pk) for pk, codename in rows]
    return found


def _as_grants(items: Iterable) -> list[Grant]:
    return [item if isinstance(item, Grant) else Grant(item) for item in items]


def _names(grants: Iterable[Grant]) -> str:
    return ", ".join(sorted({grant.permission for grant in grants}))


def _superuser_only(grants: Iterable[Grant]) -> list[Grant]:
    return [g for g in grants if g.type is None and g.permission in SUPERUSER_ONLY_FOR_PROGRAMMATIC]


def _require_configurator(mine: Holdings, field: str | None) -> None:
    if not mine.configurator:
        raise exceptions.NotAConfigurator(exceptions.NOT_A_CONFIGURATOR, field=field)


def _check_flags(actor, account, fields: set[str]) -> None:
    if "is_superuser" in fields:
        raise exceptions.Refused(exceptions.SUPERUSER_FLAG, field="is_superuser")
    own = fields & {"is_staff", "is_active"}
    if own and account.pk is not None and account.pk == actor.pk:
        raise exceptions.Refused(exceptions.OWN_FLAGS, field=sorted(own)[0])


def _check_groups(mine: Holdings, groups: Iterable[Group], *, programmatic: bool) -> None:
    refused, superuser_only = [], []
    for group in groups:
        grants = group_grants(group)
        if programmatic:
            superuser_only += _superuser_only(grants)
        if not all(mine.covers(grant) for grant in grants):
            refused.append(group.name)
    if superuser_only:
        raise exceptions.NotGrantable(
            exceptions.SUPERUSER_ONLY.format(permission=_names(superuser_only)), field="groups")
    if refused:
        raise exceptions.NotGrantable(
            exceptions.GROUPS_NOT_GRANTABLE.format(names=", ".join(sorted(refused))),
            field="groups")


def _check_grants(mine: Holdings, grants: list[Grant], *, programmatic: bool) -> None:
    superuser_only = _superuser_only(grants) if programmatic else []
    if superuser_only:
        raise exceptions.NotGrantable(
            exceptions.SUPERUSER_ONLY.format(permission=_names(superuser_only)),
            field="user_permissions")
    refused = [grant for grant in grants if not mine.covers(grant)]
    if refused:
        raise exceptions.NotGrantable(
            exceptions.NOT_GRANTABLE.format(permission=_names(refused)), field="user_permissions")


def ensure_may_change_account(
    actor, account, *, grants: Iterable = (), revokes: Iterable = (),
    groups: Iterable[Group] = (), fields: Iterable[str] = (),
) -> None:
    """Raise a `Refused` unless `actor` may make this change to `account` (unsaved: a new one).

    `grants`/`revokes`: permissions given or taken directly (Grant, or a model-wide name);
    `groups`: the groups the account joins; `fields`: the names of every other field changed.
    """
    if actor is None:
        return
    mine = Holdings(actor)
    if mine.superuser:
        return
    _require_configurator(mine, field=None)
    _check_flags(actor, account, set(fields))
    if mine.outranked_by(account):
        raise exceptions.MorePrivileged(
            exceptions.MORE_PRIVILEGED.format(username=account.get_username()))
    programmatic = bool(getattr(account, "is_programmatic", False))
    _check_grants(mine, _as_grants(grants), programmatic=programmatic)
    _check_grants(mine, _as_grants(revokes), programmatic=False)
    _check_groups(mine, groups, programmatic=programmatic)


def ensure_may_change_group(actor, group: Group, *, grants: Iterable = (),
                            revokes: Iterable = ()) -> None:
    """Raise a `Refused` unless `actor` may give `grants` to, and take `revokes` from, the group
    (and so from every member); deleting a group takes away everything it carries."""
    if actor is None:
        return
    mine = Holdings(actor)
    if mine.superuser:
        return
    _require_configurator(mine, field="permissions")
    members = list(get_user_model()._base_manager.filter(groups=group)) if group.pk else []
    for member in members:
        if mine.outranked_by(member):
            raise exceptions.MorePrivileged(
                exceptions.MEMBER_MORE_PRIVILEGED.format(username=member.get_username()))
    grants, revokes = _as_grants(grants), _as_grants(revokes)
    superuser_only = _superuser_only(grants)
    if superuser_only and any(getattr(m, "is_programmatic", False) for m in members):
        raise exceptions.NotGrantable(
            exceptions.GROUP_SUPERUSER_ONLY.format(permission=_names(superuser_only)),
            field="permissions")
    refused = [grant for grant in grants + revokes if not mine.covers(grant)]
    if refused:
        raise exceptions.NotGrantable(
            exceptions.GROUP_PERMISSIONS_NOT_GRANTABLE.format(names=_names(refused)),
            field="permissions")


def ensure_may_delete_group(actor, group: Group) -> None:
    """Deleting a group takes every permission it carries from every member."""
    ensure_may_change_group(actor, group, revokes=group_grants(group))


def ensure_may_obtain_credentials(actor, account) -> None:
    """Raise unless `actor` may receive a new credential of `account` (a token): it must hold
    every permission `account` holds, or it would act with more than its own."""
    if actor is None:
        return
    if Holdings(actor).outranked_by(account):
        raise exceptions.MorePrivileged(
            exceptions.MORE_PRIVILEGED.format(username=account.get_username()))


def may_obtain_credentials(actor, account) -> bool:
    """Whether `actor` may receive a new token of `account` (the admin hides the button else)."""
    return not Holdings(actor).outranked_by(account)


def may_change_account(actor, account) -> bool:
    """Whether `actor` may change `account` at all (the admin shows it read-only otherwise)."""
    mine = Holdings(actor)
    return mine.superuser or (mine.configurator and not mine.outranked_by(account))


def may_change_group(actor, group: Group) -> bool:
    """Whether `actor` may change `group` at all (no member outranks it)."""
    try:
        ensure_may_change_group(actor, group)
    except exceptions.Refused:
        return False
    return True


def may_delete_group(actor, group: Group) -> bool:
    try:
        ensure_may_delete_group(actor, group)
    except exceptions.Refused:
        return False
    return True
