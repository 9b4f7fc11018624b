"""The programmatic user's page, extended here (tokens builds on accounts and permissions): its
tokens with rotate and revoke per row, a button to issue one, its effective permissions,
permission usage and a chart of its requests per day and status; and its Add form's "Issue a
first token now", whose secret the next page shows once."""

from django.contrib import admin
from django.db.models import Count, Max, Min, Q
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.admin import ProgrammaticUserAdmin
from accounts.models import ProgrammaticUser
from audit.charts import stacked_bar_chart
from audit.stats import user_daily_status_counts
from common.display import clipped, compact_datetime
from permissions.admin_views import effective_permissions, permission_usage_page
from permissions.policy import may_obtain_credentials
from tokens import services
from tokens.admin_common import can_issue_tokens, can_view_tokens, status_badge
from tokens.admin_pages import issued_page
from tokens.forms import FIRST_TOKEN_FIELDS, first_token_options, with_first_token
from tokens.hooks import INITIAL_TOKEN_NAME
from tokens.models import ApiToken

USAGE_DAYS = 30
# Statuses a token may be revoked in (the others no longer work), rotated in (an active one).
REVOCABLE = (ApiToken.Status.ACTIVE, ApiToken.Status.ROTATING, ApiToken.Status.SUSPENDED)


def token_rows(request, user, *, may_issue: bool) -> list[dict]:
    """The user's tokens, newest first, each with the rotate and revoke links the viewer may
    follow (`may_issue`: may issue this user's tokens; revoking needs token issuing only)."""
    may_revoke = can_issue_tokens(request.user)
    now = timezone.now()
    rows = []
    for token in ApiToken.objects.filter(user=user).order_by("-id"):
        status = token.status_at(now)
        rows.append({
            "token": token,
            "url": reverse("admin:tokens_apitoken_change", args=[token.pk]),
            "status": status_badge(token, now),
            "created": compact_datetime(token.created_at),
            "expires": compact_datetime(token.expires_at),
            "last_used": compact_datetime(token.last_used_at, empty=gettext("never")),
            "rotate_url": reverse("admin:tokens_apitoken_rotate", args=[token.pk])
            if may_issue and status == ApiToken.Status.ACTIVE else None,
            "revoke_url": reverse("admin:tokens_apitoken_revoke", args=[token.pk])
            if may_revoke and status in REVOCABLE else None,
        })
    return rows


@admin.register(ProgrammaticUser)
class ProgrammaticUserPageAdmin(ProgrammaticUserAdmin):
    """The programmatic user's page, with its tokens and the way to issue one."""

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

    # The Add form's first token ------------------------------------------------------------------

    def get_add_form(self, request):
        form = super().get_add_form(request)
        return with_first_token(form) if can_issue_tokens(request.user) else form

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None and can_issue_tokens(request.user):
            fieldsets = (*fieldsets, (_("First token"), {"fields": FIRST_TOKEN_FIELDS}))
        return fieldsets

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        options = None if change else first_token_options(form.cleaned_data)
        if options is not None and can_issue_tokens(request.user):
            # In the Add view's transaction: no user without its token, nor the reverse. The
            # plaintext stays on this request object, for the response below, and nowhere else.
            request.first_token = services.token_issue(
                actor=request.user, user=ProgrammaticUser.objects.get(pk=obj.pk),
                name=INITIAL_TOKEN_NAME, request=request, **options)

    def response_add(self, request, obj, post_url_continue=None):
        issued = getattr(request, "first_token", None)
        if issued is None:
            return super().response_add(request, obj, post_url_continue)
        context = {**self.admin_site.each_context(request), "opts": self.opts,
                   "title": gettext("New programmatic user %(username)s and its first token")
                   % {"username": obj.username}}
        return issued_page(request, context, issued)

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
        may_issue = (user is not None and user.is_active and can_issue_tokens(request.user)
                     and may_obtain_credentials(request.user, user))
        extra = {"can_issue_token": may_issue}
        if user is not None:
            if can_view_tokens(request.user):
                extra["token_rows"] = token_rows(request, user, may_issue=may_issue)
            extra["usage_chart"] = stacked_bar_chart(
                user_daily_status_counts(actor_id=user.pk, days=USAGE_DAYS),
                label=gettext("Requests per day and status, last %(days)s days")
                % {"days": USAGE_DAYS})
            extra["usage_days"] = USAGE_DAYS
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})
