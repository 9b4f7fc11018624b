"""DRF permission classes: model-wide (organisation) or per-object (guardian) permissions.

Every permission checked is noted for the request's audit event (`token.used`); the model-wide
classes share `audit.permissions.RequiresPermission` with the other apps' classes.
"""

from django.core.exceptions import ImproperlyConfigured
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from audit.context import note_denied, note_permission
from audit.permissions import RequiresPermission
from permissions.engine import (
    has_model_permission,
    is_active_user,
    object_permissions,
    permission_name,
)
from permissions.filters import ObjectPermissionsFilter, is_detail
from permissions.registry import object_refs

# What each method needs; reading needs the view permission (DRF's own map needs none).
ACTIONS = {
    "GET": "view",
    "HEAD": "view",
    "OPTIONS": "view",
    "POST": "add",
    "PUT": "change",
    "PATCH": "change",
    "DELETE": "delete",
}


class ObjectPermissions(BasePermission):
    """The permission a method needs, held model-wide or on the object (or its container).

    - Collections: POST needs the model-wide add permission; a list needs nothing here, because
      `ObjectPermissionsFilter` (required on the view) narrows it to the viewable objects.
    - Objects: the same filter makes an unviewable object a 404, exactly like a missing one;
      PUT/PATCH/DELETE (and POST actions on an object) need change/delete, else 403.
    """

    def has_permission(self, request, view) -> bool:
        backends = getattr(view, "filter_backends", ())
        if not any(issubclass(backend, ObjectPermissionsFilter) for backend in backends):
            raise ImproperlyConfigured(
                f"{type(view).__name__} uses ObjectPermissions without ObjectPermissionsFilter."
            )
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method == "POST" and not is_detail(view):
            permission = permission_name(view.get_queryset().model, "add")
            note_permission(request, permission)
            if has_model_permission(user, permission):
                return True
            note_denied(request, permission)
            return False
        return True

    def has_object_permission(self, request, view, obj) -> bool:
        action = ACTIONS.get(request.method)
        if action is None or not is_active_user(request.user):
            return False
        if action == "add":
            action = "change"
        # ObjectPermissionsFilter only let viewable objects through: the view permission was
        # used on this object, whatever the method.
        on = object_refs(obj)
        note_permission(request, permission_name(obj, "view"), on)
        if action == "view":
            return True
        permission = permission_name(obj, action)
        note_permission(request, permission, on)
        if has_model_permission(request.user, permission) or (
                permission.split(".", 1)[1] in object_permissions(request.user, obj)):
            return True
        note_denied(request, permission)
        return False


def model_permission_required(permission: str) -> type[BasePermission]:
    """A permission class requiring `permission` ("app_label.codename") organisation-wide."""
    return type(f"Requires_{permission.replace('.', '_')}", (RequiresPermission,), {
        "permission": permission,
        "message": format_lazy(_("You need the {permission} permission."), permission=permission),
        "__doc__": f"The caller holds {permission} organisation-wide.",
    })


class AnyOfPermissions(BasePermission):
    """The caller holds one of `permissions` organisation-wide (the first it holds is noted)."""

    permissions: tuple[str, ...] = ()

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not is_active_user(user):
            return False
        for permission in self.permissions:
            if has_model_permission(user, permission):
                note_permission(request, permission)
                return True
        for permission in self.permissions:
            note_denied(request, permission)
        return False


def any_permission_required(*permissions: str) -> type[BasePermission]:
    """A permission class requiring any one of `permissions` organisation-wide."""
    names = " or ".join(permissions)
    return type("RequiresAnyOf_" + "_".join(p.replace(".", "_") for p in permissions),
                (AnyOfPermissions,), {
                    "permissions": permissions,
                    "message": f"You need the {names} permission.",
                    "__doc__": f"The caller holds {names} organisation-wide.",
                })


class IsActiveUser(BasePermission):
    """Any authenticated, active user (no permission to note)."""

    def has_permission(self, request, view) -> bool:
        return is_active_user(request.user)
