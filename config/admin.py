"""The admin site: the product's pages first, in the order configurators and auditors need them."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.login_forms import AdminLoginForm

PRODUCT_SECTION = _("Programmatic access")
# (app_label, object_name) in the order people look for them.
PRODUCT_PAGES = [
    ("accounts", "Person"),
    ("accounts", "ProgrammaticUser"),
    ("tokens", "ApiToken"),
    ("audit", "AuditEvent"),
    ("audit", "AuditSeal"),
]


class ProductAdminSite(admin.AdminSite):
    site_header = _("Programmatic Users")
    site_title = _("Programmatic Users")
    index_title = _("Administration")
    login_form = AdminLoginForm  # says so when the login limit refused the attempt

    def index(self, request, extra_context=None):
        from config.dashboard import dashboard  # the apps are loaded by the time a page is asked

        extra_context = {**(extra_context or {}), "dashboard": dashboard(request.user)}
        return super().index(request, extra_context)

    def get_app_list(self, request, app_label=None):
        apps = super().get_app_list(request, app_label)
        if app_label is not None:
            return apps
        order = {key: index for index, key in enumerate(PRODUCT_PAGES)}
        product = []
        for app in apps:
            keep = []
            for model in app["models"]:
                key = (app["app_label"], model["object_name"])
                (product if key in order else keep).append(model)
                if key in order:
                    model["_order"] = order[key]
            app["models"] = keep
        product.sort(key=lambda model: model.pop("_order"))
        rest = [app for app in apps if app["models"]]
        if not product:
            return rest
        section = {"name": PRODUCT_SECTION, "app_label": "product", "app_url": "",
                   "has_module_perms": True, "models": product}
        return [section, *rest]
