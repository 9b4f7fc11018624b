"""Writes on groups (roles) and their model-wide permissions: what the group admin, and later the
roles API, change. A permission added to or removed from a group is given to or taken from every
member, so each change passes the no-escalation rule for the group and its members first.

Events target the group: `permission.granted`/`permission.revoked` with the permission's name
(`"object": null`, model-wide). Deleting a group records a `permission.revoked` for each member
(details name the group) and for each permission it carried, model-wide or on an object. A
group's name is its identity in the log and in the default roles, so it is set once, at creation.
Creating an empty group gives nobody anything and records nothing.
"""

from collections.abc import Iterable

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from accounts.services.changes import Event, guard, permission_name
from audit.services import record
from common.errors import full_clean, save_new


def _diff(group: Group, permissions: Iterable[Permission]) -> tuple[set, set]:
    wanted = set(permissions)
    current = set(group.permissions.select_related("content_type")) if group.pk else set()
    return wanted - current, current - wanted


def _record(*, actor, group: Group, added, removed, request) -> None:
    for event, perms in ((Event.PERMISSION_GRANTED, added), (Event.PERMISSION_REVOKED, removed)):
        for name in sorted(permission_name(p) for p in perms):
            record(event, actor=actor, target=group, request=request,
                   details={"permission": name, "object": None})


def check_group_permissions(*, actor, group: Group, permissions: Iterable[Permission]) -> None:
    """Refuse setting `group`'s model-wide permissions to `permissions` if `actor` may not."""
    added, removed = _diff(group, permissions)
    if added or removed:
        guard().ensure_may_change_group(actor, group,
                                        grants=[permission_name(p) for p in added],
                                        revokes=[permission_name(p) for p in removed])


@transaction.atomic
def group_create(*, actor, name: str, permissions: Iterable[Permission] = (),
                 request=None) -> Group:
    """Create a group (role) carrying `permissions` model-wide."""
    group = Group(name=name)
    guard().ensure_may_change_group(actor, group,
                                    grants=[permission_name(p) for p in permissions])
    full_clean(group)
    save_new(group)
    added = set(permissions)
    group.permissions.add(*added)
    _record(actor=actor, group=group, added=added, removed=(), request=request)
    return group


@transaction.atomic
def group_update(*, actor, group: Group, permissions: Iterable[Permission],
                 request=None) -> Group:
    """Set the group's model-wide permissions (every member gains or loses them)."""
    group = Group.objects.select_for_update().get(pk=group.pk)
    added, removed = _diff(group, permissions)
    if not (added or removed):
        return group
    check_group_permissions(actor=actor, group=group, permissions=permissions)
    group.permissions.add(*added)
    group.permissions.remove(*removed)
    _record(actor=actor, group=group, added=added, removed=removed, request=request)
    return group


@transaction.atomic
def group_delete(*, actor, group: Group, request=None) -> None:
    """Delete a group: every member leaves it and loses what it carried."""
    group = Group.objects.select_for_update().get(pk=group.pk)
    guard().ensure_may_delete_group(actor, group)
    for member in group.user_set.order_by("pk"):
        record(Event.PERMISSION_REVOKED, actor=actor, target=member, request=request,
               details={"group": group.name})
    for grant in sorted(guard().group_grants(group), key=lambda g: g.sort_key()):
        where = None if grant.type is None else {"type": grant.type, "id": grant.pk}
        record(Event.PERMISSION_REVOKED, actor=actor, target=group, request=request,
               details={"permission": grant.permission, "object": where})
    group.delete()
