"""The audit log in the admin: view-only for everyone, superusers included (DESIGN rule 16)."""

from datetime import timedelta

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponseBadRequest
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from audit.export import export_response
from audit.models import AuditEvent, AuditSeal
from audit.stats import status_class
from audit.verification import RECENT_SEALS, verify_log
from common.display import clipped, compact_datetime


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ActorKindFilter(admin.SimpleListFilter):
    title = _("actor")
    parameter_name = "actor_kind"

    def lookups(self, request, model_admin):
        return [("personal", _("person")), ("programmatic", _("programmatic")),
                ("none", _("no actor"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "none":
            return queryset.filter(actor_category="")
        if value in {"personal", "programmatic"}:
            return queryset.filter(actor_category=value)
        return queryset


class StatusFilter(admin.SimpleListFilter):
    """Fixed classes: listing distinct statuses would scan the whole table."""

    title = _("status")
    parameter_name = "status_class"
    CLASSES = {"2xx": (200, 300), "3xx": (300, 400), "4xx": (400, 500), "5xx": (500, 600)}

    def lookups(self, request, model_admin):
        return [(key, key) for key in self.CLASSES] + [
            ("401", _("401 unauthenticated")), ("403", _("403 denied")), ("none", _("no status")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value in self.CLASSES:
            low, high = self.CLASSES[value]
            return queryset.filter(status__gte=low, status__lt=high)
        if value in {"401", "403"}:
            return queryset.filter(status=int(value))
        if value == "none":
            return queryset.filter(status__isnull=True)
        return queryset


class ReasonFilter(admin.SimpleListFilter):
    """Why an authentication failed (`details.reason` of `auth.failed`)."""

    title = _("failure reason")
    parameter_name = "reason"
    REASONS = ("malformed", "bad_checksum", "unknown", "revoked", "expired", "rotated",
               "suspended", "user_inactive", "ip_not_allowed", "bad_signature")

    def lookups(self, request, model_admin):
        return [(reason, reason.replace("_", " ")) for reason in self.REASONS]

    def queryset(self, request, queryset):
        if self.value() in self.REASONS:
            return queryset.failures(self.value())
        return queryset


class PeriodFilter(admin.SimpleListFilter):
    """Recent events: the last day, week or month (links from the dashboard use these)."""

    title = _("period")
    parameter_name = "period"
    PERIODS = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}

    def lookups(self, request, model_admin):
        return [("24h", _("last 24 hours")), ("7d", _("last 7 days")),
                ("30d", _("last 30 days"))]

    def queryset(self, request, queryset):
        period = self.PERIODS.get(self.value())
        if period is None:
            return queryset
        return queryset.filter(occurred_at__gte=timezone.now() - period)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    # When, what, who, token, target, status: the row's page has the rest (IP, method, path,
    # details), so the list fits 1024 px beside its filters (tests/e2e/test_fit.py).
    list_display = ("when", "event_name", "who", "token_label", "target", "status_badge")
    list_display_links = ("when",)
    list_filter = ("event", ActorKindFilter, StatusFilter, ReasonFilter, PeriodFilter)
    date_hierarchy = "occurred_at"
    search_fields = ("actor_username", "token_hint")
    search_help_text = _("An actor's username or a token hint, or their beginning, in any case "
                         "(e.g. billing, pgu_abcd).")
    show_full_result_count = False
    list_per_page = 50
    ordering = ("-occurred_at", "-id")  # an index range under every filter (see audit/api.py)
    fields = ("id", "occurred_at", "event", "actor_id", "actor_username", "actor_category",
              "token_id", "token_hint", "target_type", "target_id", "target_repr", "ip",
              "user_agent", "request_id", "method", "path", "status", "details")
    readonly_fields = fields

    @admin.display(description=_("when"), ordering="occurred_at")
    def when(self, obj: AuditEvent):
        return compact_datetime(obj.occurred_at, seconds=True)

    @admin.display(description=_("event"), ordering="event")
    def event_name(self, obj: AuditEvent) -> str:
        """The name the API, the export and the filters use (token.used), not a label."""
        return obj.event

    @admin.display(description=_("who"), ordering="actor_username")
    def who(self, obj: AuditEvent):
        """A badge telling a person from a programmatic user, then the username."""
        if obj.actor_category == "programmatic":
            badge = format_html('<span class="audit-kind audit-kind-programmatic">{}</span>',
                                _("programmatic"))
        elif obj.actor_category == "personal":
            badge = format_html('<span class="audit-kind audit-kind-person">{}</span>',
                                _("person"))
        else:
            return "—"
        return format_html('{}<span class="cell-line">{}</span>', badge,
                           clipped(obj.actor_username or "?", kind="user"))

    @admin.display(description=_("token"), ordering="token_hint")
    def token_label(self, obj: AuditEvent) -> str:
        return obj.token_hint or "—"

    @admin.display(description=_("target"))
    def target(self, obj: AuditEvent):
        if not obj.target_type:
            return "—"
        return clipped(f"{obj.target_type} {obj.target_id}: {obj.target_repr}", kind="target")

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj: AuditEvent):
        """The answer's status, coloured by class (2xx green, 3xx blue, 4xx amber, 5xx red)."""
        klass = status_class(obj.status)
        if klass is None:
            return "—" if obj.status is None else str(obj.status)
        return format_html('<span class="http-status http-status-{}">{}</span>', klass,
                           obj.status)

    def get_search_results(self, request, queryset, search_term):
        """Usernames and hints that begin with the term, in any case: on PostgreSQL each is a
        range of an UPPER(...) text_pattern_ops index (audit migration 0008) at any size."""
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(Q(actor_username__istartswith=term)
                               | Q(token_hint__istartswith=term)), False

    def get_urls(self):
        export = self.admin_site.admin_view(self.export_view)
        return [
            path("export/", export, name="audit_auditevent_export"),
            *super().get_urls(),
        ]

    def export_view(self, request):
        """CSV of exactly what the changelist shows with the same query string."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return HttpResponseBadRequest(_("Invalid filter."))
        return export_response(changelist.queryset, "csv")

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "integrity": verify_log(recent_seals=RECENT_SEALS),
            "export_query": request.GET.urlencode(),
        }
        return super().changelist_view(request, extra_context=extra_context)


@admin.register(AuditSeal)
class AuditSealAdmin(ReadOnlyAdmin):
    list_display = ("id", "sealed_at", "first_event_id", "last_event_id", "event_count",
                    "short_hash")
    date_hierarchy = "sealed_at"
    show_full_result_count = False
    exclude = ("event_digests",)
    readonly_fields = ("id", "sealed_at", "scheme", "first_event_id", "last_event_id",
                       "event_count", "previous_hash", "chain_hash", "events_head", "key_id",
                       "hash")

    @admin.display(description=_("hash"))
    def short_hash(self, obj: AuditSeal) -> str:
        return obj.hash[:16] + "…"
