"""Admin forms that close Django's "user-edit rights equal superuser rights" hole."""

from django import forms
from django.contrib.auth.models import Group, Permission

from accounts.models import ProgrammaticUser
from accounts.policies import groups_not_grantable, not_grantable, permission_name

PERMISSIONS_REFUSED = "You can only grant permissions you hold yourself: {names}."
GROUPS_REFUSED = "You can only add a user to groups whose permissions you hold yourself: {names}."


def check_new_permissions(actor, chosen, current, *, target=None) -> None:
    """Refuse the form if `actor` may not give the permissions `chosen` adds to `current`."""
    if actor is None:
        return
    current = set(current)
    added = {permission_name(p) for p in chosen if p not in current}
    refused = not_grantable(actor, added, target=target)
    if refused:
        raise forms.ValidationError(PERMISSIONS_REFUSED.format(names=", ".join(sorted(refused))))


class NoEscalationMixin:
    """Checks that the admin user (`self.actor`) may hand out the chosen groups and permissions."""

    actor = None

    def _target(self):
        return self.instance

    def clean_groups(self):
        groups = self.cleaned_data.get("groups") or Group.objects.none()
        if self.actor is None:
            return groups
        current = set(self.instance.groups.all()) if self.instance.pk else set()
        added = [g for g in groups if g not in current]
        refused = groups_not_grantable(self.actor, added, target=self._target())
        if refused:
            raise forms.ValidationError(
                GROUPS_REFUSED.format(names=", ".join(sorted(g.name for g in refused)))
            )
        return groups

    def clean_user_permissions(self):
        perms = self.cleaned_data.get("user_permissions") or Permission.objects.none()
        current = self.instance.user_permissions.all() if self.instance.pk else []
        check_new_permissions(self.actor, perms, current, target=self._target())
        return perms


class ProgrammaticUserAddForm(NoEscalationMixin, forms.ModelForm):
    contact_email = forms.EmailField(
        label="Accountable contact",
        help_text="E-mail of the person accountable for this integration (required).",
    )

    class Meta:
        model = ProgrammaticUser
        fields = ["username", "description", "contact_email", "groups"]


class ProgrammaticUserChangeForm(NoEscalationMixin, forms.ModelForm):
    contact_email = forms.EmailField(label="Accountable contact")

    class Meta:
        model = ProgrammaticUser
        fields = ["description", "contact_email", "groups", "is_active"]


class GroupForm(forms.ModelForm):
    actor = None

    class Meta:
        model = Group
        fields = ["name", "permissions"]

    def clean_permissions(self):
        perms = self.cleaned_data.get("permissions") or Permission.objects.none()
        current = self.instance.permissions.all() if self.instance.pk else []
        check_new_permissions(self.actor, perms, current)
        return perms
