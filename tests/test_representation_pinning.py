"""Nothing of a request outlives it (issue 17): the read plan kept on a serializer class used
to hold the first request's bound fields, and through them its serializer, context, request
and user, for the life of the worker."""

import gc
import types
import weakref

import pytest
from django.http import HttpRequest
from rest_framework.request import Request
from rest_framework.test import APIClient

from accounts.models import User
from projects.models import Project
from projects.serializers import InvoiceSerializer, ProjectSerializer
from tests.accounts.factories import PersonFactory
from tests.projects.factories import InvoiceFactory, ProjectFactory, give_model_perms

pytestmark = pytest.mark.django_db

FORBIDDEN = (HttpRequest, Request, User)


def reachable_from(root, limit: int = 200_000) -> list:
    """Objects reachable from `root` through references, not walking into classes, modules or
    functions (shared by everything; what a class pins is in its own attributes)."""
    skip = (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType)
    seen, found, queue = {id(root)}, [], list(gc.get_referents(*vars(root).values()))
    while queue and len(seen) < limit:
        item = queue.pop()
        if id(item) in seen or isinstance(item, skip):
            continue
        seen.add(id(item))
        found.append(item)
        queue.extend(gc.get_referents(item))
    return found


@pytest.mark.parametrize(("path", "serializer_class"), [
    ("/api/v1/projects/", ProjectSerializer), ("/api/v1/invoices/", InvoiceSerializer),
])
def test_no_request_or_user_is_reachable_from_the_serializer_class_after_a_response(
    path, serializer_class
):
    project = ProjectFactory()
    InvoiceFactory(project=project)
    user = PersonFactory(username="reader")
    give_model_perms(user, "projects.view_project", "projects.view_invoice")
    client = APIClient()
    client.force_authenticate(user)
    response = client.get(path)
    assert response.status_code == 200 and len(response.json()["results"]) == 1

    pinned = [item for item in reachable_from(serializer_class) if isinstance(item, FORBIDDEN)]

    assert pinned == []


def fresh_worker(*classes) -> None:
    """Forget what the classes learnt from earlier requests, as in a newly started worker."""
    for cls in classes:
        for name in [name for name in vars(cls) if name.startswith("_") and "plan" in name]:
            delattr(cls, name)


def test_the_request_user_is_freed_once_the_response_is_gone():
    fresh_worker(ProjectSerializer)
    ProjectFactory()
    user = PersonFactory(username="reader")
    give_model_perms(user, "projects.view_project")
    client = APIClient()
    client.force_authenticate(user)
    response = client.get("/api/v1/projects/")
    assert response.status_code == 200
    ProjectSerializer(Project.objects.first()).data  # noqa: B018 (a second reader, later)
    alive = weakref.ref(user)
    client.force_authenticate(None)
    del user, response, client
    gc.collect()

    assert alive() is None
