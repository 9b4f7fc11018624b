"""Admin: the token list, issue/rotate pages that show a plaintext once, revoke with confirmation.

The programmatic user's page is extended here (tokens builds on accounts and permissions): its
tokens inline, and buttons to issue a token and to see the user's effective permissions.
"""

import secrets
from datetime import timedelta

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Min, Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from accounts.admin import ProgrammaticUserAdmin
from accounts.models import ProgrammaticUser, User
from audit.charts import bar_chart
from audit.stats import daily_counts
from common.errors import Denied, Invalid
from permissions.admin_views import effective_permissions, permission_usage_page
from permissions.policy import may_obtain_credentials
from tokens import services
from tokens.conf import token_settings
from tokens.exceptions import TokenConflict
from tokens.forms import (
    ProgrammaticUserPickForm,
    TokenIssueForm,
    TokenRevokeForm,
    TokenRotateForm,
)
from tokens.models import ApiToken
from tokens.permissions import ISSUE, VIEW

NOT_SHOWN_AGAIN = "This token will not be shown again. Copy it now and store it in a secret store."
REVOKED_FAMILY = "Token {token} and every other working token of its family are revoked."


FORM_ALREADY_USED = ("That form was already sent, so no new token was issued and none is shown "
                     "again. The tokens below are this user's tokens.")
NONCES = "tokens_issue_form_nonces"
USAGE_DAYS = 30


def form_nonce(request) -> str:
    """A single-use value for one issue form, kept in the session (never a secret)."""
    nonce = secrets.token_urlsafe(16)
    request.session[NONCES] = [*request.session.get(NONCES, [])[-19:], nonce]
    return nonce


def form_nonce_consumed(request) -> bool:
    """Whether the posted form's nonce was unused; it is used up either way."""
    nonce = request.POST.get("nonce", "")
    pending = request.session.get(NONCES, [])
    if nonce not in pending:
        return False
    request.session[NONCES] = [value for value in pending if value != nonce]
    request.session.save()
    return True


def can_view_tokens(user) -> bool:
    return user.is_active and (user.has_perm(VIEW) or user.has_perm(ISSUE))


def can_issue_tokens(user) -> bool:
    return user.is_active and user.has_perm(ISSUE)


class StatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return ApiToken.Status.choices

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.with_status(value) if value else queryset


class AttentionFilter(admin.SimpleListFilter):
    """The two lists a configurator checks: tokens about to expire, tokens nobody uses."""

    title = "needs attention"
    parameter_name = "attention"
    EXPIRING_DAYS = 14

    def lookups(self, request, model_admin):
        return [("expiring", f"expires within {self.EXPIRING_DAYS} days"),
                ("never_used", "never used")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "expiring":
            return queryset.expiring_between(now, now + timedelta(days=self.EXPIRING_DAYS))
        if self.value() == "never_used":
            return queryset.usable(now).filter(last_used_at__isnull=True)
        return queryset


class TokenStatusMixin:
    @admin.display(description="status")
    def status_label(self, token: ApiToken) -> str:
        status = token.status
        if status == ApiToken.Status.ACTIVE and token.is_rotated:
            return f"rotated, works until {timezone.localtime(token.expires_at):%Y-%m-%d %H:%M}"
        return status

    @admin.display(description="last used")
    def last_used(self, token: ApiToken) -> str:
        if token.last_used_at is None:
            return "never"
        return f"{timezone.localtime(token.last_used_at):%Y-%m-%d %H:%M} from {token.last_used_ip}"

    @admin.display(description="created by")
    def created_by_label(self, token: ApiToken) -> str:
        return token.created_by_username or "(command line)"


@admin.register(ApiToken)
class ApiTokenAdmin(TokenStatusMixin, admin.ModelAdmin):
    list_display = ("name", "user", "hint", "status_label", "read_only", "created_by_label",
                    "created_at", "expires_at", "last_used")
    list_filter = (StatusFilter, AttentionFilter, "read_only")
    search_fields = ("name", "hint", "user__username")
    list_select_related = ("user",)
    ordering = ("-id",)
    fields = ("user", "name", "description", "hint", "status_label", "read_only", "allowed_ips",
              "rate_limit_label", "created_at", "created_by_label", "expires_at", "last_used",
              "revoked_at", "revoked_by_username", "revoked_reason", "rotated_from",
              "replaced_by_link", "grace_until", "family_link")
    editable_fields = ("name", "description")  # the rest is what was issued
    readonly_fields = ("user", "hint", "status_label", "read_only", "allowed_ips",
                       "rate_limit_label", "created_at", "created_by_label", "expires_at",
                       "last_used", "revoked_at", "revoked_by_username", "revoked_reason",
                       "rotated_from", "replaced_by_link", "grace_until", "family_link")
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
        if self.has_change_permission(request, obj):
            return self.readonly_fields
        return self.fields

    def save_model(self, request, obj, form, change):
        changed = {name: form.cleaned_data[name] for name in form.changed_data
                   if name in self.editable_fields}
        services.token_update(actor=request.user, token=obj, request=request, **changed)

    @admin.display(description="replaced by")
    def replaced_by_link(self, token: ApiToken):
        replacement = getattr(token, "replaced_by", None)
        if replacement is None:
            return "-"
        url = reverse("admin:tokens_apitoken_change", args=[replacement.pk])
        return format_html('<a href="{}">{}</a>', url, replacement)

    @admin.display(description="request limit")
    def rate_limit_label(self, token: ApiToken) -> str:
        if token.rate_limit:
            return token.rate_limit
        default = token_settings.default_token_rate
        return f"{default} (TOKEN_RATE)" if default else "none"

    @admin.display(description="family")
    def family_link(self, token: ApiToken):
        """The tokens derived from one another by rotation, this one included."""
        family = token.family_id or token.pk
        url = reverse("admin:tokens_apitoken_changelist")
        count = ApiToken.objects.in_family(family).count()
        return format_html('<a href="{}?family={}">{} token{}</a>', url, family, count,
                           "" if count == 1 else "s")

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("issue/", wrap(self.pick_view), name="tokens_apitoken_issue_pick"),
            path("issue/<int:user_id>/", wrap(self.issue_view), name="tokens_apitoken_issue"),
            path("<int:token_id>/revoke/", wrap(self.revoke_view),
                 name="tokens_apitoken_revoke"),
            path("<int:token_id>/rotate/", wrap(self.rotate_view),
                 name="tokens_apitoken_rotate"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        token = ApiToken.objects.filter(pk=object_id).first() if object_id.isdigit() else None
        extra = {
            "can_manage": token is not None and can_issue_tokens(request.user),
            # A revoked token still offers "Revoke" while its family has a working token.
            "can_revoke": token is not None and (
                token.revoked_at is None
                or ApiToken.objects.in_family(token.family_id).live().exists()),
            "can_rotate": token is not None and token.status == ApiToken.Status.ACTIVE
            and not token.is_rotated,
        }
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    # The pages behind the buttons -------------------------------------------------------------

    def _context(self, request, title: str, **extra) -> dict:
        return {**self.admin_site.each_context(request), "title": title, "opts": self.opts,
                **extra}

    def _require_issuer(self, request) -> None:
        if not can_issue_tokens(request.user):
            raise PermissionDenied

    def _issued_page(self, request, issued: services.IssuedToken, heading: str):
        context = self._context(request, heading, token=issued.token,
                                plaintext=issued.plaintext, warning=NOT_SHOWN_AGAIN)
        response = TemplateResponse(request, "admin/tokens/apitoken/issued.html", context)
        response["Cache-Control"] = "no-store"
        response["Pragma"] = "no-cache"
        return response

    def pick_view(self, request):
        """Choose the programmatic user to issue a token for (the changelist's button)."""
        self._require_issuer(request)
        form = ProgrammaticUserPickForm(request.GET or None)
        if form.is_valid():
            return redirect("admin:tokens_apitoken_issue", form.cleaned_data["user"].pk)
        context = self._context(request, "Issue a token: which programmatic user?", form=form)
        return TemplateResponse(request, "admin/tokens/apitoken/pick.html", context)

    def changelist_view(self, request, extra_context=None):
        extra = {"can_issue_token": can_issue_tokens(request.user)}
        return super().changelist_view(request, {**extra, **(extra_context or {})})

    def issue_view(self, request, user_id: int):
        self._require_issuer(request)
        user = get_object_or_404(User.objects.programmatic(), pk=user_id)
        form = TokenIssueForm(request.POST or None)
        if request.method == "POST" and not form_nonce_consumed(request):
            # A reload or a second click re-sends the form: issue nothing, show nothing.
            messages.warning(request, FORM_ALREADY_USED)
            return redirect("admin:accounts_programmaticuser_change", user.pk)
        if request.method == "POST" and form.is_valid():
            try:
                issued = services.token_issue(actor=request.user, user=user, request=request,
                                              **form.cleaned_data)
            except (Invalid, Denied) as error:
                form.add_error(None, error.messages)
            else:
                return self._issued_page(request, issued, f"New token for {user.username}")
        context = self._context(request, f"Issue a token for {user.username}", form=form,
                                subject=user, nonce=form_nonce(request))
        return TemplateResponse(request, "admin/tokens/apitoken/issue.html", context)

    def revoke_view(self, request, token_id: int):
        self._require_issuer(request)
        token = get_object_or_404(ApiToken.objects.select_related("user"), pk=token_id)
        form = TokenRevokeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.token_revoke(actor=request.user, token=token, request=request,
                                      **form.cleaned_data)
            except TokenConflict as conflict:
                messages.error(request, conflict.message)
            else:
                messages.success(request, REVOKED_FAMILY.format(token=token)
                                 if form.cleaned_data["family"] else f"Token {token} is revoked.")
            return redirect("admin:tokens_apitoken_change", token.pk)
        context = self._context(request, f"Revoke token {token}?", form=form, token=token,
                                action="revoke")
        return TemplateResponse(request, "admin/tokens/apitoken/confirm.html", context)

    def rotate_view(self, request, token_id: int):
        self._require_issuer(request)
        token = get_object_or_404(ApiToken.objects.select_related("user"), pk=token_id)
        form = TokenRotateForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                issued = services.token_rotate(actor=request.user, token=token, request=request,
                                               grace_hours=form.cleaned_data["grace_hours"])
            except (TokenConflict, Denied) as refusal:
                messages.error(request, refusal.message)
                return redirect("admin:tokens_apitoken_change", token.pk)
            return self._issued_page(request, issued, f"Token {token} rotated")
        context = self._context(request, f"Rotate token {token}?", form=form, token=token,
                                action="rotate")
        return TemplateResponse(request, "admin/tokens/apitoken/confirm.html", context)


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
    list_display = ("username", "description", "contact_email", "is_active", "active_tokens",
                    "last_use", "next_expiry")

    def get_queryset(self, request):
        now = timezone.now()
        usable = Q(api_tokens__revoked_at__isnull=True, api_tokens__expires_at__gt=now,
                   api_tokens__suspended_at__isnull=True)
        return super().get_queryset(request).annotate(
            active_token_count=Count("api_tokens", filter=usable),
            last_token_use=Max("api_tokens__last_used_at"),
            next_token_expiry=Min("api_tokens__expires_at", filter=usable),
        )

    @admin.display(description="active tokens", ordering="active_token_count")
    def active_tokens(self, user) -> int:
        return user.active_token_count

    @admin.display(description="last use", ordering="last_token_use")
    def last_use(self, user) -> str:
        if user.last_token_use is None:
            return "never"
        return f"{timezone.localtime(user.last_token_use):%Y-%m-%d %H:%M}"

    @admin.display(description="next expiry", ordering="next_token_expiry")
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
