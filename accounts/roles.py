"""The default roles (groups) and the permissions each carries.

The data migrations create them; `ensure_default_roles()` puts them back idempotently (seed_demo
and tests whose database was flushed use it).
"""

from django.contrib.auth.models import Group, Permission

USER_CONFIGURATORS = "User configurators"
TOKEN_CONFIGURATORS = "Token configurators"
AUDITORS = "Auditors"

DEFAULT_ROLES: dict[str, list[str]] = {
    USER_CONFIGURATORS: ["accounts.configure_users"],
    TOKEN_CONFIGURATORS: ["tokens.issue_token", "tokens.view_apitoken"],
    AUDITORS: ["audit.view_auditevent", "tokens.view_apitoken"],
}


def ensure_default_roles() -> dict[str, Group]:
    groups = {}
    for name, perms in DEFAULT_ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        for perm in perms:
            app_label, codename = perm.split(".")
            found = Permission.objects.filter(content_type__app_label=app_label,
                                              codename=codename).first()
            if found is not None:
                group.permissions.add(found)
        groups[name] = group
    return groups
