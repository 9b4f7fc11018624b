"""DRF filter backend: lists and lookups narrowed in the database to what the caller may view."""

from rest_framework.filters import BaseFilterBackend

from audit.context import note_permission
from permissions.selectors import permission_name, permitted


class ObjectPermissionsFilter(BaseFilterBackend):
    """Objects the caller may view: model-wide view permission, or a user or group grant.

    One subquery over the direct foreign-key permission tables (indexed by holder, permission,
    object), so a page costs the same whatever the size of the table.
    """

    action = "view"

    def filter_queryset(self, request, queryset, view):
        note_permission(request, permission_name(queryset.model, self.action))
        lookup = getattr(view, "lookup_url_kwarg", None) or getattr(view, "lookup_field", "pk")
        one = lookup in getattr(view, "kwargs", {})
        return permitted(queryset, request.user, self.action, one=one)
