"""Flows 5 and 7: who can enter the admin, and who sees the programmatic users; the login
limit in the real admin."""

import time

import pytest

from accounts import lockout
from audit.models import AuditEvent
from tests.accounts.factories import PersonFactory, ProgrammaticUserFactory, group
from tests.conftest import PASSWORD
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WRONG = "Please enter the correct username and password for a staff account."
LOCKED = "Too many failed login attempts. Try again later."


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
    # Auditors read the programmatic users' pages (tests/tokens/test_user_page.py): a token
    # configurator holds neither accounts.configure_users nor audit.view_auditevent.
    helper = PersonFactory(username="helpdesk", is_staff=True)
    helper.groups.add(group("Token configurators"))

    login(page, "helpdesk", PASSWORD)
    page.wait_for_url("**/admin/")
    assert "Administration" in page.content()
    shot(page, "flow7-no-programmatic-users-entry")
    app_list = page.locator("#content-main")
    assert app_list.get_by_role("link", name="Programmatic users", exact=True).count() == 0

    response = page.goto("/admin/accounts/programmaticuser/")
    assert response.status == 403


def test_five_wrong_passwords_lock_the_admin_login_until_the_window_passes(page, shot,
                                                                           monkeypatch):
    PersonFactory(username="staffer", is_staff=True)
    now = time.time()
    monkeypatch.setattr(lockout, "clock", lambda: now)

    for number in range(5):
        login(page, "staffer", f"wrong-guess-{number}")
        assert WRONG in page.locator(".errornote").inner_text()

    login(page, "staffer", PASSWORD)  # the right password, refused while locked
    assert page.locator(".errornote").inner_text() == LOCKED
    shot(page, "login-locked-out")
    login(page, "nobody-at-all", "whatever")  # the address is locked too, for any username
    assert page.locator(".errornote").inner_text() == LOCKED
    assert page.url.endswith("/admin/login/?next=/admin/")
    assert AuditEvent.objects.filter(event="login.locked").count() == 2  # username, address

    now += 15 * 60
    login(page, "staffer", PASSWORD)
    page.wait_for_url("**/admin/")
    assert "Administration" in page.content()
