import pytest

from tests.accounts.factories import group
from tests.conftest import browser_for

pytestmark = pytest.mark.django_db


def _sections(response):
    return [(app["name"], [m["name"] for m in app["models"]])
            for app in response.context["app_list"]]


def test_the_index_puts_the_product_pages_first_in_the_order_people_look_for_them(superuser):
    sections = _sections(browser_for(superuser).get("/admin/"))
    name, models = sections[0]
    assert name == "Programmatic access"
    assert models[:2] == ["People", "Programmatic users"]
    assert all("People" not in m and "Programmatic users" not in m for _, m in sections[1:])


def test_a_section_shows_only_what_the_user_may_see(configurator, person):
    sections = _sections(browser_for(configurator).get("/admin/"))
    assert sections[0] == ("Programmatic access", ["People", "Programmatic users"])


def test_an_auditor_sees_the_audit_log_and_programmatic_users_but_no_people(db):
    from tests.accounts.factories import PersonFactory

    auditor = PersonFactory(username="audrey", is_staff=True)
    auditor.groups.add(group("Auditors"))
    name, models = _sections(browser_for(auditor).get("/admin/"))[0]
    assert name == "Programmatic access"
    assert models == ["Programmatic users", "API tokens", "Audit events"]
