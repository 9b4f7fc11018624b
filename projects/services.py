"""Writes on projects and invoices; the creator receives view/change/delete on what it creates
in the same transaction."""

from django.db import transaction

from common.errors import full_clean
from permissions.services import creator_permissions_grant
from projects.models import Invoice, Project


def _apply(instance, fields: dict) -> None:
    """Set `fields`, validate the whole row, and save: a new row whole, a stored one only in the
    columns that changed (an update of nothing writes nothing)."""
    for name, value in fields.items():
        setattr(instance, name, value)
    adding = instance._state.adding
    if not adding and not fields:
        return
    full_clean(instance)
    if adding:
        instance.save()
    else:
        instance.save(update_fields=list(fields))


@transaction.atomic
def project_create(*, actor, request=None, **fields) -> Project:
    """Create a project; `actor` receives view/change/delete on it."""
    project = Project()
    _apply(project, fields)
    creator_permissions_grant(user=actor, obj=project, request=request)
    return project


@transaction.atomic
def project_update(*, actor, project: Project, request=None, **fields) -> Project:
    """Change a project's fields."""
    _apply(project, fields)
    return project


@transaction.atomic
def project_delete(*, actor, project: Project, request=None) -> None:
    """Delete a project, its invoices and every permission on them."""
    project.delete()


@transaction.atomic
def invoice_create(*, actor, request=None, **fields) -> Invoice:
    """Create an invoice; `actor` receives view/change/delete on it."""
    invoice = Invoice()
    _apply(invoice, fields)
    creator_permissions_grant(user=actor, obj=invoice, request=request)
    return invoice


@transaction.atomic
def invoice_update(*, actor, invoice: Invoice, request=None, **fields) -> Invoice:
    """Change an invoice's fields."""
    _apply(invoice, fields)
    return invoice


@transaction.atomic
def invoice_delete(*, actor, invoice: Invoice, request=None) -> None:
    """Delete an invoice and every permission on it."""
    invoice.delete()
