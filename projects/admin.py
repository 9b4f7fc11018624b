"""Admin for the business data, with guardian's per-object permissions page on each."""

from django.contrib import admin

from permissions.admin import ObjectPermissionsAdmin
from projects import services
from projects.models import Invoice, Project


def _model_fields(form, model, *, changed_only: bool = False) -> dict:
    """The form's values of `model`'s own fields: all of them, or only those the form changed."""
    names = {f.name for f in model._meta.concrete_fields}
    if changed_only:
        names &= set(form.changed_data)
    return {name: value for name, value in form.cleaned_data.items() if name in names}


@admin.register(Project)
class ProjectAdmin(ObjectPermissionsAdmin):
    list_display = ("code", "name", "client", "manager", "status", "budget", "created_at")
    list_filter = ("status",)
    search_fields = ("code", "name", "client")
    autocomplete_fields = ("manager",)

    def save_model(self, request, obj, form, change):
        if change:
            services.project_update(actor=request.user, project=obj, request=request,
                                    **_model_fields(form, Project, changed_only=True))
            return
        created = services.project_create(actor=request.user, request=request,
                                          **_model_fields(form, Project))
        obj.pk = created.pk
        obj._state.adding = False

    def delete_model(self, request, obj):
        services.project_delete(actor=request.user, project=obj, request=request)


@admin.register(Invoice)
class InvoiceAdmin(ObjectPermissionsAdmin):
    list_display = ("number", "project", "amount", "currency", "issued_on", "status")
    list_filter = ("status", "currency")
    search_fields = ("number", "project__code")
    list_select_related = ("project",)
    autocomplete_fields = ("project",)

    def save_model(self, request, obj, form, change):
        if change:
            services.invoice_update(actor=request.user, invoice=obj, request=request,
                                    **_model_fields(form, Invoice, changed_only=True))
            return
        created = services.invoice_create(actor=request.user, request=request,
                                          **_model_fields(form, Invoice))
        obj.pk = created.pk
        obj._state.adding = False

    def delete_model(self, request, obj):
        services.invoice_delete(actor=request.user, invoice=obj, request=request)
