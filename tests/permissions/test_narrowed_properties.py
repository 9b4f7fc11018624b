"""A narrowed token reaches exactly the intersection of its user's permissions and its list
(issue 16, "Done when"): random grants of the user (model-wide, per object, on a container;
direct or through a group) and random token lists, read-only or not; every answer of the engine
compared with a brute-force computation."""

import itertools

import pytest
from django.contrib.auth.models import Group
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from permissions import engine
from permissions.engine.scope import Entry
from permissions.selectors import effective_permissions
from permissions.services import group_permission_grant, permission_grant
from projects.models import Invoice, Project
from tests.accounts.factories import ProgrammaticUserFactory
from tests.projects.factories import InvoiceFactory, ProjectFactory, give_model_perms

pytestmark = pytest.mark.django_db

PROJECT_PERMS = ("projects.view_project", "projects.change_project")
INVOICE_PERMS = ("projects.view_invoice", "projects.change_invoice")
N_PROJECTS, PER_PROJECT = 3, 2


@pytest.fixture
def books(db):
    projects = [ProjectFactory() for _ in range(N_PROJECTS)]
    invoices = [InvoiceFactory(project=p) for p in projects for _ in range(PER_PROJECT)]
    return projects, invoices


# A grant: (permission, None) model-wide, or (permission, ("project"|"invoice", index)).
project_grants = st.tuples(st.sampled_from(PROJECT_PERMS + INVOICE_PERMS),
                           st.tuples(st.just("project"), st.integers(0, N_PROJECTS - 1)))
invoice_grants = st.tuples(st.sampled_from(INVOICE_PERMS),
                           st.tuples(st.just("invoice"),
                                     st.integers(0, N_PROJECTS * PER_PROJECT - 1)))
model_grants = st.tuples(st.sampled_from(PROJECT_PERMS + INVOICE_PERMS), st.none())
grants = st.one_of(model_grants, project_grants, invoice_grants)


def _obj(books, where):
    projects, invoices = books
    if where is None:
        return None
    kind, index = where
    return projects[index] if kind == "project" else invoices[index]


def _reaches(held, permission: str, obj) -> bool:
    """Brute force: `held` (a set of (permission, object or None)) reaches `permission` on
    `obj`: model-wide, on the object, or (an invoice permission) on the invoice's project."""
    if (permission, None) in held or (permission, obj) in held:
        return True
    return isinstance(obj, Invoice) and (permission, obj.project) in held


def _expected(user_held, token_held, read_only, permission, obj) -> bool:
    if read_only and not permission.split(".")[1].startswith("view_"):
        return False
    return _reaches(user_held, permission, obj) and _reaches(token_held, permission, obj)


def _displayed(grants_shown, books) -> set:
    """What a Grants report (me/permissions, the admin page) says is reached, expanded to
    (permission, object) pairs the way the engine reads grants."""
    projects, invoices = books
    held = {(name, None) for name in grants_shown.global_perms}
    by_label = {"projects.project": {p.pk: p for p in projects},
                "projects.invoice": {i.pk: i for i in invoices}}
    for label, by_pk in grants_shown.objects.items():
        for pk, codenames in by_pk.items():
            held |= {(f"projects.{codename}", by_label[label][pk]) for codename in codenames}
    return {(permission, obj) for permission in PROJECT_PERMS for obj in projects
            if _reaches(held, permission, obj)} | {
        (permission, obj) for permission in INVOICE_PERMS for obj in invoices
        if _reaches(held, permission, obj)}


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(user_grants=st.lists(st.tuples(grants, st.booleans()), max_size=8),
       token_grants=st.lists(grants, min_size=1, max_size=6), read_only=st.booleans())
def test_a_narrowed_token_reaches_exactly_the_intersection(books, user_grants, token_grants,
                                                           read_only):
    projects, invoices = books
    user = ProgrammaticUserFactory()
    role = Group.objects.create(name=f"role-{user.pk}")
    user.groups.add(role)
    user_held = set()
    for (permission, where), through_group in user_grants:
        obj = _obj(books, where)
        if through_group and obj is None:
            give_model_perms(role, permission)
        elif through_group:
            group_permission_grant(actor=None, group=role, permission=permission, obj=obj)
        else:
            permission_grant(actor=None, user=user, permission=permission, obj=obj)
        user_held.add((permission, obj))
    token_held = {(permission, _obj(books, where)) for permission, where in token_grants}
    entries = [Entry(p) if o is None else Entry(p, o._meta.label_lower, o.pk)
               for p, o in token_held]
    base = engine.READ_ONLY if read_only else engine.FULL
    scope = base.with_entries(entries)

    def expected(permission, obj):
        return _expected(user_held, token_held, read_only, permission, obj)

    for model, perms, objects in ((Project, PROJECT_PERMS, projects),
                                  (Invoice, INVOICE_PERMS, invoices)):
        for permission in perms:
            action = permission.split(".")[1].split("_")[0]
            want = {obj.pk for obj in objects if expected(permission, obj)}
            for ask in ("list", "one", "page", "model-first"):
                request_user = type(user).objects.get(pk=user.pk)  # a fresh request's user
                engine.bind_scope(request_user, scope)
                if ask == "model-first":
                    engine.model_permissions(request_user)  # read first: the other path
                if ask == "page":
                    rows = engine.permitted_page(model.objects.all(), request_user, action,
                                                 descending=False, after=None, limit=100)
                else:
                    rows = engine.permitted(model.objects.all(), request_user, action,
                                            one=ask == "one")
                assert {row.pk for row in rows} == want, (permission, ask)
            request_user = type(user).objects.get(pk=user.pk)
            engine.bind_scope(request_user, scope)
            model_wide = engine.has_model_permission(request_user, permission)
            assert model_wide == (
                not (read_only and action != "view")
                and (permission, None) in user_held and (permission, None) in token_held)
            for obj in objects:
                answer = model_wide or engine.has_object_permission(request_user, permission,
                                                                    obj)
                assert answer == expected(permission, obj), (permission, obj.pk)

    shown = effective_permissions(user, scope)
    everything = itertools.chain(
        ((p, o) for p in PROJECT_PERMS for o in projects),
        ((p, o) for p in INVOICE_PERMS for o in invoices))
    assert _displayed(shown, books) == {(p, o) for p, o in everything if expected(p, o)}
