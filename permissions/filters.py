"""DRF filter backend: lists and lookups narrowed in the database to what the caller may view."""

from rest_framework.filters import BaseFilterBackend

from audit.context import note_permission
from permissions.engine import permission_name, permitted
from permissions.pagination import PermittedCursorPagination


def is_detail(view) -> bool:
    """The view works on one object (a lookup in the URL)."""
    detail = getattr(view, "detail", None)
    if detail is None:
        lookup = getattr(view, "lookup_url_kwarg", None) or getattr(view, "lookup_field", "pk")
        detail = lookup in getattr(view, "kwargs", {})
    return bool(detail)


class ObjectPermissionsFilter(BaseFilterBackend):
    """Objects the caller may view: model-wide view permission, or a user or group grant on the
    object or on its container.

    One object: each row probed through the unique grant indexes. A plain page of a
    `PermittedCursorPagination`: the permitted ids of that page, which the paginator asks the
    engine for. Otherwise: the rows among every permitted id.
    """

    action = "view"

    def filter_queryset(self, request, queryset, view):
        note_permission(request, permission_name(queryset.model, self.action))
        if is_detail(view):
            return permitted(queryset, request.user, self.action, one=True)
        paginator = getattr(view, "paginator", None)
        if isinstance(paginator, PermittedCursorPagination):
            page = paginator.permitted_page(queryset, request, view)
            if page is not None:
                return page
        return permitted(queryset, request.user, self.action)
