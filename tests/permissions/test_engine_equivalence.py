"""The engine's hand-built statements answer exactly what the plain ORM answers, over random
grants (user and group, on objects and on their containers), in every shape the engine has:
the rows among every permitted id, the rows probed one by one, pages of permitted ids walked
both ways, the permissions on one object."""

import itertools
import random

import pytest
from django.contrib.auth.models import Group, Permission
from django.db.models import Q

from permissions import engine
from permissions.engine import checks
from projects.models import (
    Invoice,
    InvoiceGroupObjectPermission,
    InvoiceUserObjectPermission,
    Project,
    ProjectGroupObjectPermission,
    ProjectUserObjectPermission,
)
from tests.accounts.factories import ProgrammaticUserFactory
from tests.projects.factories import InvoiceFactory, ProjectFactory

pytestmark = pytest.mark.django_db

ACTIONS = ("view", "change", "delete")


def perm(codename: str) -> Permission:
    return Permission.objects.get(content_type__app_label="projects", codename=codename)


@pytest.fixture(params=[1, 2, 3])
def world(request):
    """30 projects with 0-3 invoices each, 3 users in overlapping groups, random grants."""
    rng = random.Random(request.param)
    projects = ProjectFactory.create_batch(30)
    invoices = [InvoiceFactory(project=p) for p in projects for _ in range(rng.randint(0, 3))]
    groups = [Group.objects.create(name=f"g{n}") for n in range(3)]
    users = [ProgrammaticUserFactory() for _ in range(4)]
    users[0].groups.add(groups[0], groups[1])
    users[1].groups.add(groups[1])
    # Model-wide: view_invoice through a group, change_project directly (and some grants).
    organisation = Group.objects.create(name="organisation")
    organisation.permissions.add(perm("view_invoice"))
    users[3].groups.add(organisation, groups[2])
    users[3].user_permissions.add(perm("change_project"))
    for _ in range(120):
        action = rng.choice(ACTIONS)
        holder = rng.choice([*users, *groups])
        is_user = not isinstance(holder, Group)
        who = {"user": holder} if is_user else {"group": holder}
        kind = rng.choice(["project", "invoice", "container"])
        if kind == "project":
            table = ProjectUserObjectPermission if is_user else ProjectGroupObjectPermission
            obj, codename = rng.choice(projects), f"{action}_project"
        elif kind == "invoice" and invoices:
            table = InvoiceUserObjectPermission if is_user else InvoiceGroupObjectPermission
            obj, codename = rng.choice(invoices), f"{action}_invoice"
        else:
            table = ProjectUserObjectPermission if is_user else ProjectGroupObjectPermission
            obj, codename = rng.choice(projects), f"{action}_invoice"
        table.objects.get_or_create(permission=perm(codename), content_object=obj, **who)
    return users


def expected_ids(model, user, action: str) -> set[int]:
    """The ORM's answer: every row for a model-wide grant (direct or through a group), else
    grants of the user or its groups, on the row or on its container."""
    codename = f"{action}_{model._meta.model_name}"
    groups = user.groups.all()
    if (user.user_permissions.filter(codename=codename).exists()
            or Permission.objects.filter(group__in=groups, codename=codename).exists()):
        return set(model.objects.values_list("pk", flat=True))
    return granted_ids(model, user, action)


def granted_ids(model, user, action: str) -> set[int]:
    """Rows granted to the user or its groups, on the row itself or on its container."""
    codename = f"{action}_{model._meta.model_name}"
    groups = user.groups.all()
    if model is Project:
        held = Q(projectuserobjectpermission__user=user,
                 projectuserobjectpermission__permission__codename=codename)
        held |= Q(projectgroupobjectpermission__group__in=groups,
                  projectgroupobjectpermission__permission__codename=codename)
    else:
        held = Q(invoiceuserobjectpermission__user=user,
                 invoiceuserobjectpermission__permission__codename=codename)
        held |= Q(invoicegroupobjectpermission__group__in=groups,
                  invoicegroupobjectpermission__permission__codename=codename)
        held |= Q(project__projectuserobjectpermission__user=user,
                  project__projectuserobjectpermission__permission__codename=codename)
        held |= Q(project__projectgroupobjectpermission__group__in=groups,
                  project__projectgroupobjectpermission__permission__codename=codename)
    return set(model.objects.filter(held).values_list("pk", flat=True))


def fresh(user, *, loaded: bool):
    """The user as a request sees it: model permissions not read yet (the engine asks for them
    inside its statements), or already read (the engine decides before building them)."""
    user = type(user).objects.get(pk=user.pk)
    if loaded:
        engine.model_permissions(user)
    return user


def walk(model, user, action: str, *, descending: bool, size: int, loaded: bool) -> list[int]:
    """Every page of permitted ids, the way the paginator reads them."""
    found, after = [], None
    order = "-pk" if descending else "pk"
    while True:
        user = fresh(user, loaded=loaded)
        rows = model.objects.all()
        if after is not None:
            rows = rows.filter(pk__lt=after) if descending else rows.filter(pk__gt=after)
        page = engine.permitted_page(rows, user, action, descending=descending, after=after,
                                     limit=size + 1)
        ids = list(page.order_by(order).values_list("pk", flat=True)[:size + 1])
        found += ids[:size]
        if len(ids) <= size:
            return found
        after = ids[size - 1]


@pytest.fixture(params=[100, 1, 0], ids=["walk", "short-walk", "no-walk"])
def walk_pages(request, monkeypatch):
    """A page of contained objects walks the table first, then falls back to the containers
    (PostgreSQL): each way is held to the same answer."""
    monkeypatch.setattr(checks, "WALK_PAGES", request.param)


@pytest.mark.parametrize("model", [Project, Invoice])
@pytest.mark.parametrize("action", ACTIONS)
def test_permitted_rows_in_every_shape_are_the_orms(world, model, action, walk_pages):
    for user, loaded in itertools.product(world, (False, True)):
        expected = expected_ids(model, user, action)
        among = set(engine.permitted(model.objects.all(), fresh(user, loaded=loaded),
                                     action).values_list("pk", flat=True))
        probed = set(engine.permitted(model.objects.all(), fresh(user, loaded=loaded), action,
                                      one=True).values_list("pk", flat=True))
        assert among == probed == expected, (user.username, model, action, loaded)
        for size in (1, 4, 50):
            assert walk(model, user, action, descending=True, size=size,
                        loaded=loaded) == sorted(expected, reverse=True)
            assert walk(model, user, action, descending=False, size=size,
                        loaded=loaded) == sorted(expected)


def test_object_permissions_are_the_orms(world):
    for user in world:
        for invoice in Invoice.objects.all():
            expected = {action for action in ACTIONS
                        if invoice.pk in granted_ids(Invoice, user, action)}
            assert engine.object_permissions(user, invoice) == {
                f"{action}_invoice" for action in expected}
        for project in Project.objects.all():
            own = set(ProjectUserObjectPermission.objects.filter(
                user=user, content_object=project).values_list("permission__codename",
                                                               flat=True))
            own |= set(ProjectGroupObjectPermission.objects.filter(
                group__in=user.groups.all(), content_object=project).values_list(
                    "permission__codename", flat=True))
            assert engine.object_permissions(user, project) == own


def test_a_permitted_queryset_works_as_a_subquery(world):
    user = world[0]
    projects = engine.permitted(Project.objects.all(), user, "view")
    invoices = Invoice.objects.filter(project__in=projects)
    assert set(invoices.values_list("pk", flat=True)) == set(
        Invoice.objects.filter(project__in=expected_ids(Project, user, "view")).values_list(
            "pk", flat=True))
