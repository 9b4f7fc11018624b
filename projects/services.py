"""Writes on projects and invoices; the creator receives view/change/delete on what it creates
in the same transaction."""

from django.db import transaction

from permissions.services import creator_permissions_grant
from projects.models import Invoice, Project


def _apply(instance, fields: dict) -> None:
    """Set `fields`, validate and save. A new row is validated whole; a stored one only in
    what changes (its other values passed validation and the database's constraints when they
    were stored), and only the changed columns are written."""
    for name, value in fields.items():
        setattr(instance, name, value)
    if instance._state.adding:
        instance.full_clean()
        instance.save()
        return
    instance.full_clean(exclude=_unchanged(instance, set(fields)))
    if fields:
        instance.save(update_fields=list(fields))


def _unchanged(instance, changed: set[str]) -> list[str]:
    """Fields validation may skip: neither changed nor sharing a constraint with a changed one
    (Django skips a constraint that names an excluded field)."""
    opts = instance._meta
    checked = set(changed)
    for constraint in opts.constraints:
        if getattr(constraint, "expressions", ()):
            return []  # a constraint over expressions: validate everything
        names = set(getattr(constraint, "fields", ()) or ())
        condition = getattr(constraint, "condition", None)
        if condition is not None:
            names |= condition.referenced_base_fields
        if names & checked:
            checked |= names
    for together in opts.unique_together:
        if set(together) & checked:
            checked |= set(together)
    return [field.name for field in opts.concrete_fields
            if field.name not in checked and field.attname not in checked]


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
