"""Admin: the token list and page (statuses as coloured badges, usage chart), and the buttons
of a token's page: rotate, suspend or resume, revoke (`tokens.admin_pages`); "whose token is
this?" for auditors. The programmatic user's page with its tokens is `tokens.admin_users`.
"""

from django.contrib import admin
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import ProgrammaticUser
from audit.charts import stacked_bar_chart
from audit.stats import token_daily_status_counts
from common.display import clipped, compact_datetime
from permissions.admin_views import may_read_permissions
from tokens import admin_users, services  # noqa: F401  (admin_users registers the user page)
from tokens.admin_common import (
    TokenStatusMixin,
    can_issue_tokens,
    can_look_up_tokens,
    can_view_tokens,
    status_badge,
)
from tokens.admin_pages import NONCES, TokenPagesMixin  # noqa: F401  (NONCES: tests)
from tokens.conf import token_settings
from tokens.grants import describe
from tokens.models import ApiToken
from tokens.selectors import (
    EXPIRING,
    EXPIRING_DAYS,
    NEEDS_ATTENTION,
    NEVER_USED,
    token_reach,
    with_status_filter,
)

USAGE_DAYS = 30


class StatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return ApiToken.Status.choices

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.with_status(value) if value else queryset


class AttentionFilter(admin.SimpleListFilter):
    """The two lists a configurator checks: tokens about to expire (active ones: a rotated or
    suspended token needs no rotation), tokens nobody uses. The API's `?status=` filter lists
    the same sets (`expiring`, `never_used`, both: `needs_attention`), through the same code."""

    title = _("needs attention")
    parameter_name = "attention"

    def lookups(self, request, model_admin):
        return [(EXPIRING, _("expires within %(days)d days") % {"days": EXPIRING_DAYS}),
                (NEVER_USED, _("never used")),
                (NEEDS_ATTENTION, _("either"))]

    def queryset(self, request, queryset):
        if self.value() in (EXPIRING, NEVER_USED, NEEDS_ATTENTION):
            return with_status_filter(queryset, self.value())
        return queryset


@admin.register(ApiToken)
class ApiTokenAdmin(TokenPagesMixin, TokenStatusMixin, admin.ModelAdmin):
    # Nine facts in six columns, so the list fits 1024 px with its filters (tests/e2e/test_fit.py).
    list_display = ("name_cell", "user_cell", "status_cell", "created_cell", "expires_cell",
                    "last_used_cell")
    list_filter = (StatusFilter, AttentionFilter, "read_only")
    search_fields = ("name", "hint", "user__username")
    list_select_related = ("user",)
    ordering = ("-id",)
    fields = ("user_link", "name", "description", "hint", "status_label", "read_only",
              "permissions_label", "allowed_ips", "rate_limit_label", "created_at",
              "created_by_label", "expires_at", "last_used", "suspended_at", "revoked_at",
              "revoked_by_username", "revoked_reason", "rotated_from", "replaced_by_link",
              "grace_until", "family_link")
    editable_fields = ("name", "description")  # the rest is what was issued
    readonly_fields = ("user_link", "hint", "status_label", "read_only", "permissions_label",
                       "allowed_ips",
                       "rate_limit_label", "created_at", "created_by_label", "expires_at",
                       "last_used", "suspended_at", "revoked_at", "revoked_by_username",
                       "revoked_reason", "rotated_from", "replaced_by_link", "grace_until",
                       "family_link")
    change_form_template = "admin/tokens/apitoken/change_form.html"
    change_list_template = "admin/tokens/apitoken/change_list.html"

    def has_module_permission(self, request):
        return can_view_tokens(request.user)

    def has_view_permission(self, request, obj=None):
        return can_view_tokens(request.user)

    def has_add_permission(self, request):
        return False  # tokens are issued from the programmatic user's page

    def has_change_permission(self, request, obj=None):
        return can_issue_tokens(request.user)  # its name and description only

    def has_delete_permission(self, request, obj=None):
        return False  # kept for the record, whatever their state

    def get_readonly_fields(self, request, obj=None):
        fields = self.readonly_fields if self.has_change_permission(request, obj) else self.fields
        return [self._user_field(request) if name == "user_link" else name for name in fields]

    @admin.display(description=_("name"), ordering="name")
    def name_cell(self, token: ApiToken):
        return format_html('{}<span class="quiet cell-line">{}</span>',
                           clipped(token.name, kind="name"), token.hint)

    @admin.display(description=_("user"), ordering="user__username")
    def user_cell(self, token: ApiToken):
        return clipped(token.user.username, kind="user")

    @admin.display(description=_("status"))
    def status_cell(self, token: ApiToken):
        if not token.read_only:
            return status_badge(token)
        return format_html('{}<span class="quiet cell-line">{}</span>', status_badge(token),
                           _("read-only"))

    @admin.display(description=_("created"), ordering="created_at")
    def created_cell(self, token: ApiToken):
        return format_html('{}<span class="quiet cell-line">{}</span>',
                           compact_datetime(token.created_at),
                           clipped(_("by %(name)s") % {"name": self.created_by_label(token)},
                                   kind="by"))

    @admin.display(description=_("expires at"), ordering="expires_at")
    def expires_cell(self, token: ApiToken):
        return compact_datetime(token.expires_at)

    @admin.display(description=_("last used"), ordering="last_used_at")
    def last_used_cell(self, token: ApiToken):
        if token.last_used_at is None:
            return _("never")
        if not token.last_used_ip:
            return compact_datetime(token.last_used_at)
        return format_html('{}<span class="quiet cell-line">{}</span>',
                           compact_datetime(token.last_used_at),
                           _("from %(ip)s") % {"ip": token.last_used_ip})

    def save_model(self, request, obj, form, change):
        changed = {name: form.cleaned_data[name] for name in form.changed_data
                   if name in self.editable_fields}
        services.token_update(actor=request.user, token=obj, request=request, **changed)

    @admin.display(description=_("user"))
    def user_link(self, token: ApiToken):
        url = reverse("admin:accounts_programmaticuser_change", args=[token.user_id])
        return format_html('<a href="{}">{}</a>', url, token.user.username)

    @admin.display(description=_("user"))
    def user_name(self, token: ApiToken) -> str:
        return token.user.username

    def _user_field(self, request) -> str:
        """Its programmatic user, linked only for who may open that user's page."""
        users = self.admin_site._registry.get(ProgrammaticUser)
        may_open = users is not None and users.has_view_permission(request)
        return "user_link" if may_open else "user_name"

    def get_fields(self, request, obj=None):
        return [self._user_field(request) if name == "user_link" else name
                for name in super().get_fields(request, obj)]

    @admin.display(description=_("replaced by"))
    def replaced_by_link(self, token: ApiToken):
        replacement = getattr(token, "replaced_by", None)
        if replacement is None:
            return "-"
        url = reverse("admin:tokens_apitoken_change", args=[replacement.pk])
        return format_html('<a href="{}">{}</a>', url, replacement)

    @admin.display(description=_("request limit"))
    def rate_limit_label(self, token: ApiToken) -> str:
        if token.rate_limit:
            return token.rate_limit
        default = token_settings.default_token_rate
        return f"{default} (TOKEN_RATE)" if default else _("none")

    @admin.display(description=_("narrowed to"))
    def permissions_label(self, token: ApiToken):
        """The token's list of grants, or that it carries all of its user's permissions."""
        if not token.permissions:
            return _("- (every permission of its user)")
        return format_html_join(", ", "<code>{}</code>",
                                ((describe(grant),) for grant in token.permissions))

    @admin.display(description=_("family"))
    def family_link(self, token: ApiToken):
        """The tokens derived from one another by rotation, this one included."""
        family = token.family_id or token.pk
        url = reverse("admin:tokens_apitoken_changelist")
        count = ApiToken.objects.in_family(family).count()
        label = ngettext("%(count)d token", "%(count)d tokens", count) % {"count": count}
        return format_html('<a href="{}?family={}">{}</a>', url, family, label)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("issue/", wrap(self.pick_view), name="tokens_apitoken_issue_pick"),
            path("issue/<int:user_id>/", wrap(self.issue_view), name="tokens_apitoken_issue"),
            path("<int:token_id>/revoke/", wrap(self.revoke_view),
                 name="tokens_apitoken_revoke"),
            path("<int:token_id>/rotate/", wrap(self.rotate_view),
                 name="tokens_apitoken_rotate"),
            path("<int:token_id>/suspend/", wrap(self.suspend_view),
                 name="tokens_apitoken_suspend"),
            path("<int:token_id>/resume/", wrap(self.resume_view),
                 name="tokens_apitoken_resume"),
            path("lookup/", wrap(self.lookup_view), name="tokens_apitoken_lookup"),
            path("<int:token_id>/effective-permissions/", wrap(self.permissions_view),
                 name="tokens_apitoken_effective_permissions"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra = {"can_issue_token": can_issue_tokens(request.user),
                 "can_look_up": can_look_up_tokens(request.user)}
        return super().changelist_view(request, {**extra, **(extra_context or {})})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        token = ApiToken.objects.filter(pk=object_id).first() if object_id.isdigit() else None
        extra = {}
        if token is not None:
            status = token.status
            Status = ApiToken.Status
            extra = {
                "can_manage": can_issue_tokens(request.user),
                # A revoked token still offers "Revoke" while its family has a working token.
                "can_revoke": token.revoked_at is None
                or ApiToken.objects.in_family(token.family_id).live().exists(),
                "can_rotate": status == Status.ACTIVE,
                "can_suspend": status in (Status.ACTIVE, Status.ROTATING),
                "can_resume": status == Status.SUSPENDED,
                "can_see_permissions": may_read_permissions(request.user, token.user),
                # A narrowed token: what it reaches now, the intersection (for who may read
                # its permissions: configurators, auditors).
                "reach": token_reach(token.user, token.permission_scope)
                if token.permissions and may_read_permissions(request.user, token.user)
                else None,
                "usage_chart": stacked_bar_chart(
                    token_daily_status_counts(token_id=token.pk, days=USAGE_DAYS),
                    label=_("Requests per day and status, last %(days)d days")
                    % {"days": USAGE_DAYS}),
                "usage_days": USAGE_DAYS,
            }
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

