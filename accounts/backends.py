"""Session login for personal users only (DESIGN rule 2); model-wide permissions in one
statement."""

import functools

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.db import connection

from accounts import lockout
from audit.models import AuditEvent
from audit.services import record


class PersonalOnlyModelBackend(ModelBackend):
    """Django's ModelBackend, refusing programmatic users exactly like a wrong password, and
    every password login past the login limit (`accounts.lockout`).

    The password is hashed in every branch (unknown user, programmatic user, wrong password,
    locked out), so the refusal costs the same time as a wrong password (see CVE-2024-39329).
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        user_model = get_user_model()
        if username is None:
            username = kwargs.get(user_model.USERNAME_FIELD)
        if username is None or password is None:
            return None
        attempt = lockout.begin(request, username)
        if attempt.refused:
            user_model().set_password(password)
            raise PermissionDenied(lockout.LOCKED_MESSAGE)  # no other backend may try either
        user = self._authenticate(request, username, password)
        attempt.end(succeeded=user is not None)
        return user

    def _authenticate(self, request, username, password):
        user_model = get_user_model()
        try:
            user = user_model._default_manager.get_by_natural_key(username)
        except user_model.DoesNotExist:
            user_model().set_password(password)
            return None
        if user.is_programmatic:
            user_model().set_password(password)
            record(
                AuditEvent.Event.LOGIN_REFUSED, actor=user, target=user, request=request,
                details={"reason": "programmatic user"},
            )
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_all_permissions(self, user_obj, obj=None):
        """ModelBackend's answer, read in one statement instead of two ORM queries."""
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        return model_permission_names(user_obj)

    def user_can_authenticate(self, user) -> bool:
        return super().user_can_authenticate(user) and not getattr(user, "is_programmatic", False)


def model_permission_names(user) -> set[str]:
    """"app_label.codename" of every permission `user` holds model-wide, directly or through a
    group (all of them for a superuser), cached on the user under ModelBackend's own attribute.

    One statement built once per process: Django's two ORM queries cost a millisecond of Python
    on every request that checks a permission.
    """
    cached = getattr(user, "_perm_cache", None)
    if cached is None:
        if user.is_superuser:
            rows = Permission.objects.values_list("content_type__app_label", "codename")
        else:
            with connection.cursor() as cursor:
                cursor.execute(_model_permissions_statement(), [user.pk, user.pk])
                rows = cursor.fetchall()
        cached = {f"{app_label}.{codename}" for app_label, codename in rows}
        user._perm_cache = cached
    return cached


@functools.cache
def _model_permissions_statement() -> str:
    # Only quoted identifiers from the models' _meta go into the text; values are parameters.
    quote = connection.ops.quote_name
    user_model = get_user_model()
    permission = Permission._meta
    content_type = permission.get_field("content_type").related_model._meta
    direct = user_model.user_permissions.through._meta
    memberships = user_model.groups.through._meta
    group_permissions = Group.permissions.through._meta

    def column(opts, name: str) -> str:
        return quote(opts.get_field(name).column)

    return (
        f"SELECT c.{quote('app_label')}, p.{quote('codename')} "  # noqa: S608
        f"FROM {quote(permission.db_table)} p INNER JOIN {quote(content_type.db_table)} c "
        f"ON c.{quote(content_type.pk.column)} = p.{column(permission, 'content_type')} "
        f"WHERE p.{quote(permission.pk.column)} IN ("
        f"SELECT d.{column(direct, 'permission')} FROM {quote(direct.db_table)} d "
        f"WHERE d.{column(direct, 'user')} = %s UNION ALL "
        f"SELECT gp.{column(group_permissions, 'permission')} "
        f"FROM {quote(group_permissions.db_table)} gp "
        f"INNER JOIN {quote(memberships.db_table)} m "
        f"ON m.{column(memberships, 'group')} = gp.{column(group_permissions, 'group')} "
        f"WHERE m.{column(memberships, 'user')} = %s)"
    )
