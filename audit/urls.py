from django.urls import path

from audit import api, integrity_api

urlpatterns = [
    path("audit-events/", api.AuditEventList.as_view(), name="audit-event-list"),
    path("audit-events/export/", api.AuditEventExport.as_view(), name="audit-event-export"),
    path("audit-events/digests/", integrity_api.DigestList.as_view(), name="audit-digest-list"),
    path("audit-events/public-key/", integrity_api.PublicKey.as_view(),
         name="audit-public-key"),
    path("audit-events/verification/", integrity_api.Verification.as_view(),
         name="audit-verification"),
]
