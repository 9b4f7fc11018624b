from rest_framework.routers import SimpleRouter

from accounts import api

router = SimpleRouter()
router.register("users", api.UserPickerViewSet, basename="user")
router.register("programmatic-users", api.ProgrammaticUserViewSet, basename="programmatic-user")

urlpatterns = router.urls
