"""Admin glue: guardian's object-permissions pages, writing through the permissions services.

Guardian's own forms call `assign_perm`/`remove_perm` directly; here every change made on the
"Object permissions" page goes through `permission_grant`/`permission_revoke` (or their group
twins), so it is refused without the permissions the configurator holds (no escalation) and
recorded in the audit log like a grant through the API.
"""

from django.db import transaction
from django.utils.translation import gettext as _
from guardian.admin import GuardedModelAdmin
from guardian.shortcuts import get_perms_for_model

from permissions import policy, services
from permissions.exceptions import Refused
from permissions.registry import contained_in, grantable_codenames, tables_for


class _ServiceObjectPermissionsForm:
    """Mixed into guardian's user/group object-permission forms (the holder is the subject)."""

    actor = None
    http_request = None

    def holder(self):
        return getattr(self, "user", None) or self.group

    def _changes(self, chosen) -> tuple[set[str], set[str]]:
        every = {choice[0] for choice in self.get_obj_perms_field_choices()}
        current = set(self.get_obj_perms_field_initial())
        chosen = set(chosen)
        return chosen - current, (every - chosen) & current

    def _name(self, codename: str) -> str:
        return grantable_codenames(type(self.obj))[codename]

    def get_obj_perms_field_choices(self) -> list:
        """The object's own permissions, then those it carries for what it contains (a grant
        of view_invoice on a project covers every invoice of the project)."""
        choices = super().get_obj_perms_field_choices()
        here = self.obj._meta.verbose_name
        for tables in contained_in(self.obj):
            covers = _("every {contained} of this {container}").format(
                contained=tables.model._meta.verbose_name, container=here)
            choices += [(p.codename, f"{p.name} ({covers})")
                        for p in get_perms_for_model(tables.model)
                        if p.codename in tables.coverable]
        return choices

    def get_obj_perms_field_initial(self) -> list:
        """The holder's grants on the object, those it carries for what it contains included
        (guardian's own initial reads only the object's model's)."""
        tables = tables_for(self.obj)
        if tables is None:
            return list(super().get_obj_perms_field_initial())
        is_user = getattr(self, "user", None) is not None
        table, who = ((tables.user_table, {"user": self.user}) if is_user
                      else (tables.group_table, {"group": self.group}))
        return list(table.objects.filter(content_object=self.obj, **who)
                    .values_list("permission__codename", flat=True))

    def clean(self):
        cleaned = super().clean()
        field = self.get_obj_perms_field_name()
        added, removed = self._changes(cleaned.get(field, []))
        if added or removed:
            try:
                services.ensure_grantable(
                    self.actor, self.holder(),
                    grants=[policy.Grant.of(self._name(c), self.obj) for c in added],
                    revokes=[policy.Grant.of(self._name(c), self.obj) for c in removed])
            except Refused as exc:
                self.add_error(field, exc.message)
        return cleaned

    @transaction.atomic
    def save_obj_perms(self) -> None:
        added, removed = self._changes(self.cleaned_data[self.get_obj_perms_field_name()])
        holder = self.holder()
        is_user = getattr(self, "user", None) is not None
        grant = services.permission_grant if is_user else services.group_permission_grant
        revoke = services.permission_revoke if is_user else services.group_permission_revoke
        key = "user" if is_user else "group"
        for codename in sorted(removed):
            revoke(actor=self.actor, permission=self._name(codename), obj=self.obj,
                   request=self.http_request, **{key: holder})
        for codename in sorted(added):
            grant(actor=self.actor, permission=self._name(codename), obj=self.obj,
                  request=self.http_request, **{key: holder})


def _bound(form_class, request):
    return type(form_class.__name__, (_ServiceObjectPermissionsForm, form_class),
                {"actor": request.user, "http_request": request})


class ObjectPermissionsAdmin(GuardedModelAdmin):
    """A ModelAdmin with guardian's "Object permissions" page, audited and without escalation."""

    def get_obj_perms_manage_user_form(self, request):
        return _bound(super().get_obj_perms_manage_user_form(request), request)

    def get_obj_perms_manage_group_form(self, request):
        return _bound(super().get_obj_perms_manage_group_form(request), request)
