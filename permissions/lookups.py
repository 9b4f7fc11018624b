"""Turning names from requests and command lines into permissions and objects (400 if bad)."""

import re

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import models

from permissions import exceptions
from permissions.engine import permitted
from permissions.registry import contained_in, protected_model

PERMISSION_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*")


def split_permission(name: str) -> tuple[str, str]:
    """("app_label", "codename") from "app_label.codename"."""
    if not isinstance(name, str) or not PERMISSION_RE.fullmatch(name):
        raise exceptions.invalid("permission", exceptions.BAD_PERMISSION_FORMAT)
    app_label, codename = name.split(".")
    return app_label, codename


def find_permission(name: str, *, obj: models.Model | None = None) -> Permission:
    """The Permission named "app_label.codename"; for an object, one of its model's, or one it
    carries for a model it contains (an invoice permission on a project)."""
    app_label, codename = split_permission(name)
    found = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    if obj is None:
        permission = found.order_by("pk").first()
        if permission is None:
            raise exceptions.invalid("permission", exceptions.UNKNOWN_PERMISSION)
        return permission
    applies = {ContentType.objects.get_for_model(obj).pk} | {
        ContentType.objects.get_for_model(tables.model).pk
        for tables in contained_in(obj) if codename in tables.coverable
    }
    permission = next((p for p in found if p.content_type_id in applies), None)
    if permission is None:
        if found:
            raise exceptions.invalid(
                "permission", exceptions.NOT_FOR_TYPE.format(type=obj._meta.label_lower)
            )
        raise exceptions.invalid("permission", exceptions.UNKNOWN_PERMISSION)
    return permission


def find_object(type_label: str, pk, *, actor=None) -> models.Model:
    """The object "app_label.model" #pk of a protected model, if `actor` (None: the system) may
    view it; a missing and an unviewable object get the same answer."""
    tables = protected_model(type_label) if isinstance(type_label, str) else None
    if tables is None:
        raise exceptions.invalid("object", exceptions.BAD_OBJECT_TYPE)
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise exceptions.invalid("object", exceptions.NO_SUCH_OBJECT) from None
    queryset = tables.model._default_manager.all()
    if actor is not None:
        queryset = permitted(queryset, actor, "view", one=True)
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise exceptions.invalid("object", exceptions.NO_SUCH_OBJECT)
    return obj


def object_ref(obj: models.Model | None) -> dict | None:
    """{"type": "app_label.model", "id": pk, "repr": str} as the API and the audit log show it."""
    if obj is None:
        return None
    return {"type": obj._meta.label_lower, "id": obj.pk, "repr": str(obj)[:200]}
