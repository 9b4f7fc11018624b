from django.urls import path
from rest_framework.routers import SimpleRouter

from tokens import api, api_reports

router = SimpleRouter()
router.register("tokens", api.ApiTokenViewSet, basename="token")

urlpatterns = [
    path("tokens/revoke-leaked/", api_reports.LeakReportView.as_view(),
         name="token-revoke-leaked"),
    path("tokens/lookup/", api_reports.TokenLookupView.as_view(), name="token-lookup"),
    path("tokens/secret-scanning/", api_reports.SecretScanningView.as_view(),
         name="token-secret-scanning"),
    path("programmatic-users/<int:user_id>/tokens/", api.ProgrammaticUserTokensView.as_view(),
         name="programmatic-user-tokens"),
    path("me/", api.MeView.as_view(), name="me"),
    path("me/token/rotate/", api.SelfRotateView.as_view(), name="me-token-rotate"),
    *router.urls,
]
