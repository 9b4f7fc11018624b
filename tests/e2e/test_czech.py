"""A Czech browser gets the admin in Czech (issue 16): the language comes from the browser's
Accept-Language, without any setting on the user's side; the copy button speaks Czech too."""

import pytest

from tests.accounts.factories import PersonFactory, ProgrammaticUserFactory
from tests.conftest import PASSWORD
from tests.e2e.conftest import login
from tests.tokens.factories import ApiTokenFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def czech_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="cs-CZ")
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


def test_a_czech_browser_gets_the_admin_in_czech(czech_page, shot):
    admin = PersonFactory(is_staff=True, is_superuser=True)
    ApiTokenFactory(user=ProgrammaticUserFactory())
    czech_page.goto("/admin/login/?next=/admin/")
    assert czech_page.locator("html").get_attribute("lang") == "cs"
    assert czech_page.locator("label[for=id_username]").inner_text() == "Uživatelské jméno:"
    login(czech_page, admin.username, PASSWORD)
    czech_page.wait_for_url("**/admin/")
    assert czech_page.locator("#dashboard h2").inner_text() == "Vyžaduje pozornost?"
    assert "tokenů nikdy nepoužito" in czech_page.locator("#dashboard").inner_text()
    assert "Programoví uživatelé" in czech_page.locator("#content").inner_text()
    shot(czech_page, "czech-admin-index")
