"""DRF permission classes that record what they check, and who may read the audit log.

`RequiresPermission` is the base of every model-wide permission class of the product (accounts,
permissions, tokens, audit): each check is noted for the request's `token.used` event, so the
least-privilege advice counts every permission a request exercised.
"""

from rest_framework.permissions import BasePermission

from audit.context import note_denied, note_permission

VIEW_PERMISSION = "audit.view_auditevent"


class RequiresPermission(BasePermission):
    """The caller holds `permission` ("app_label.codename") organisation-wide."""

    permission = ""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        note_permission(request, self.permission)
        if user.has_perm(self.permission):
            return True
        note_denied(request, self.permission)
        return False


class CanViewAuditLog(RequiresPermission):
    """DRF's DjangoModelPermissions checks no view permission on GET; this one does."""

    permission = VIEW_PERMISSION
