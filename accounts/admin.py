"""Admin: "People" and "Programmatic users", both behind `accounts.configure_users`."""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse

from accounts import services
from accounts.forms import (
    GroupForm,
    NoEscalationMixin,
    ProgrammaticUserAddForm,
    ProgrammaticUserChangeForm,
)
from accounts.models import Person, User

CONFIGURE = "accounts.configure_users"


class ConfiguratorOnlyMixin:
    """Viewing and changing users needs the User configurator permission."""

    def has_module_permission(self, request):
        return request.user.has_perm(CONFIGURE)

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(CONFIGURE)

    def has_add_permission(self, request):
        return request.user.has_perm(CONFIGURE)

    def has_change_permission(self, request, obj=None):
        if not request.user.has_perm(CONFIGURE):
            return False
        # Only a superuser may change a superuser (else: change its password, take it over).
        return not (obj is not None and obj.is_superuser and not request.user.is_superuser)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


class PersonChangeForm(NoEscalationMixin, UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = Person


@admin.register(Person)
class PersonAdmin(ConfiguratorOnlyMixin, DjangoUserAdmin):
    form = PersonChangeForm
    list_display = ("username", "email", "first_name", "last_name", "is_staff", "is_active")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups")

    def get_queryset(self, request):
        return super().get_queryset(request).people()

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.actor = request.user
        return form

    def get_readonly_fields(self, request, obj=None):
        readonly = ["last_login", "date_joined"]
        if not request.user.is_superuser:
            readonly.append("is_superuser")
        if obj is not None and obj.pk == request.user.pk and not request.user.is_superuser:
            readonly += ["is_staff", "is_active"]
        return readonly

    def save_model(self, request, obj, form, change):
        obj.category = User.Category.PERSONAL if not change else obj.category
        super().save_model(request, obj, form, change)


class ProgrammaticUserAdmin(ConfiguratorOnlyMixin, admin.ModelAdmin):
    """The programmatic user's page as accounts knows it. Registered by `tokens`, the one owner
    of that page, which adds the user's tokens and permission pages to it."""

    list_display = ("username", "description", "contact_email", "is_active", "date_joined")
    list_filter = ("is_active", "groups")
    search_fields = ("username", "description", "contact_email")
    ordering = ("username",)
    filter_horizontal = ("groups",)
    readonly_fields = ("username", "category", "date_joined", "last_login")
    fieldsets = (
        (None, {"fields": ("username", "category", "description", "contact_email")}),
        ("Access", {"fields": ("is_active", "groups")}),
        ("Dates", {"fields": ("date_joined", "last_login")}),
    )
    add_fieldsets = ((None, {"fields": ("username", "description", "contact_email", "groups")}),)

    def get_queryset(self, request):
        return super().get_queryset(request).programmatic()

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else self.fieldsets

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def get_form(self, request, obj=None, **kwargs):
        kwargs["form"] = ProgrammaticUserAddForm if obj is None else ProgrammaticUserChangeForm
        kwargs["fields"] = None
        form = super().get_form(request, obj, **kwargs)
        form.actor = request.user
        return form

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
            editable = ("description", "contact_email", "groups", "is_active")
            changed = {name: data[name] for name in form.changed_data if name in editable}
            if "groups" in changed:
                changed["groups"] = list(changed["groups"])
            services.programmatic_user_update(actor=request.user, user=obj, request=request,
                                              **changed)

    def save_related(self, request, form, formsets, change):
        # Groups were set by the service; only inlines (if any) remain.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


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
        raise PermissionDenied


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(DjangoGroupAdmin):
    """Roles: a non-superuser can put into a group only permissions it holds."""

    form = GroupForm

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.actor = request.user
        return form
