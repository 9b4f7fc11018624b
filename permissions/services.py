"""Granting and revoking permissions, each through the no-escalation rule (`permissions.policy`).

Each write records its audit event (`permission.granted` / `permission.revoked`) in the same
transaction: no change without its event, no event without its change.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction

from audit.models import AuditEvent
from audit.services import build_event, record, record_many
from permissions import exceptions, policy
from permissions.lookups import find_permission, object_ref
from permissions.registry import tables_for

Event = AuditEvent.Event
CREATOR_ACTIONS = ("view", "change", "delete")


def ensure_grantable(actor, holder, *, grants=(), revokes=()) -> None:
    """Refuse (403) what `actor` may not give to or take from `holder` (a user or a group);
    None is the system (commands)."""
    if isinstance(holder, Group):
        policy.ensure_may_change_group(actor, holder, grants=grants, revokes=revokes)
    else:
        policy.ensure_may_change_account(actor, holder, grants=grants, revokes=revokes)


def _details(permission: str, obj: models.Model | None, via: str | None) -> dict:
    details = {"permission": permission, "object": object_ref(obj)}
    if via:
        details["via"] = via
    return details


def _object_table(holder, obj: models.Model):
    tables = tables_for(obj)
    if tables is None:
        raise exceptions.invalid("object", exceptions.BAD_OBJECT_TYPE)
    if isinstance(holder, Group):
        return tables.group_table, {"group": holder}
    return tables.user_table, {"user": holder}


def _lock(holder) -> None:
    """Serialise grants to one holder, so "already held" is decided once."""
    list(type(holder)._default_manager.select_for_update().filter(pk=holder.pk).values("pk"))


def _grant(*, actor, holder, permission: str, obj, request, via) -> bool:
    found: Permission = find_permission(permission, obj=obj)
    ensure_grantable(actor, holder, grants=[policy.Grant.of(permission, obj)])
    _lock(holder)
    if obj is None:
        granted = holder.permissions if isinstance(holder, Group) else holder.user_permissions
        if granted.filter(pk=found.pk).exists():
            return False
        granted.add(found)
    else:
        table, who = _object_table(holder, obj)
        _, created = table.objects.get_or_create(permission=found, content_object=obj, **who)
        if not created:
            return False
    record(Event.PERMISSION_GRANTED, actor=actor, target=holder, request=request,
           details=_details(permission, obj, via))
    return True


def _revoke(*, actor, holder, permission: str, obj, request, via) -> None:
    found: Permission = find_permission(permission, obj=obj)
    ensure_grantable(actor, holder, revokes=[policy.Grant.of(permission, obj)])
    _lock(holder)
    if obj is None:
        granted = holder.permissions if isinstance(holder, Group) else holder.user_permissions
        if not granted.filter(pk=found.pk).exists():
            raise exceptions.NotHeld()
        granted.remove(found)
    else:
        table, who = _object_table(holder, obj)
        deleted, _ = table.objects.filter(permission=found, content_object=obj, **who).delete()
        if not deleted:
            raise exceptions.NotHeld()
    record(Event.PERMISSION_REVOKED, actor=actor, target=holder, request=request,
           details=_details(permission, obj, via))


@transaction.atomic
def permission_grant(
    *, actor, user, permission: str, obj: models.Model | None = None, request=None,
    via: str | None = None,
) -> bool:
    """Give `user` `permission` ("app_label.codename") model-wide, or on `obj`.

    True if written, False if already held (nothing written, no event). Raises NotGrantable
    (403) when `actor` may not hand it out, ValidationError (400) on a bad name or type.
    """
    return _grant(actor=actor, holder=user, permission=permission, obj=obj, request=request,
                  via=via)


@transaction.atomic
def permission_revoke(
    *, actor, user, permission: str, obj: models.Model | None = None, request=None,
    via: str | None = None,
) -> None:
    """Take `permission` back from `user` (model-wide, or on `obj`); NotHeld (404) if it was
    not held directly."""
    _revoke(actor=actor, holder=user, permission=permission, obj=obj, request=request, via=via)


@transaction.atomic
def group_permission_grant(
    *, actor, group: Group, permission: str, obj: models.Model, request=None
) -> bool:
    """Give the group (role) `permission` on `obj`; same rules as `permission_grant`."""
    return _grant(actor=actor, holder=group, permission=permission, obj=obj, request=request,
                  via=None)


@transaction.atomic
def group_permission_revoke(
    *, actor, group: Group, permission: str, obj: models.Model, request=None
) -> None:
    """Take `permission` on `obj` back from the group (role)."""
    _revoke(actor=actor, holder=group, permission=permission, obj=obj, request=request, via=None)


def creator_permissions_grant(*, user, obj: models.Model, request=None) -> None:
    """Give the creator of `obj` view/change/delete on it, in the caller's transaction."""
    if user is None or not isinstance(user, get_user_model()):
        return
    tables = tables_for(obj)
    if tables is None:
        return
    model_name = obj._meta.model_name
    codenames = [f"{action}_{model_name}" for action in CREATOR_ACTIONS]
    found = Permission.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), codename__in=codenames
    )
    tables.user_table.objects.bulk_create(
        [tables.user_table(user=user, permission=p, content_object=obj) for p in found],
        ignore_conflicts=True,
    )
    record_many([
        build_event(
            Event.PERMISSION_GRANTED, actor=user, target=user, request=request,
            details=_details(f"{obj._meta.app_label}.{codename}", obj, "creator"),
        )
        for codename in sorted(p.codename for p in found)
    ])
