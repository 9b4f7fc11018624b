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

    Few rows (one object, or a page the paginator bounds to a page of permitted ids): each is
    probed through the unique grant indexes. Otherwise the rows among every permitted id.
    """

    action = "view"

    def filter_queryset(self, request, queryset, view):
        note_permission(request, permission_name(queryset.model, self.action))
        paginator = getattr(view, "paginator", None)
        few = is_detail(view) or (isinstance(paginator, PermittedCursorPagination)
                                  and paginator.reads_permitted_page(request, queryset, view))
        return permitted(queryset, request.user, self.action, one=few)
