"""Lists that fit: the token list, the audit log and the programmatic users list scroll neither the
page nor the list sideways at 1400 × 1000 and at 1024 × 768, as the demo's configurator and
auditor, with the demo data and long values (a 60-character token name, a long path, a long
description and contact); the columns the README's tours name are on screen."""

import pytest

from tests.e2e import demo
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SIZES = [(1400, 1000), (1024, 768)]
TOKENS = "/admin/tokens/apitoken/"
AUDIT = "/admin/audit/auditevent/"
ROBOTS = "/admin/accounts/programmaticuser/"
PAGES = {"alice": [TOKENS, ROBOTS], "audrey": [TOKENS, AUDIT, ROBOTS]}
# Column headings each list must show whole, on screen (the "Watch" step names the first two).
HEADINGS = {TOKENS: ["Name", "Status", "Expires at", "Last used"],
            AUDIT: ["When", "Event", "Who", "Token", "Target", "Status"],
            ROBOTS: ["Username", "Accountable contact", "Last use", "Next expiry"]}
MEASURE = """() => {
  const results = document.querySelector('#changelist-form .results');
  const table = document.querySelector('#result_list');
  const headings = Array.from(table.querySelectorAll('thead th')).map(th => {
    const box = th.getBoundingClientRect();
    return [th.innerText.trim(), box.left >= 0 && box.right <= window.innerWidth];
  });
  return {page: [document.documentElement.scrollWidth, window.innerWidth],
          results: [results.scrollWidth, results.clientWidth],
          table: [table.getBoundingClientRect().right, results.getBoundingClientRect().right],
          headings: headings, rows: table.querySelectorAll('tbody tr').length};
}"""


@pytest.mark.parametrize("width, height", SIZES)
def test_the_lists_fit_the_screen_without_scrolling_sideways(browser, live_server, width, height):
    seeded = demo.seed(live_server.url)
    failures = []
    for username, paths in PAGES.items():
        context = browser.new_context(base_url=live_server.url,
                                      viewport={"width": width, "height": height})
        page = context.new_page()
        login(page, username, seeded.password)
        page.wait_for_url("**/admin/")
        for path in paths:
            page.goto(path)
            found = page.evaluate(MEASURE)
            where = f"{username} {path} at {width}×{height}"
            assert found["rows"] >= 2, where
            if found["page"][0] > found["page"][1]:
                failures.append(f"{where}: the page scrolls ({found['page']})")
            if found["results"][0] > found["results"][1]:
                failures.append(f"{where}: the list scrolls ({found['results']})")
            if found["table"][0] > found["table"][1] + 1:
                failures.append(f"{where}: the table overflows its box ({found['table']})")
            shown = {text.upper(): visible for text, visible in found["headings"]}
            for heading in HEADINGS[path]:
                if not shown.get(heading.upper()):
                    failures.append(f"{where}: column {heading!r} not on screen")
        context.close()
    assert failures == []


def test_long_values_are_cut_with_their_whole_text_in_the_title(page, live_server):
    seeded = demo.seed(live_server.url)
    login(page, "audrey", seeded.password)
    page.wait_for_url("**/admin/")
    page.goto(TOKENS)
    name = page.locator("#result_list .clip-name", has_text="nightly-export").first
    assert name.get_attribute("title") == demo.LONG_TOKEN_NAME
    assert name.evaluate("e => e.scrollWidth > e.clientWidth")  # cut, with an ellipsis
    page.goto(ROBOTS)
    contact = page.locator("#result_list .clip", has_text="warehouse.operations").first
    assert contact.get_attribute("title") == "warehouse.operations.team.lead@logistics.example.com"
    page.goto(AUDIT)
    # Statuses are coloured badges: 2xx green, 4xx amber.
    assert page.locator("#result_list .http-status-2xx").count() >= 3
    assert page.locator("#result_list .http-status-4xx").count() >= 2
    assert page.locator("#result_list .audit-kind-programmatic").count() >= 3
    breadcrumbs = page.goto(TOKENS) and page.locator(".breadcrumbs").inner_text()
    assert "API tokens › API tokens" not in breadcrumbs.replace("\xa0", " ")
