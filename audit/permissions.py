"""Who may read the audit log: holders of audit.view_auditevent (the "Auditors" group)."""

from rest_framework.permissions import BasePermission

VIEW_PERMISSION = "audit.view_auditevent"


class CanViewAuditLog(BasePermission):
    """DRF's DjangoModelPermissions checks no view permission on GET; this one does."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm(VIEW_PERMISSION))
