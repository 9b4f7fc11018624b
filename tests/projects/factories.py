import datetime
from decimal import Decimal

import factory
from django.contrib.auth.models import Group, Permission
from guardian.shortcuts import assign_perm

from projects.models import Invoice, Project


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    code = factory.Sequence(lambda n: f"PRJ-{n:04d}")
    name = factory.Sequence(lambda n: f"Project {n}")
    client = "ACME"
    status = Project.Status.ACTIVE
    budget = Decimal("1000.00")


class InvoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invoice

    project = factory.SubFactory(ProjectFactory)
    number = factory.Sequence(lambda n: f"INV-{n:05d}")
    amount = Decimal("250.00")
    currency = "EUR"
    issued_on = datetime.date(2025, 1, 15)
    status = Invoice.Status.ISSUED


def model_perm(name: str) -> Permission:
    app_label, codename = name.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def give_model_perms(holder, *names: str) -> None:
    """Organisation-wide permissions for a user or a group."""
    target = holder.permissions if isinstance(holder, Group) else holder.user_permissions
    target.add(*(model_perm(name) for name in names))


def give_object_perms(holder, obj, *codenames: str) -> None:
    """Per-object permissions for a user or a group (through guardian's own shortcut)."""
    for codename in codenames:
        assign_perm(codename, holder, obj)
