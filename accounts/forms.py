"""Admin forms that close Django's "user-edit rights equal superuser rights" hole.

Each form asks the service's `check_*` twin, before anything is written, whether the admin user
(`actor`) may make the change it describes; a refusal of the no-escalation rule becomes a form
error on the field it concerns. The service runs the same rule again when it writes.
"""

from django import forms
from django.contrib.auth.forms import (
    AdminPasswordChangeForm,
    ReadOnlyPasswordHashWidget,
    UserChangeForm,
)
from django.contrib.auth.models import Group
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.models import Person, ProgrammaticUser
from common.errors import Denied


def add_refusal(form: forms.Form, refusal: Denied) -> None:
    """A refusal as an error of the field it concerns (or of the whole form)."""
    field = getattr(refusal, "field", None)
    form.add_error(field if field in form.fields else None, refusal.message)


class ServiceCheckedForm:
    """Runs `check(cleaned_data)` (a service's `check_*`) once the fields are clean."""

    actor = None

    def check(self, cleaned: dict) -> None:
        raise NotImplementedError

    def changed(self, cleaned: dict, editable) -> dict:
        """The values of the `editable` fields this form changed."""
        return {name: cleaned[name] for name in self.changed_data
                if name in editable and name in cleaned}

    def clean(self):
        cleaned = super().clean()
        if self.actor is not None:
            try:
                self.check(cleaned)
            except Denied as refusal:
                add_refusal(self, refusal)
        return cleaned


class ProgrammaticUserAddForm(ServiceCheckedForm, forms.ModelForm):
    contact_email = forms.EmailField(
        label=_("Accountable contact"),
        help_text=_("E-mail of the person accountable for this integration (required)."),
    )

    class Meta:
        model = ProgrammaticUser
        fields = ["username", "description", "contact_email", "groups"]

    def check(self, cleaned: dict) -> None:
        services.check_programmatic_user_create(actor=self.actor,
                                                groups=cleaned.get("groups") or ())


class ProgrammaticUserChangeForm(ServiceCheckedForm, forms.ModelForm):
    contact_email = forms.EmailField(label=_("Accountable contact"))

    EDITABLE = ("description", "contact_email", "groups", "is_active")

    class Meta:
        model = ProgrammaticUser
        fields = ["description", "contact_email", "groups", "is_active"]

    def check(self, cleaned: dict) -> None:
        services.check_programmatic_user_update(actor=self.actor, user=self.instance,
                                                **self.changed(cleaned, self.EDITABLE))


class PersonChangeForm(ServiceCheckedForm, UserChangeForm):
    EDITABLE = ("username", "first_name", "last_name", "email", "is_active", "is_staff",
                "is_superuser", "groups", "user_permissions")

    class Meta(UserChangeForm.Meta):
        model = Person

    def check(self, cleaned: dict) -> None:
        services.check_person_update(actor=self.actor, person=self.instance,
                                     **self.changed(cleaned, self.EDITABLE))


class PasswordSummaryWidget(ReadOnlyPasswordHashWidget):
    """The password's summary without the button to the password page."""

    def render(self, name, value, attrs=None, renderer=None):
        summary = self.get_context(name, value, attrs)["summary"]
        return format_html("<div><p>{}</p></div>", format_html_join(
            " ", "<strong>{}</strong>{}",
            ((entry["label"], f": {entry['value']}" if entry.get("value") else "")
             for entry in summary)))


class WithoutPasswordButton:
    """For who may not change the person: no button to a password page that would answer 403."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "password" in self.fields:
            self.fields["password"].widget = PasswordSummaryWidget()


class PersonPasswordForm(AdminPasswordChangeForm):
    """Django's admin password form; the page writes through `person_set_password`."""

    def new_password(self) -> str | None:
        """The password to set, or None to disable password login."""
        if self.cleaned_data.get("set_usable_password", True):
            return self.cleaned_data["password1"]
        return None


class GroupForm(ServiceCheckedForm, forms.ModelForm):
    class Meta:
        model = Group
        fields = ["name", "permissions"]

    def check(self, cleaned: dict) -> None:
        if "permissions" in cleaned:
            services.check_group_permissions(actor=self.actor, group=self.instance,
                                             permissions=cleaned["permissions"])
