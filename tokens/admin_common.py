"""What the token admin pages share: who may see and do what, and how a token's state reads."""

from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from audit.permissions import VIEW_PERMISSION as VIEW_AUDIT_LOG
from tokens.models import ApiToken
from tokens.permissions import ISSUE, VIEW

STATUS_HELP = {
    ApiToken.Status.ACTIVE: _("works"),
    ApiToken.Status.ROTATING: _("replaced by rotation; works until its grace period ends"),
    ApiToken.Status.ROTATED: _("replaced by rotation; its grace period is over"),
    ApiToken.Status.EXPIRED: _("expired"),
    ApiToken.Status.REVOKED: _("revoked"),
    ApiToken.Status.SUSPENDED: _("switched off until resumed; still expires"),
}
# The badge's text: the status's own name (the API's), in the admin's language.
STATUS_TEXT = {
    ApiToken.Status.ACTIVE: pgettext_lazy("token status", "active"),
    ApiToken.Status.ROTATING: pgettext_lazy("token status", "rotating"),
    ApiToken.Status.ROTATED: pgettext_lazy("token status", "rotated"),
    ApiToken.Status.EXPIRED: pgettext_lazy("token status", "expired"),
    ApiToken.Status.REVOKED: pgettext_lazy("token status", "revoked"),
    ApiToken.Status.SUSPENDED: pgettext_lazy("token status", "suspended"),
}


def can_view_tokens(user) -> bool:
    return user.is_active and (user.has_perm(VIEW) or user.has_perm(ISSUE))


def can_issue_tokens(user) -> bool:
    return user.is_active and user.has_perm(ISSUE)


def can_look_up_tokens(user) -> bool:
    """Who may ask whose a token is: auditors (audit.view_auditevent), as in the API."""
    return user.is_active and user.has_perm(VIEW_AUDIT_LOG)


def status_badge(token: ApiToken, now=None) -> SafeString:
    """The token's status as a coloured badge (static/product/admin.css), with what it means;
    a rotating token also says until when it works."""
    status = token.status_at(now or timezone.now())
    meaning = STATUS_HELP[status]
    text = STATUS_TEXT[status]
    if status == ApiToken.Status.ROTATING:
        text = _("rotating until %(when)s") % {
            "when": f"{timezone.localtime(token.expires_at):%Y-%m-%d %H:%M}"}
    return format_html('<span class="token-status token-status-{}" title="{}">{}</span>',
                       status, meaning, text)


class TokenStatusMixin:
    @admin.display(description=_("status"))
    def status_label(self, token: ApiToken) -> SafeString:
        return status_badge(token)

    @admin.display(description=_("last used"))
    def last_used(self, token: ApiToken) -> str:
        if token.last_used_at is None:
            return _("never")
        return _("%(when)s from %(ip)s") % {
            "when": f"{timezone.localtime(token.last_used_at):%Y-%m-%d %H:%M}",
            "ip": token.last_used_ip}

    @admin.display(description=_("created by"))
    def created_by_label(self, token: ApiToken) -> str:
        return token.created_by_username or _("(command line)")
