"""Django's permission questions (`user.has_perm`, `get_all_permissions`, `has_module_perms`)
answered by the engine, in place of Django's ModelBackend and guardian's
ObjectPermissionBackend: the same answers (tests/permissions/test_backend.py holds them equal),
read in one statement, within the request's scope, and with container grants counted.

It authenticates nobody; logging in is `accounts.backends`' job.
"""

from django.contrib.auth.backends import BaseBackend

from permissions import engine


class PermissionBackend(BaseBackend):
    def authenticate(self, request, **credentials):
        return None

    def get_all_permissions(self, user_obj, obj=None) -> set[str]:
        """Model-wide: "app_label.codename" (ModelBackend's); on `obj`: codenames (guardian's)."""
        if obj is None:
            return set(engine.model_permissions(user_obj))
        return set(engine.object_permissions(user_obj, obj))

    def has_perm(self, user_obj, perm: str, obj=None) -> bool:
        """Model-wide without `obj` (ModelBackend's answer); held on `obj` with it (guardian's)."""
        if obj is None:
            return engine.has_model_permission(user_obj, perm)
        return engine.has_object_permission(user_obj, perm, obj)

    def has_module_perms(self, user_obj, app_label: str) -> bool:
        return any(name.partition(".")[0] == app_label
                   for name in engine.model_permissions(user_obj))
