from django.urls import path

from permissions import api

urlpatterns = [
    path("programmatic-users/<int:user_id>/permissions/",
         api.ProgrammaticUserPermissionsView.as_view(), name="programmatic-user-permissions"),
    path("programmatic-users/<int:user_id>/permission-usage/",
         api.PermissionUsageView.as_view(), name="programmatic-user-permission-usage"),
    path("me/permissions/", api.MyPermissionsView.as_view(), name="me-permissions"),
]
