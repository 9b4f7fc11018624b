"""What a change to an account is, computed once for the rule's check and for the write."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth.models import Group, Permission

from accounts import hooks
from audit.models import AuditEvent
from audit.services import record

Event = AuditEvent.Event
UNSET = object()


def guard():
    """The no-escalation rule (`permissions.policy`, registered through `accounts.hooks`)."""
    return hooks.escalation_guard()


def permission_name(permission: Permission) -> str:
    return f"{permission.content_type.app_label}.{permission.codename}"


@dataclass
class AccountChange:
    """The fields an update changes (new values), and the groups and direct model-wide
    permissions it adds and removes."""

    fields: dict = field(default_factory=dict)
    groups_added: set = field(default_factory=set)
    groups_removed: set = field(default_factory=set)
    permissions_added: set = field(default_factory=set)
    permissions_removed: set = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.fields or self.groups_added or self.groups_removed
                    or self.permissions_added or self.permissions_removed)

    def check(self, actor, account) -> None:
        """Refuse (raise the rule's Denied) what `actor` may not do to `account`."""
        names = set(self.fields)
        if self.groups_added or self.groups_removed:
            names.add("groups")
        if self.permissions_added or self.permissions_removed:
            names.add("user_permissions")
        guard().ensure_may_change_account(
            actor, account, groups=self.groups_added, fields=names,
            grants=[permission_name(p) for p in self.permissions_added],
            revokes=[permission_name(p) for p in self.permissions_removed],
        )


def account_change(user, values: dict, *, groups=UNSET, user_permissions=UNSET) -> AccountChange:
    """The change that setting `values` (UNSET: untouched), `groups` and `user_permissions`
    makes to `user` as stored."""
    change = AccountChange()
    for name, value in values.items():
        if value is not UNSET and getattr(user, name) != value:
            change.fields[name] = value
    if groups is not UNSET:
        wanted, current = set(groups), set(user.groups.all()) if user.pk else set()
        change.groups_added, change.groups_removed = wanted - current, current - wanted
    if user_permissions is not UNSET:
        wanted = set(user_permissions)
        current = set(user.user_permissions.select_related("content_type")) if user.pk else set()
        change.permissions_added = wanted - current
        change.permissions_removed = current - wanted
    return change


def apply_relations(user, change: AccountChange) -> None:
    """Write the change's groups and direct permissions (the fields are saved by the caller)."""
    if change.groups_added:
        user.groups.add(*change.groups_added)
    if change.groups_removed:
        user.groups.remove(*change.groups_removed)
    if change.permissions_added:
        user.user_permissions.add(*change.permissions_added)
    if change.permissions_removed:
        user.user_permissions.remove(*change.permissions_removed)


def record_relations(*, actor, user, change: AccountChange, request=None) -> None:
    """`permission.granted`/`permission.revoked` for each group joined or left (details name the
    group) and each direct permission given or taken."""
    for event, groups in ((Event.PERMISSION_GRANTED, change.groups_added),
                          (Event.PERMISSION_REVOKED, change.groups_removed)):
        for group in sorted(groups, key=lambda g: g.name):
            record(event, actor=actor, target=user, request=request, details={"group": group.name})
    for event, perms in ((Event.PERMISSION_GRANTED, change.permissions_added),
                         (Event.PERMISSION_REVOKED, change.permissions_removed)):
        for name in sorted(permission_name(p) for p in perms):
            record(event, actor=actor, target=user, request=request,
                   details={"permission": name, "object": None})


def group_names(groups: Iterable[Group]) -> list[str]:
    return sorted(group.name for group in groups)
