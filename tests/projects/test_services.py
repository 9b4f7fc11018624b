"""Updates validate the whole row and write only the columns that changed."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from common.errors import Invalid
from projects import services
from projects.models import Invoice, Project
from tests.accounts.factories import PersonFactory
from tests.projects.factories import InvoiceFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def test_an_update_writes_only_the_changed_columns(person):
    project = ProjectFactory(name="Old", budget=Decimal("5"))
    with CaptureQueriesContext(connection) as captured:
        services.project_update(actor=person, project=project, name="New")
    updates = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 1
    assert '"name" = ' in updates[0] and '"budget"' not in updates[0]
    project.refresh_from_db()
    assert (project.name, project.budget) == ("New", Decimal("5.00"))


def test_a_changed_value_is_still_validated(person):
    other = ProjectFactory(code="TAKEN")
    project = ProjectFactory()
    with pytest.raises(Invalid) as raised:
        services.project_update(actor=person, project=project, code="TAKEN", budget=-1)
    assert set(raised.value.fields) == {"code", "budget"}
    project.refresh_from_db()
    assert project.code != other.code and project.budget >= 0


def test_an_update_validates_the_whole_row(person):
    invoice = InvoiceFactory(currency="EUR")
    Invoice.objects.filter(pk=invoice.pk).update(currency="XYZ")  # stored behind the services
    invoice.refresh_from_db()
    with pytest.raises(Invalid) as raised:
        services.invoice_update(actor=person, invoice=invoice, status="paid")
    assert set(raised.value.fields) == {"currency"}
    invoice.refresh_from_db()
    assert invoice.status == "issued"


def test_a_new_project_is_validated_whole(person):
    with pytest.raises(Invalid) as raised:
        services.project_create(actor=PersonFactory(), code="", name="x", client="c",
                                status="active", budget=1)
    assert "code" in raised.value.fields
    assert not Project.objects.filter(name="x").exists()
