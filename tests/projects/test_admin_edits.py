"""Editing in the admin saves what the form changed, through the services (issue 17)."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects.models import Project
from tests.conftest import browser_for
from tests.projects.factories import InvoiceFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def change_form_data(client, url: str) -> dict:
    """The change form's current values, as the browser would send them back."""
    form = client.get(url).context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None:
            value = ""
        if isinstance(value, datetime.date):
            value = value.isoformat()
        data[name] = value
    return data


def test_editing_a_project_in_the_admin_saves_the_change(superuser):
    project = ProjectFactory(code="EDIT-1", name="Before", budget=Decimal("10.00"))
    client = browser_for(superuser)
    url = f"/admin/projects/project/{project.pk}/change/"
    data = change_form_data(client, url)
    data.update(name="After", budget="25.50")
    response = client.post(url, data)
    assert response.status_code == 302, response.content
    project.refresh_from_db()
    assert (project.name, project.budget, project.code) == ("After", Decimal("25.50"), "EDIT-1")


def test_editing_an_invoice_in_the_admin_saves_the_change(superuser):
    invoice = InvoiceFactory(number="INV-EDIT", status="draft")
    client = browser_for(superuser)
    url = f"/admin/projects/invoice/{invoice.pk}/change/"
    data = change_form_data(client, url)
    data.update(status="issued", amount="99.00")
    response = client.post(url, data)
    assert response.status_code == 302, response.content
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount) == ("issued", Decimal("99.00"))


def test_an_invalid_admin_edit_is_refused_and_nothing_is_saved(superuser):
    ProjectFactory(code="TAKEN")
    project = ProjectFactory(code="MINE", name="Mine")
    client = browser_for(superuser)
    url = f"/admin/projects/project/{project.pk}/change/"
    data = change_form_data(client, url)
    data.update(code="TAKEN", name="Renamed")
    response = client.post(url, data)
    assert response.status_code == 200
    project.refresh_from_db()
    assert (project.code, project.name) == ("MINE", "Mine")


def test_an_unchanged_admin_form_writes_nothing(superuser):
    project = ProjectFactory(code="SAME", name="Same")
    client = browser_for(superuser)
    url = f"/admin/projects/project/{project.pk}/change/"
    data = change_form_data(client, url)
    with CaptureQueriesContext(connection) as queries:
        assert client.post(url, data).status_code == 302
    table = Project._meta.db_table
    assert not [q for q in queries if q["sql"].startswith("UPDATE") and table in q["sql"]]
    project.refresh_from_db()
    assert (project.code, project.name) == ("SAME", "Same")
