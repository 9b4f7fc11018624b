from rest_framework.routers import SimpleRouter

from projects import api

router = SimpleRouter()
router.register("projects", api.ProjectViewSet, basename="project")
router.register("invoices", api.InvoiceViewSet, basename="invoice")

urlpatterns = router.urls
