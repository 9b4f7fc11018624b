"""The "Effective permissions" admin page of a user (or of one of its tokens): what it may use,
and where each came from. A grant on a container says what it covers.

Mount the views in a ModelAdmin's `get_urls()` behind `admin_site.admin_view(...)`; they answer
403 to anyone but configurators (`accounts.configure_users`) and, for a programmatic user,
auditors (`audit.view_auditevent`): the pages are read-only, and link an object only for who may
open its page.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from accounts.models import User
from permissions.engine import FULL, Scope, has_model_permission
from permissions.registry import contained_in, protected_models
from permissions.selectors import stored_grants, within
from permissions.usage import DEFAULT_DAYS, MAX_DAYS, permission_usage

CONFIGURE_USERS = "accounts.configure_users"
READ_AUDIT_LOG = "audit.view_auditevent"


def may_read_permissions(viewer, user=None) -> bool:
    """Whether `viewer` may read these pages (of `user`, if given): configurators, and auditors
    for programmatic users."""
    if has_model_permission(viewer, CONFIGURE_USERS):
        return True
    return has_model_permission(viewer, READ_AUDIT_LOG) and (user is None or user.is_programmatic)


def _admin_url(request, obj) -> str | None:
    """The object's admin page, if the viewer may open it."""
    model_admin = admin.site._registry.get(type(obj))
    if model_admin is None or not model_admin.has_view_permission(request, obj):
        return None
    opts = obj._meta
    try:
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    except NoReverseMatch:
        return None


def _covers(model) -> dict[str, str]:
    """{codename: what a grant of it on an object of `model` covers} for contained models."""
    return {codename: _("every {contained} of it").format(
                contained=tables.model._meta.verbose_name)
            for tables in contained_in(model) for codename in tables.coverable}


def _report(request, user, scope: Scope) -> dict:
    grants = within(stored_grants(user), scope)
    models = []
    for label, by_pk in sorted(grants.objects.items()):
        tables = protected_models()[label]
        covers = _covers(tables.model)
        found = tables.model._default_manager.in_bulk(list(by_pk))
        rows = []
        for pk, perms in sorted(by_pk.items()):
            obj = found.get(pk)
            rows.append({
                "id": pk,
                "repr": str(obj) if obj is not None else f"#{pk}",
                "url": _admin_url(request, obj) if obj is not None else None,
                "permissions": [(codename, sources, covers.get(codename))
                                for codename, sources in sorted(perms.items())],
            })
        models.append({"label": label, "name": tables.model._meta.verbose_name_plural,
                       "objects": rows})
    return {"global": sorted(grants.global_perms.items()), "models": models}


def effective_permissions_page(request, user, *, scope: Scope = FULL, token=None,
                               token_grants: list[str] = ()):
    """The page for `user`, within `scope` (a token's: what a request with it may use, with
    the list of grants it is narrowed to as `token_grants` says it)."""
    if not may_read_permissions(request.user, user):
        raise PermissionDenied
    title = _("Effective permissions of {user}").format(user=user.username)
    if token is not None:
        title = _("Effective permissions of token {token}").format(token=token)
    context = {
        **admin.site.each_context(request),
        "title": title,
        "subject": user,
        "token": token,
        "token_grants": list(token_grants),
        "report": _report(request, user, scope),
        "opts": user._meta,
    }
    return TemplateResponse(request, "permissions/effective_permissions.html", context)


def effective_permissions(request, user_id: int):
    """GET: every model-wide permission and every object `user_id` can reach, with sources."""
    if not may_read_permissions(request.user):
        raise PermissionDenied
    return effective_permissions_page(request, get_object_or_404(User, pk=user_id))


def permission_usage_page(request, user_id: int):
    """GET ?days=: the least-privilege advice of a programmatic user, unused grants first."""
    if not may_read_permissions(request.user):
        raise PermissionDenied
    user = get_object_or_404(User.objects.programmatic(), pk=user_id)
    try:
        days = min(max(int(request.GET.get("days", DEFAULT_DAYS)), 1), MAX_DAYS)
    except ValueError:
        days = DEFAULT_DAYS
    context = {
        **admin.site.each_context(request),
        "title": _("Permission usage of %(username)s") % {"username": user.username},
        "subject": user,
        "report": permission_usage(user, days=days),
        "opts": user._meta,
    }
    return TemplateResponse(request, "permissions/permission_usage.html", context)
