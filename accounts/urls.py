from rest_framework.routers import SimpleRouter

from accounts import api, api_people, api_roles

router = SimpleRouter()
router.register("users", api.UserPickerViewSet, basename="user")
router.register("programmatic-users", api.ProgrammaticUserViewSet, basename="programmatic-user")
router.register("people", api_people.PeopleViewSet, basename="person")
router.register("roles", api_roles.RoleViewSet, basename="role")

urlpatterns = router.urls
