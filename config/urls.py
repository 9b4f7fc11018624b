"""URL map: the admin, the API under /api/v1/, the schema, the health probes."""

from django.contrib import admin
from django.contrib.auth.views import LoginView
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularSwaggerSplitView

from accounts.login_forms import LoginForm
from common.http import json_error
from config import health
from config.schema_view import SchemaView

# Django's own error answers: JSON under /api/, HTML elsewhere (config.error_views).
handler400 = "config.error_views.bad_request"
handler403 = "config.error_views.permission_denied"
handler404 = "config.error_views.page_not_found"
handler500 = "config.error_views.server_error"


@csrf_exempt  # a 404 has nothing to protect; without this a POST would get a 403
def api_not_found(request, *args, **kwargs):
    """Any other /api/v1/.../ address: the API's own 404 body, never an HTML page."""
    return json_error(request, 404, "Not found.", "not_found")


# The busiest addresses first (`me/`, then the data): every request walks this list in order.
api_v1 = [
    path("", include("tokens.urls")),
    path("", include("projects.urls")),
    path("", include("accounts.urls")),
    path("", include("permissions.urls")),
    path("", include("audit.urls")),
    re_path(r"^.*/$", api_not_found),  # last: addresses without a slash still get APPEND_SLASH
]

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False), name="home"),
    path("api/v1/", include(api_v1)),
    path("admin/", admin.site.urls),
    # Django's login page with the login limit's message; the rest of django.contrib.auth's.
    path("accounts/login/", LoginView.as_view(authentication_form=LoginForm), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(
        url_name="schema", template_name="api/swagger_ui.html"), name="api-docs"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
]
