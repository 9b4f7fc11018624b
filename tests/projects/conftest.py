"""The people of the access matrix around one project P (and its invoice I), created by
`creator`; another project Q exists that only organisation-wide readers and superusers see."""

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from accounts.models import User
from projects import services
from tests.accounts.factories import PersonFactory, ProgrammaticUserFactory
from tests.conftest import client_for
from tests.projects.factories import (
    InvoiceFactory,
    ProjectFactory,
    give_model_perms,
    give_object_perms,
)
from tests.tokens.factories import ApiTokenFactory, bearer

ROLES = ["creator", "object_viewer", "group_editor", "model_wide", "outsider", "inactive",
         "superuser", "anonymous"]


@dataclass
class World:
    users: dict
    project: object
    other_project: object
    invoice: object
    other_invoice: object


def fresh_client(user) -> APIClient:
    """An API client authenticated as `user` without the login backend (programmatic or inactive
    users); the user is read afresh for every request, as a token request would."""

    class FreshUserClient(APIClient):
        def request(self, **kwargs):
            self.force_authenticate(User.objects.get(pk=user.pk))
            return super().request(**kwargs)

    return FreshUserClient()


def client_as(world: World, role: str) -> APIClient:
    if role == "anonymous":
        return APIClient()
    user = world.users[role]
    if role == "inactive":
        # A token of an inactive user never authenticates (tests/tokens); this checks that the
        # permission path gives such a user nothing even if it did.
        return fresh_client(user)
    if user.is_programmatic:
        return bearer(APIClient(), ApiTokenFactory(user=user).plaintext)
    return client_for(user)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Factories hash a password for every person; these tests never check one."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db) -> World:
    creator = PersonFactory(username="creator")
    give_model_perms(creator, "projects.add_project", "projects.add_invoice")
    project = services.project_create(actor=creator, code="P-1", name="Pilot", client="ACME",
                                      budget="100.00")
    invoice = services.invoice_create(actor=creator, project=project, number="I-1",
                                      amount="10.00", currency="EUR", issued_on="2025-01-01")
    # From here on the creator holds only what creating gave it: its objects' permissions.
    creator.user_permissions.clear()

    other_project = ProjectFactory(code="Q-1")
    other_invoice = InvoiceFactory(project=other_project, number="J-1")

    object_viewer = PersonFactory(username="viewer")
    give_object_perms(object_viewer, project, "view_project")
    give_object_perms(object_viewer, invoice, "view_invoice")

    editors = Group.objects.create(name="Pilot editors")
    give_object_perms(editors, project, "view_project", "change_project")
    give_object_perms(editors, invoice, "view_invoice", "change_invoice")
    group_editor = ProgrammaticUserFactory(username="pilot-sync")
    group_editor.groups.add(editors)

    all_perms = [f"projects.{a}_{m}" for a in ("view", "add", "change", "delete")
                 for m in ("project", "invoice")]
    model_wide = ProgrammaticUserFactory(username="org-sync")
    give_model_perms(model_wide, *all_perms)

    inactive = ProgrammaticUserFactory(username="retired-sync", is_active=False)
    give_model_perms(inactive, *all_perms)
    give_object_perms(inactive, project, "view_project")

    users = {
        "creator": creator,
        "object_viewer": object_viewer,
        "group_editor": group_editor,
        "model_wide": model_wide,
        "outsider": PersonFactory(username="outsider"),
        "inactive": inactive,
        "superuser": PersonFactory(username="root", is_staff=True, is_superuser=True),
    }
    return World(users, project, other_project, invoice, other_invoice)
