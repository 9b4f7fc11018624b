"""The "Effective permissions" admin page of a user: what it may use, and where each came from.

Mount it in a ModelAdmin's `get_urls()` behind `admin_site.admin_view(...)`; it answers 403 to
anyone without `accounts.configure_users`.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse

from accounts.models import User
from permissions.registry import protected_models
from permissions.selectors import has_model_permission, stored_grants
from permissions.usage import DEFAULT_DAYS, MAX_DAYS, permission_usage

CONFIGURE_USERS = "accounts.configure_users"


def _admin_url(obj) -> str | None:
    opts = obj._meta
    try:
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    except NoReverseMatch:
        return None


def _report(user) -> dict:
    grants = stored_grants(user)
    models = []
    for label, by_pk in sorted(grants.objects.items()):
        tables = protected_models()[label]
        found = tables.model._default_manager.in_bulk(list(by_pk))
        rows = []
        for pk, perms in sorted(by_pk.items()):
            obj = found.get(pk)
            rows.append({
                "id": pk,
                "repr": str(obj) if obj is not None else f"#{pk}",
                "url": _admin_url(obj) if obj is not None else None,
                "permissions": sorted(perms.items()),
            })
        models.append({"label": label, "name": tables.model._meta.verbose_name_plural,
                       "objects": rows})
    return {"global": sorted(grants.global_perms.items()), "models": models}


def effective_permissions(request, user_id: int):
    """GET: every model-wide permission and every object `user_id` can reach, with sources."""
    if not has_model_permission(request.user, CONFIGURE_USERS):
        raise PermissionDenied
    user = get_object_or_404(User, pk=user_id)
    context = {
        **admin.site.each_context(request),
        "title": f"Effective permissions of {user.username}",
        "subject": user,
        "report": _report(user),
        "opts": user._meta,
    }
    return TemplateResponse(request, "permissions/effective_permissions.html", context)


def permission_usage_page(request, user_id: int):
    """GET ?days=: the least-privilege advice of a programmatic user, unused grants first."""
    if not has_model_permission(request.user, CONFIGURE_USERS):
        raise PermissionDenied
    user = get_object_or_404(User.objects.programmatic(), pk=user_id)
    try:
        days = min(max(int(request.GET.get("days", DEFAULT_DAYS)), 1), MAX_DAYS)
    except ValueError:
        days = DEFAULT_DAYS
    context = {
        **admin.site.each_context(request),
        "title": f"Permission usage of {user.username}",
        "subject": user,
        "report": permission_usage(user, days=days),
        "opts": user._meta,
    }
    return TemplateResponse(request, "permissions/permission_usage.html", context)
