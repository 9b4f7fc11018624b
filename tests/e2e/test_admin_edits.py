"""A configurator edits a project, an invoice, a programmatic user and a token's name in the
admin; after a reload each change is there (issue 17: the admin once saved nothing)."""

import pytest

from tests.accounts.factories import PersonFactory, ProgrammaticUserFactory
from tests.conftest import PASSWORD
from tests.e2e.conftest import login
from tests.projects.factories import InvoiceFactory, ProjectFactory
from tests.tokens.factories import ApiTokenFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def save_and_reload(page, url: str) -> None:
    with page.expect_navigation():
        page.click("input[name=_save]")
    page.goto(url)


def test_edits_in_the_admin_are_saved(page, live_server):
    PersonFactory(username="root", is_staff=True, is_superuser=True)
    project = ProjectFactory(code="EDIT", name="Before")
    invoice = InvoiceFactory(number="INV-EDIT", amount="10.00")
    robot = ProgrammaticUserFactory(username="erp-sync", description="old description")
    token = ApiTokenFactory(user=robot, name="old-name")
    login(page, "root", PASSWORD)
    page.wait_for_url("**/admin/")

    url = f"/admin/projects/project/{project.pk}/change/"
    page.goto(url)
    page.fill("#id_name", "After")
    save_and_reload(page, url)
    assert page.locator("#id_name").input_value() == "After"

    url = f"/admin/projects/invoice/{invoice.pk}/change/"
    page.goto(url)
    page.fill("#id_amount", "42.00")
    save_and_reload(page, url)
    assert page.locator("#id_amount").input_value() == "42.00"

    url = f"/admin/accounts/programmaticuser/{robot.pk}/change/"
    page.goto(url)
    page.fill("#id_description", "new description")
    save_and_reload(page, url)
    assert page.locator("#id_description").input_value() == "new description"

    url = f"/admin/tokens/apitoken/{token.pk}/change/"
    page.goto(url)
    page.fill("#id_name", "new-name")
    save_and_reload(page, url)
    assert page.locator("#id_name").input_value() == "new-name"
