"""The one pagination of every list: cursor-based, no total count (API.md §2)."""

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from rest_framework import pagination
from rest_framework.exceptions import NotFound

MAX_POSITION_LENGTH = 200
PAGE_SIZE_HELP = ("Results per page: a whole number, 50 by default; larger than 200 is capped "
                  "to 200, and anything that is not a positive whole number gives the default.")
INT64 = range(-(2**63), 2**63)


class CursorPagination(pagination.CursorPagination):
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
    ordering = "-id"

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            value = int(raw)
        except (TypeError, ValueError):
            return self.page_size
        if value < 1:
            return self.page_size
        return min(value, self.max_page_size)

    def get_schema_operation_parameters(self, view):
        """As documented in API.md §2: page_size is read leniently, never refused."""
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "string"}
                parameter["description"] = PAGE_SIZE_HELP
        return parameters

    def paginate_queryset(self, queryset, request, view=None):
        self.model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        """DRF's cursor, its position checked to be a value of the ordering field: a forged
        position (p=abc for an id) would otherwise reach the database as one."""
        cursor = super().decode_cursor(request)
        position = None if cursor is None else cursor.position
        if position is not None and not self.valid_position(position):
            raise NotFound(self.invalid_cursor_message)
        return cursor

    def valid_position(self, position: str) -> bool:
        if "\x00" in position or len(position) > MAX_POSITION_LENGTH:
            return False
        name = self.ordering[0].lstrip("-")
        try:
            field = self.model._meta.get_field(name)
        except FieldDoesNotExist:
            return True  # an annotation: the database compares it as given
        try:
            value = field.to_python(position)
        except ValidationError:
            return False
        return not isinstance(field, models.IntegerField) or value in INT64
