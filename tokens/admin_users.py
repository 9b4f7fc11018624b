"""The programmatic user's page, extended here (tokens builds on accounts and permissions): its
tokens, a button to issue one, its effective permissions, permission usage and a usage chart."""

from django.contrib import admin
from django.db.models import Count, Max, Min, Q
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.admin import ProgrammaticUserAdmin
from accounts.models import ProgrammaticUser
from audit.charts import bar_chart
from audit.stats import daily_counts
from common.display import clipped, compact_datetime
from permissions.admin_views import effective_permissions, permission_usage_page
from permissions.policy import may_obtain_credentials
from tokens.admin_common import TokenStatusMixin, can_issue_tokens, can_view_tokens
from tokens.models import ApiToken

USAGE_DAYS = 30


class ApiTokenInline(TokenStatusMixin, admin.TabularInline):
    model = ApiToken
    fk_name = "user"
    fields = ("name_link", "hint", "status_label", "read_only", "created_by_label", "created_at",
              "expires_at", "last_used")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("-id",)
    verbose_name_plural = "API tokens"

    @admin.display(description="name")
    def name_link(self, token: ApiToken):
        url = reverse("admin:tokens_apitoken_change", args=[token.pk])
        return format_html('<a href="{}">{}</a>', url, token.name)

    def has_view_permission(self, request, obj=None):
        return can_view_tokens(request.user)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ProgrammaticUser)
class ProgrammaticUserPageAdmin(ProgrammaticUserAdmin):
    """The programmatic user's page, with its tokens and the way to issue one."""

    inlines = [ApiTokenInline]
    change_form_template = "admin/accounts/programmaticuser/change_form.html"
    list_display = ("username", "description_cell", "contact_cell", "is_active",
                    "active_tokens", "last_use", "next_expiry")

    def get_queryset(self, request):
        now = timezone.now()
        usable = Q(api_tokens__revoked_at__isnull=True, api_tokens__expires_at__gt=now,
                   api_tokens__suspended_at__isnull=True)
        return super().get_queryset(request).annotate(
            active_token_count=Count("api_tokens", filter=usable),
            last_token_use=Max("api_tokens__last_used_at"),
            next_token_expiry=Min("api_tokens__expires_at", filter=usable),
        )

    @admin.display(description=_("description"), ordering="description")
    def description_cell(self, user):
        return clipped(user.description, kind="text") if user.description else "—"

    @admin.display(description=_("accountable contact"), ordering="contact_email")
    def contact_cell(self, user):
        return clipped(user.contact_email, kind="user")

    @admin.display(description=_("active tokens"), ordering="active_token_count")
    def active_tokens(self, user) -> int:
        return user.active_token_count

    @admin.display(description=_("last use"), ordering="last_token_use")
    def last_use(self, user):
        return compact_datetime(user.last_token_use, empty=_("never"))

    @admin.display(description=_("next expiry"), ordering="next_token_expiry")
    def next_expiry(self, user) -> str:
        if user.next_token_expiry is None:
            return "—"
        return f"{timezone.localtime(user.next_token_expiry):%Y-%m-%d}"

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:user_id>/effective-permissions/", wrap(effective_permissions),
                 name="accounts_programmaticuser_effective_permissions"),
            path("<int:user_id>/permission-usage/", wrap(permission_usage_page),
                 name="accounts_programmaticuser_permission_usage"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        user = self.get_object(request, object_id)
        extra = {"can_issue_token": user is not None and user.is_active
                 and can_issue_tokens(request.user)
                 and may_obtain_credentials(request.user, user)}
        if user is not None:
            extra["usage_chart"] = bar_chart(daily_counts(actor_id=user.pk, days=USAGE_DAYS),
                                             label=f"Requests per day, last {USAGE_DAYS} days")
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})
