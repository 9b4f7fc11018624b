"""Admin forms for issuing and rotating tokens; the rules are the services' own."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from common.errors import Invalid
from tokens import services
from tokens.conf import DEFAULT_GRACE_HOURS, MAX_GRACE_HOURS, token_settings
from tokens.grants import MAX_GRANTS, TOO_MANY_GRANTS, parse_grant

BAD_LINE = ("Line {number}: give a permission (projects.view_project), or a permission and "
            "an object (projects.view_project projects.project:3).")


class TokenIssueForm(forms.Form):
    name = forms.CharField(max_length=100, label=_("Name"),
                           help_text=_("What the token is for, e.g. nightly-sync."))
    description = forms.CharField(max_length=500, required=False, label=_("Description"),
                                  widget=forms.Textarea(attrs={"rows": 2}))
    read_only = forms.BooleanField(required=False, label=_("Read only"),
                                   help_text=_("Only GET, HEAD and OPTIONS requests."))
    allowed_ips = forms.CharField(
        required=False, label=_("Allowed IPs"), widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One address or network per line (e.g. 203.0.113.0/24). Empty: any address."),
    )
    rate_limit = forms.CharField(
        required=False, max_length=20, label=_("Request limit"),
        help_text=_("Requests allowed per second, minute, hour or day, e.g. 100/minute. "
                    "Empty: the server's default (TOKEN_RATE), if any."),
    )
    permissions = forms.CharField(
        required=False, label=_("Narrow to"), widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One grant per line: a permission (projects.view_project) for all the "
                    "objects the user may use it on, or a permission and one object "
                    "(projects.view_invoice projects.project:3). Each must be held by the user. "
                    "Empty: all of the user's permissions. Preview shows what the token reaches."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        maximum = token_settings.max_lifetime_days
        self.fields["expires_in_days"] = forms.IntegerField(
            min_value=1, max_value=maximum, initial=token_settings.default_lifetime_days,
            label=_("Expires in (days)"),
            help_text=_("Every token expires (at most %(maximum)d days); rotate it before it "
                        "does.") % {"maximum": maximum},
        )
        self.order_fields(["name", "description", "expires_in_days", "read_only",
                           "allowed_ips", "rate_limit", "permissions"])

    def clean_permissions(self) -> list[dict]:
        """Lines as grants in the API's shape; the service checks what they name."""
        grants = []
        for number, line in enumerate(self.cleaned_data.get("permissions", "").splitlines(), 1):
            if not line.strip():
                continue
            try:
                grants.append(parse_grant(line))
            except ValueError:
                raise ValidationError(BAD_LINE.format(number=number)) from None
        if len(grants) > MAX_GRANTS:
            raise ValidationError(TOO_MANY_GRANTS)
        return grants

    def clean_allowed_ips(self) -> list[str]:
        text = self.cleaned_data.get("allowed_ips", "")
        values = [line.strip() for line in text.replace(",", "\n").splitlines() if line.strip()]
        try:
            return services.normalize_networks(values)
        except Invalid as error:
            raise ValidationError(error.fields["allowed_ips"]) from None

    def clean_rate_limit(self) -> str | None:
        try:
            return services.normalize_rate(self.cleaned_data.get("rate_limit"))
        except Invalid as error:
            raise ValidationError(error.fields["rate_limit"]) from None


class TokenRevokeForm(forms.Form):
    reason = forms.CharField(max_length=200, required=False, label=_("Reason"),
                             help_text=_("Kept with the token and in the audit log."))
    family = forms.BooleanField(
        required=False, label=_("Revoke the whole family"),
        help_text=_("Also revoke every token derived from the same original by rotation "
                    "(its predecessors still in their grace period and its successors): what to "
                    "do when the token leaked."),
    )


class TokenRotateForm(forms.Form):
    grace_hours = forms.IntegerField(
        min_value=0, max_value=MAX_GRACE_HOURS, initial=DEFAULT_GRACE_HOURS,
        label=_("Grace period (hours)"),
        help_text=format_lazy(_("How long the old token keeps working, so the integration can "
                                "switch (0 to {maximum}; 0 stops it at once)."),
                              maximum=MAX_GRACE_HOURS),
    )


class ProgrammaticUserPickForm(forms.Form):
    """The one picker that offers programmatic users (DESIGN rule 3): active ones only."""

    user = forms.ModelChoiceField(
        queryset=User.objects.programmatic().filter(is_active=True).order_by("username"),
        label=_("Programmatic user"), empty_label=_("Choose…"),
    )


class TokenLookupForm(forms.Form):
    """The token an auditor found; never shown back (the field is emptied after a lookup)."""

    token = forms.CharField(
        max_length=512, strip=True, label=_("Token"),
        widget=forms.PasswordInput(attrs={"autocomplete": "off", "spellcheck": "false",
                                          "size": 60}),
        help_text=_("Paste the whole token (pgu_…). It is not stored or logged; the lookup is "
                    "recorded in the audit log, and it does not revoke the token."),
    )


FIRST_TOKEN_FIELDS = ("issue_token", "token_expires_in_days", "token_read_only")


def with_first_token(form_class: type[forms.BaseForm]) -> type[forms.BaseForm]:
    """`form_class` (the programmatic user's Add form) with "Issue a first token now", checked
    by default, and the limits the issue page asks first: expiry and read-only. Only offered to
    who may issue tokens (the admin decides); the token is named `initial`, as the API's."""
    maximum = token_settings.max_lifetime_days
    fields = {
        "issue_token": forms.BooleanField(
            required=False, initial=True, label=_("Issue a first token now"),
            help_text=_("Its secret is shown once, on the next page.")),
        "token_expires_in_days": forms.IntegerField(
            required=False, min_value=1, max_value=maximum,
            initial=token_settings.default_lifetime_days, label=_("Token expires in (days)"),
            help_text=format_lazy(_("Every token expires (at most {maximum} days)."),
                                  maximum=maximum)),
        "token_read_only": forms.BooleanField(
            required=False, label=_("Read-only token"),
            help_text=_("Only GET, HEAD and OPTIONS requests.")),
    }
    return type(form_class.__name__, (form_class,), fields)


def first_token_options(cleaned: dict) -> dict | None:
    """The token to issue with the new user (token_issue's arguments), or None."""
    if not cleaned.get("issue_token"):
        return None
    return {"expires_in_days": cleaned.get("token_expires_in_days")
            or token_settings.default_lifetime_days,
            "read_only": bool(cleaned.get("token_read_only"))}
