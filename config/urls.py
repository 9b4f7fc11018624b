"""URL map: the admin, the API under /api/v1/, the schema, the health probes."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from config import health, schema  # noqa: F401  (registers the OpenAPI Bearer scheme)

api_v1 = [
    path("", include("accounts.urls")),
    path("", include("permissions.urls")),
    path("", include("projects.urls")),
    path("", include("tokens.urls")),
    path("", include("audit.urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
]
