"""Who may hand out which permissions: the no-escalation rule (DESIGN rule 8).

Permissions are named "app_label.codename" throughout.
"""

from collections.abc import Iterable

from django.contrib.auth.models import Group, Permission

# Only a superuser may give these to a programmatic user.
SUPERUSER_ONLY_FOR_PROGRAMMATIC = frozenset({"accounts.configure_users", "tokens.issue_token"})


def permission_name(permission: Permission) -> str:
    return f"{permission.content_type.app_label}.{permission.codename}"


def held_permissions(user) -> set[str]:
    """Every model-wide permission `user` holds, directly or through its groups."""
    if not user.is_active:
        return set()
    return set(user.get_all_permissions())


def group_permissions(groups: Iterable[Group]) -> set[str]:
    perms = Permission.objects.filter(group__in=list(groups)).select_related("content_type")
    return {permission_name(p) for p in perms}


def not_grantable(actor, permissions: Iterable[str], *, target=None) -> set[str]:
    """The subset of `permissions` that `actor` may not give to `target`."""
    wanted = set(permissions)
    if actor.is_active and actor.is_superuser:
        return set()
    refused = wanted - held_permissions(actor)
    if target is not None and getattr(target, "is_programmatic", False):
        refused |= wanted & SUPERUSER_ONLY_FOR_PROGRAMMATIC
    return refused


def groups_not_grantable(actor, groups: Iterable[Group], *, target=None) -> list[Group]:
    """The groups `actor` may not place `target` in (it lacks one of their permissions)."""
    refused = []
    for group in groups:
        if not_grantable(actor, group_permissions([group]), target=target):
            refused.append(group)
    return refused
