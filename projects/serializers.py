"""Shapes of projects and invoices in the API (API.md §3)."""

from rest_framework import serializers

from accounts.models import User
from audit.context import note_permission
from common.fields import IdRelatedField
from common.representation import FastRepresentationMixin
from permissions.engine import permission_name, permitted
from permissions.registry import object_refs
from projects import exceptions
from projects.models import Invoice, Project


class ProjectSerializer(FastRepresentationMixin, serializers.ModelSerializer):
    manager = IdRelatedField(
        queryset=User.objects.personal(), allow_null=True, required=False,
        error_messages={"does_not_exist": exceptions.NOT_A_PERSON},
    )

    class Meta:
        model = Project
        fields = ["id", "code", "name", "client", "manager", "status", "budget", "created_at"]
        read_only_fields = ["id", "created_at"]
        extra_kwargs = {"budget": {"min_value": 0}}


class ViewableProjectField(IdRelatedField):
    """A project the caller may view; any other id gets the same answer as a missing one."""

    def get_queryset(self):
        request = self.context["request"]
        note_permission(request, permission_name(Project, "view"))
        return permitted(Project.objects.all(), request.user, "view", one=True)

    def to_internal_value(self, data):
        project = super().to_internal_value(data)
        # A use of view_project on this project alone: the advice must not count it for every
        # project the token may view (a use named with no object is a list's).
        note_permission(self.context["request"], permission_name(Project, "view"),
                        object_refs(project))
        return project


class InvoiceSerializer(FastRepresentationMixin, serializers.ModelSerializer):
    project = ViewableProjectField()

    class Meta:
        model = Invoice
        fields = ["id", "project", "number", "amount", "currency", "issued_on", "status"]
        read_only_fields = ["id"]
        extra_kwargs = {"amount": {"min_value": 0}}
