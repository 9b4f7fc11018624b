"""The token admin's pages behind its buttons: issue (with a preview of what the token would
reach) and rotate (the plaintext shown once), revoke, suspend and resume (each after a
confirmation), and "whose token is this?"."""

import secrets

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import ProgrammaticUser, User
from common.errors import Denied, Invalid
from permissions.admin_views import effective_permissions_page
from permissions.engine import FULL, READ_ONLY
from permissions.engine.scope import Entry
from permissions.policy import ensure_may_obtain_credentials
from tokens import lookup, services, suspension
from tokens.admin_common import (
    can_issue_tokens,
    can_look_up_tokens,
    can_view_tokens,
    status_badge,
)
from tokens.exceptions import TokenConflict
from tokens.forms import (
    ProgrammaticUserPickForm,
    TokenIssueForm,
    TokenLookupForm,
    TokenRevokeForm,
    TokenRotateForm,
)
from tokens.grants import describe, normalize_permissions
from tokens.models import ApiToken
from tokens.selectors import token_reach
from tokens.throttles import TokenLookupThrottle

NOT_SHOWN_AGAIN = _("This token will not be shown again. Copy it now and store it in a secret "
                    "store.")
REVOKED_FAMILY = _("Token {token} and every other working token of its family are revoked.")
SUSPENDED = _("Token {token} is suspended: every request with it fails until it is resumed.")
RESUMED = _("Token {token} is resumed: it works again until it expires.")
LOOKUP_THROTTLED = _("Too many lookups from your address. Try again in {wait} seconds.")
NO_MATCH = _("No token of this server matches. (It may belong to another system.)")
PREVIEW = "preview"  # the name of the issue form's Preview button


FORM_ALREADY_USED = _("That form was already sent, so no new token was issued and none is shown "
                      "again. The tokens below are this user's tokens.")
NONCES = "tokens_issue_form_nonces"


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


def issued_page(request, context: dict, issued: services.IssuedToken) -> TemplateResponse:
    """The page that shows a new token's plaintext, this once (never cached, never in a URL, a
    log or the session): after issuing, rotating, or adding a programmatic user with its first
    token."""
    context = {**context, "token": issued.token, "plaintext": issued.plaintext,
               "warning": NOT_SHOWN_AGAIN}
    response = TemplateResponse(request, "admin/tokens/apitoken/issued.html", context)
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


class TokenPagesMixin:
    """The pages of ApiTokenAdmin beyond Django's own (its `get_urls` lists them)."""

    def _context(self, request, title: str, **extra) -> dict:
        return {**self.admin_site.each_context(request), "title": title, "opts": self.opts,
                **extra}

    def _require_issuer(self, request) -> None:
        if not can_issue_tokens(request.user):
            raise PermissionDenied

    def _issued_page(self, request, issued: services.IssuedToken, heading: str):
        return issued_page(request, self._context(request, heading), issued)

    def pick_view(self, request):
        """Choose the programmatic user to issue a token for (the changelist's button)."""
        self._require_issuer(request)
        form = ProgrammaticUserPickForm(request.GET or None)
        if form.is_valid():
            return redirect("admin:tokens_apitoken_issue", form.cleaned_data["user"].pk)
        context = self._context(request, _("Issue a token: which programmatic user?"), form=form)
        return TemplateResponse(request, "admin/tokens/apitoken/pick.html", context)

    def issue_view(self, request, user_id: int):
        self._require_issuer(request)
        user = get_object_or_404(User.objects.programmatic(), pk=user_id)
        form = TokenIssueForm(request.POST or None)
        preview = None
        if request.method == "POST" and PREVIEW in request.POST:
            if form.is_valid():  # nothing issued: the form's nonce stays unused
                try:
                    # Issuing's own check first: who may not issue this user's tokens learns
                    # nothing of what they would reach (nor whether an object exists).
                    ensure_may_obtain_credentials(request.user, user)
                except Denied as error:
                    form.add_error(None, error.messages)
                else:
                    preview = self._preview(request, user, form)
        elif request.method == "POST" and not form_nonce_consumed(request):
            # A reload or a second click re-sends the form: issue nothing, show nothing.
            messages.warning(request, FORM_ALREADY_USED)
            return redirect("admin:accounts_programmaticuser_change", user.pk)
        elif request.method == "POST" and form.is_valid():
            try:
                issued = services.token_issue(actor=request.user, user=user, request=request,
                                              **form.cleaned_data)
            except Invalid as error:
                for field, errors in (error.fields or {None: error.messages}).items():
                    form.add_error(field if field in form.fields else None, errors)
            except Denied as error:
                form.add_error(None, error.messages)
            else:
                return self._issued_page(
                    request, issued, _("New token for {user}").format(user=user.username))
        context = self._context(request, _("Issue a token for {user}").format(user=user.username),
                                form=form, subject=user, nonce=form_nonce(request),
                                preview=preview, preview_name=PREVIEW)
        return TemplateResponse(request, "admin/tokens/apitoken/issue.html", context)

    @staticmethod
    def _preview(request, user, form) -> dict | None:
        """What the token the form describes would reach now, or None (the form's errors
        say why)."""
        try:
            grants = normalize_permissions(form.cleaned_data["permissions"], user=user,
                                           actor=request.user)
        except Invalid as error:
            form.add_error("permissions", error.messages)
            return None
        scope = (READ_ONLY if form.cleaned_data["read_only"] else FULL).with_entries(
            Entry.from_grant(grant) for grant in grants)
        return {**token_reach(user, scope), "grants": [describe(g) for g in grants]}

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
                                 if form.cleaned_data["family"]
                                 else _("Token {token} is revoked.").format(token=token))
            return redirect("admin:tokens_apitoken_change", token.pk)
        context = self._context(request, _("Revoke token {token}?").format(token=token),
                                form=form, token=token,
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
            return self._issued_page(request, issued,
                                     _("Token {token} rotated").format(token=token))
        context = self._context(request, _("Rotate token {token}?").format(token=token),
                                form=form, token=token,
                                action="rotate")
        return TemplateResponse(request, "admin/tokens/apitoken/confirm.html", context)

    def _switch_view(self, request, token_id: int, *, action: str):
        """Suspend or resume a token, after a confirmation page."""
        self._require_issuer(request)
        token = get_object_or_404(ApiToken.objects.select_related("user"), pk=token_id)
        if request.method == "POST":
            service, done = ((suspension.token_suspend, SUSPENDED) if action == "suspend"
                             else (suspension.token_resume, RESUMED))
            try:
                service(actor=request.user, token=token, request=request)
            except TokenConflict as conflict:
                messages.error(request, conflict.message)
            else:
                messages.success(request, done.format(token=token))
            return redirect("admin:tokens_apitoken_change", token.pk)
        question = (_("Suspend token {token}?") if action == "suspend"
                    else _("Resume token {token}?"))
        context = self._context(request, question.format(token=token), form=None,
                                token=token, action=action, status=status_badge(token))
        return TemplateResponse(request, "admin/tokens/apitoken/confirm.html", context)

    def _lookup_links(self, request, token: ApiToken) -> dict:
        """The found token's badge, and links to the pages the caller may open."""
        users = self.admin_site._registry.get(ProgrammaticUser)
        return {
            "status": status_badge(token),
            "token_url": reverse("admin:tokens_apitoken_change", args=[token.pk])
            if can_view_tokens(request.user) else None,
            "user_url": reverse("admin:accounts_programmaticuser_change", args=[token.user_id])
            if users is not None and users.has_view_permission(request) else None,
            "audit_url": reverse("admin:audit_auditevent_changelist") + f"?token_id={token.pk}",
            "family_url": reverse("admin:tokens_apitoken_changelist")
            + f"?family={token.family_id}" if can_view_tokens(request.user) else None,
        }

    def permissions_view(self, request, token_id: int):
        """What a request with this token may use: its user's permissions within its scope."""
        token = get_object_or_404(ApiToken.objects.select_related("user"), pk=token_id)
        return effective_permissions_page(request, token.user, scope=token.permission_scope,
                                          token=token,
                                          token_grants=[describe(g) for g in token.permissions])

    def suspend_view(self, request, token_id: int):
        return self._switch_view(request, token_id, action="suspend")

    def resume_view(self, request, token_id: int):
        return self._switch_view(request, token_id, action="resume")

    def lookup_view(self, request):
        """An auditor pastes a token found somewhere and learns whose it is (POST only: the
        token never travels in a URL); the lookup is audited and revokes nothing."""
        if not can_look_up_tokens(request.user):
            raise PermissionDenied
        form = TokenLookupForm(request.POST or None)
        found, searched, status = None, False, 200
        if request.method == "POST" and form.is_valid():
            throttle = TokenLookupThrottle()
            if not throttle.allow_request(request, None):
                form.add_error(None, LOOKUP_THROTTLED.format(wait=int(throttle.wait() or 1)))
                status = 429
            else:
                try:
                    found = lookup.token_lookup(actor=request.user, request=request,
                                                plaintext=form.cleaned_data["token"])
                except Invalid as error:
                    form.add_error("token", error.messages)
                else:
                    searched = True
        context = self._context(
            request, _("Whose token is this?"), form=TokenLookupForm() if searched else form,
            found=found, searched=searched, no_match=NO_MATCH,
            **({} if found is None else self._lookup_links(request, found)))
        response = TemplateResponse(request, "admin/tokens/apitoken/lookup.html", context,
                                    status=status)
        response["Cache-Control"] = "no-store"
        return response
