"""Admin: "People" and "Programmatic users", both behind `accounts.configure_users`, and the
group (role) admin. Every change goes through the accounts services, so it passes the
no-escalation rule and is audited; an account or group the rule keeps from the admin user is
shown read-only."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts import hooks, services
from accounts.forms import (
    GroupForm,
    PersonChangeForm,
    PersonPasswordForm,
    ProgrammaticUserAddForm,
    ProgrammaticUserChangeForm,
    WithoutPasswordButton,
)
from accounts.models import Person, User
from common.errors import Denied

CONFIGURE = "accounts.configure_users"
# Auditors (who read the audit log) read the programmatic users' pages too, without changing them.
READ_AUDIT_LOG = "audit.view_auditevent"
PASSWORD_SET = _("Password changed successfully.")
PASSWORD_DISABLED = _("Password-based authentication was disabled.")


def _bound(form_class, request):
    """`form_class` checking its changes for `request.user` (one class per request)."""
    return type(form_class.__name__, (form_class,), {"actor": request.user})


class ConfiguratorOnlyMixin:
    """Viewing users needs the User configurator permission; changing one also needs the
    no-escalation rule's consent (it holds nothing the admin user lacks)."""

    def has_module_permission(self, request):
        return request.user.has_perm(CONFIGURE)

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(CONFIGURE)

    def has_add_permission(self, request):
        return request.user.has_perm(CONFIGURE)

    def has_change_permission(self, request, obj=None):
        if not request.user.has_perm(CONFIGURE):
            return False
        return obj is None or hooks.escalation_guard().may_change_account(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def save_related(self, request, form, formsets, change):
        # Groups and permissions were written by the service; only inlines (if any) remain.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


@admin.register(Person)
class PersonAdmin(ConfiguratorOnlyMixin, DjangoUserAdmin):
    form = PersonChangeForm
    change_password_form = PersonPasswordForm
    list_display = ("username", "email", "first_name", "last_name", "is_staff", "is_active")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups")

    def get_queryset(self, request):
        return super().get_queryset(request).people()

    def get_form(self, request, obj=None, **kwargs):
        form = _bound(super().get_form(request, obj, **kwargs), request)
        if obj is not None and not self.has_change_permission(request, obj):
            return type(form.__name__, (WithoutPasswordButton, form), {})
        return form

    def get_readonly_fields(self, request, obj=None):
        readonly = ["last_login", "date_joined"]
        if not request.user.is_superuser:
            readonly.append("is_superuser")
        if obj is not None and obj.pk == request.user.pk and not request.user.is_superuser:
            readonly += ["is_staff", "is_active"]
        return readonly

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            services.person_update(actor=request.user, person=obj, request=request,
                                   **form.changed(data, PersonChangeForm.EDITABLE))
            return
        created = services.person_create(
            actor=request.user, request=request, username=data["username"],
            password=data.get("password1") if data.get("set_usable_password", True) else None)
        obj.pk = created.pk
        obj._state.adding = False

    def user_change_password(self, request, id, form_url=""):
        """Django's password page, writing through `person_set_password` (audited, and refused
        for an account that holds a permission the admin user lacks)."""
        user = self.get_object(request, unquote(id)) if request.method == "POST" else None
        if user is None or not self.has_change_permission(request, user):
            return super().user_change_password(request, id, form_url)
        form = self.change_password_form(user, request.POST)
        if not form.is_valid() or not (form.cleaned_data["set_usable_password"]
                                       or "unset-password" in request.POST):
            # Django's own view shows the errors (or the conflicting-submission message).
            return super().user_change_password(request, id, form_url)
        try:
            user = services.person_set_password(actor=request.user, person=user,
                                                password=form.new_password(), request=request)
        except Denied:
            raise PermissionDenied from None
        self.log_change(request, user, self.construct_change_message(request, form, None))
        messages.success(request, PASSWORD_SET if user.has_usable_password()
                         else PASSWORD_DISABLED)
        update_session_auth_hash(request, user)
        return redirect(reverse("admin:accounts_person_change", args=[user.pk]))


class ProgrammaticUserAdmin(ConfiguratorOnlyMixin, admin.ModelAdmin):
    """The programmatic user's page as accounts knows it. Registered by `tokens`, the one owner
    of that page, which adds the user's tokens and permission pages to it. Auditors may read it
    (every field read-only, no save button); changing it stays the configurators'."""

    list_display = ("username", "description", "contact_email", "is_active", "date_joined")
    list_filter = ("is_active", "groups")
    search_fields = ("username", "description", "contact_email")
    ordering = ("username",)
    readonly_fields = ("username", "category", "date_joined", "last_login")
    fieldsets = (
        (None, {"fields": ("username", "category", "description", "contact_email")}),
        (_("Access"), {"fields": ("is_active", "groups")}),
        (_("Dates"), {"fields": ("date_joined", "last_login")}),
    )
    add_fieldsets = ((None, {"fields": ("username", "description", "contact_email", "groups")}),)

    def has_module_permission(self, request):
        return super().has_module_permission(request) or request.user.has_perm(READ_AUDIT_LOG)

    def has_view_permission(self, request, obj=None):
        return (super().has_view_permission(request, obj)
                or request.user.has_perm(READ_AUDIT_LOG))

    def get_queryset(self, request):
        return super().get_queryset(request).programmatic()

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else self.fieldsets

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups":  # a few roles: checkboxes, not a two-pane picker
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def get_add_form(self, request):
        """The Add form (the tokens app extends it with "issue a first token now")."""
        return ProgrammaticUserAddForm

    def get_form(self, request, obj=None, **kwargs):
        kwargs["form"] = self.get_add_form(request) if obj is None else ProgrammaticUserChangeForm
        return _bound(super().get_form(request, obj, **kwargs), request)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            created = services.programmatic_user_create(
                actor=request.user, request=request, username=data["username"],
                contact_email=data["contact_email"], description=data.get("description", ""),
                groups=data.get("groups") or [],
            )
            obj.pk = created.pk
            obj._state.adding = False
        else:
            services.programmatic_user_update(
                actor=request.user, user=obj, request=request,
                **form.changed(data, ProgrammaticUserChangeForm.EDITABLE))


@admin.register(User)
class UserPickerAdmin(admin.ModelAdmin):
    """Hidden: serves autocompletes of foreign keys to users (personal, active users only)."""

    search_fields = ("username", "first_name", "last_name")
    ordering = ("username",)

    def get_queryset(self, request):
        return User.objects.personal().order_by("username")

    def has_module_permission(self, request):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        if not request.user.has_perm(CONFIGURE):
            raise PermissionDenied
        return redirect(reverse("admin:accounts_person_changelist"))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """A foreign key's link to a user (a project's manager, a token's user) opens the
        person's or the programmatic user's page, which checks its own permissions."""
        user = User.objects.filter(pk=object_id).first() if object_id.isdigit() else None
        if request.method != "GET" or user is None:
            raise PermissionDenied
        page = "programmaticuser" if user.is_programmatic else "person"
        return redirect(reverse(f"admin:accounts_{page}_change", args=[user.pk]))


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(DjangoGroupAdmin):
    """Roles. Every change goes through the group services: a non-superuser needs the User
    configurator permission, may add to or remove from a group only permissions it holds, and may
    not change a group one of whose members holds a permission it lacks."""

    form = GroupForm

    def get_form(self, request, obj=None, **kwargs):
        return _bound(super().get_form(request, obj, **kwargs), request)

    def get_readonly_fields(self, request, obj=None):
        return ("name",) if obj is not None else ()

    def has_add_permission(self, request):
        return super().has_add_permission(request) and hooks.escalation_guard().may_change_group(
            request.user, Group())

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return hooks.escalation_guard().may_change_group(request.user, obj or Group())

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        if obj is None:
            return hooks.escalation_guard().may_change_group(request.user, Group())
        return hooks.escalation_guard().may_delete_group(request.user, obj)

    def save_model(self, request, obj, form, change):
        permissions = form.cleaned_data.get("permissions") or []
        if change:
            services.group_update(actor=request.user, group=obj, permissions=permissions,
                                  request=request)
            return
        created = services.group_create(actor=request.user, name=form.cleaned_data["name"],
                                        permissions=permissions, request=request)
        obj.pk = created.pk
        obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        # The permissions were written by the service.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request, obj):
        try:
            services.group_delete(actor=request.user, group=obj, request=request)
        except Denied:
            raise PermissionDenied from None

    def delete_queryset(self, request, queryset):
        for group in queryset:
            self.delete_model(request, group)
