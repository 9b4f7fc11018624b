"""The cursor pagination of lists narrowed to what the caller may view.

For a plain page in id order (the default ordering, no search or other filter parameter) the
paginator asks the engine for the permitted ids of exactly this page (`permitted_page`), from
DRF's own reading of the cursor: each grant table gives only a page's worth of its index, so a
page costs the same at 10,000 or 1,000,000 rows. `ObjectPermissionsFilter` narrows the list
with that page instead of every permitted id. Any other page is narrowed to every permitted id,
as before. Meant for views whose queryset is their whole table, narrowed only by that filter
(`projects.api.ProtectedViewSet`): a queryset narrowed further would make a page of ids
shorter than the page (never wider: the ids are all permitted).
"""

from rest_framework.filters import BaseFilterBackend

from common.pagination import CursorPagination
from permissions.engine import permitted_page

_PARAMETERS: dict[type, frozenset[str]] = {}


def _filter_parameters(view) -> frozenset[str]:
    """The query parameters of the view's filter backends, ordering aside (each backend names
    them through DRF's schema hook); one look per view class."""
    found = _PARAMETERS.get(type(view))
    if found is None:
        names = set()
        for backend in getattr(view, "filter_backends", ()):
            if hasattr(backend, "get_ordering") or not issubclass(backend, BaseFilterBackend):
                continue
            names.update(p["name"] for p in backend().get_schema_operation_parameters(view))
        found = _PARAMETERS[type(view)] = frozenset(names)
    return found


class PermittedCursorPagination(CursorPagination):
    action = "view"

    def _is_plain_page(self, request, queryset, view) -> bool:
        """Whether this request's page is a plain page in id order."""
        params = request.query_params
        if any(name in params for name in _filter_parameters(view)):
            return False
        ordering = self.get_ordering(request, queryset, view)
        pk = queryset.model._meta.pk
        return len(ordering) == 1 and ordering[0].lstrip("-") in {"pk", pk.name, pk.attname}

    def permitted_page(self, queryset, request, view):
        """`queryset` narrowed to the permitted ids of this request's page, or None when the
        page is not a plain page in id order (then every permitted id is the narrowing)."""
        if not self._is_plain_page(request, queryset, view):
            return None
        # What paginate_queryset sets before it reads the cursor (decode_cursor checks the
        # position against the ordering field of the model).
        self.model = queryset.model
        self.ordering = self.get_ordering(request, queryset, view)
        cursor = self.decode_cursor(request)
        offset, reverse, position = cursor if cursor is not None else (0, False, None)
        if position is not None:
            try:
                position = int(position)
            except (TypeError, ValueError):
                return None  # not an id: DRF's own handling of the cursor applies
        descending = self.get_ordering(request, queryset, view)[0].startswith("-") != reverse
        limit = offset + self.get_page_size(request) + 1
        return permitted_page(queryset, request.user, self.action, descending=descending,
                              after=position, limit=limit)
