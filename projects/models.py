"""The sample business data integrations reach, each protected by per-object permissions.

Object permissions use guardian's direct foreign-key tables (one user and one group table per
protected model) rather than its generic ones: real foreign keys, and an index leading with
(holder, permission, object) so "which objects may this user view" is an index-only lookup.
"""

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from accounts.managers import personal_q
from permissions.models import ContainerPermissionMixin
from projects.validators import validate_currency

code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9._-]*$", "Letters, digits, '.', '_' and '-', starting with a letter "
    "or digit."
)


class Project(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        ACTIVE = "active", _("Active")
        ON_HOLD = "on_hold", _("On hold")
        CLOSED = "closed", _("Closed")

    code = models.CharField(_("code"), max_length=32, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=200)
    client = models.CharField(_("client"), max_length=200, blank=True)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="managed_projects", limit_choices_to=personal_q, verbose_name=_("manager"),
        help_text=_("An active personal user (programmatic users cannot manage projects)."),
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices,
                              default=Status.PLANNED)
    budget = models.DecimalField(_("budget"),
        max_digits=14, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        constraints = [
            models.CheckConstraint(condition=models.Q(budget__gte=0),
                                   name="projects_project_budget_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Invoice(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ISSUED = "issued", _("Issued")
        PAID = "paid", _("Paid")
        CANCELLED = "cancelled", _("Cancelled")

    # The (project, id) index below serves the foreign key and a page of a project's invoices.
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="invoices",
                                db_index=False, verbose_name=_("project"))
    number = models.CharField(_("number"), max_length=32, unique=True, validators=[code_validator])
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2,
                                 validators=[MinValueValidator(0)])
    currency = models.CharField(_("currency"), max_length=3, validators=[validate_currency])
    issued_on = models.DateField(_("issued on"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices,
                              default=Status.DRAFT)

    # A grant of an invoice permission on a project covers every invoice of that project,
    # present and future (permissions.registry).
    permission_container = "project"

    class Meta:
        ordering = ["-id"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gte=0),
                                   name="projects_invoice_amount_not_negative"),
        ]
        indexes = [models.Index(fields=["project", "id"], name="projects_invoice_project_id")]

    def __str__(self) -> str:
        return f"Invoice {self.number}"


class ProjectUserObjectPermission(ContainerPermissionMixin, UserObjectPermissionBase):
    # The unique constraint's index leads with user: a second index on user alone is
    # redundant, and would tempt the planner away from the index-only scan.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, db_index=False)
    content_object = models.ForeignKey(Project, on_delete=models.CASCADE)

    class Meta:
        verbose_name = _("project permission of a user")
        constraints = [
            models.UniqueConstraint(fields=["user", "permission", "content_object"],
                                    name="projects_projectuserperm_unique"),
        ]


class ProjectGroupObjectPermission(ContainerPermissionMixin, GroupObjectPermissionBase):
    # The unique constraint's index leads with group: a second index on group alone is
    # redundant, and would tempt the planner away from the index-only scan.
    group = models.ForeignKey(Group, on_delete=models.CASCADE, db_index=False)
    content_object = models.ForeignKey(Project, on_delete=models.CASCADE)

    class Meta:
        verbose_name = _("project permission of a group")
        constraints = [
            models.UniqueConstraint(fields=["group", "permission", "content_object"],
                                    name="projects_projectgroupperm_unique"),
        ]


class InvoiceUserObjectPermission(UserObjectPermissionBase):
    # The unique constraint's index leads with user: a second index on user alone is
    # redundant, and would tempt the planner away from the index-only scan.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, db_index=False)
    content_object = models.ForeignKey(Invoice, on_delete=models.CASCADE)

    class Meta:
        verbose_name = _("invoice permission of a user")
        constraints = [
            models.UniqueConstraint(fields=["user", "permission", "content_object"],
                                    name="projects_invoiceuserperm_unique"),
        ]


class InvoiceGroupObjectPermission(GroupObjectPermissionBase):
    # The unique constraint's index leads with group: a second index on group alone is
    # redundant, and would tempt the planner away from the index-only scan.
    group = models.ForeignKey(Group, on_delete=models.CASCADE, db_index=False)
    content_object = models.ForeignKey(Invoice, on_delete=models.CASCADE)

    class Meta:
        verbose_name = _("invoice permission of a group")
        constraints = [
            models.UniqueConstraint(fields=["group", "permission", "content_object"],
                                    name="projects_invoicegroupperm_unique"),
        ]
