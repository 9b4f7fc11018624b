"""Flows 5 and 7: who can enter the admin, and who sees the programmatic users."""

import pytest

from tests.accounts.factories import PersonFactory, ProgrammaticUserFactory, group
from tests.conftest import PASSWORD
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WRONG = "Please enter the correct username and password for a staff account."


def test_flow5_programmatic_user_and_non_staff_person_cannot_log_in(page, shot):
    PersonFactory(username="staffer", is_staff=True)
    PersonFactory(username="plain")
    ProgrammaticUserFactory(username="robot")

    login(page, "staffer", "a-wrong-password")
    assert WRONG in page.locator(".errornote").inner_text()

    login(page, "robot", "anything-at-all")
    assert WRONG in page.locator(".errornote").inner_text()
    shot(page, "flow5-programmatic-login-refused")

    login(page, "plain", PASSWORD)
    assert WRONG in page.locator(".errornote").inner_text()
    assert page.url.endswith("/admin/login/?next=/admin/")


def test_flow7_without_configure_users_no_programmatic_users_entry(page, shot, live_server):
    helper = PersonFactory(username="helpdesk", is_staff=True)
    helper.groups.add(group("Auditors"))

    login(page, "helpdesk", PASSWORD)
    page.wait_for_url("**/admin/")
    assert "Administration" in page.content()
    shot(page, "flow7-no-programmatic-users-entry")
    app_list = page.locator("#content-main")
    assert app_list.get_by_role("link", name="Programmatic users", exact=True).count() == 0

    response = page.goto("/admin/accounts/programmaticuser/")
    assert response.status == 403
