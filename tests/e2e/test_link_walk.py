"""No dead ends: as the demo's configurator (alice) and auditor (audrey), starting at /admin/,
follow every same-origin link of every page reached, breadth-first, and find no 403, 404 or
500 — a link a role is shown leads to a page that role may open.

Bounded, to stay well under a minute: at most MAX_PAGES pages per role, MAX_DEPTH links away
from the index, PER_SHAPE paths of one shape (ids aside: /admin/accounts/person/N/change/) and
QUERIES_PER_PATH query strings per shape (a list's filter and sort links differ only by their
query); static files are not loaded. Skipped: logging out. Export downloads are fetched with a
plain request in the same session. Every link is a GET, which changes nothing (the write pages
ask for a POST).
"""

import re
import time
from collections import Counter, deque
from urllib.parse import urldefrag, urlsplit

import pytest

from tests.e2e import demo
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MAX_PAGES, MAX_DEPTH, PER_SHAPE, QUERIES_PER_PATH = 80, 4, 2, 2
SKIP = ("/admin/logout/",)
DOWNLOADS = ("/admin/audit/auditevent/export/",)


def walk(page, origin: str) -> tuple[list[str], int]:
    """(failures, pages visited) of a breadth-first walk from /admin/."""
    queue = deque([("/admin/", 0, "(start)")])
    seen, per_query, per_shape, failures, visited = {"/admin/"}, Counter(), Counter(), [], 0
    paths = {"/admin/"}
    while queue and visited < MAX_PAGES:
        url, depth, referrer = queue.popleft()
        path = urlsplit(url).path
        if path.startswith(DOWNLOADS):
            status = page.request.get(url, max_redirects=0).status
            if status != 200:
                failures.append(f"{status} {url} (linked from {referrer})")
            continue
        response = page.goto(url, wait_until="domcontentloaded")
        visited += 1
        status = response.status if response is not None else 0
        if status >= 400 or "/admin/login/" in page.url:
            failures.append(f"{status} {url} -> {page.url} (linked from {referrer})")
            continue
        if depth >= MAX_DEPTH:
            continue
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            href, _ = urldefrag(href)
            parts = urlsplit(href)
            if f"{parts.scheme}://{parts.netloc}" != origin or parts.path.startswith(SKIP):
                continue
            relative = parts.path + (f"?{parts.query}" if parts.query else "")
            if relative in seen:
                continue
            shape = re.sub(r"/\d+/", "/N/", parts.path)
            if parts.query:
                if per_query[shape] >= QUERIES_PER_PATH:
                    continue
                per_query[shape] += 1
            elif parts.path not in paths:
                if per_shape[shape] >= PER_SHAPE:
                    continue
                per_shape[shape] += 1
                paths.add(parts.path)
            seen.add(relative)
            queue.append((relative, depth + 1, url))
    return failures, visited


def test_no_link_shown_to_the_configurator_or_the_auditor_is_a_dead_end(browser, live_server):
    seeded = demo.seed(live_server.url)
    started = time.monotonic()
    report = {}
    for username in ("alice", "audrey"):
        context = browser.new_context(base_url=live_server.url)
        context.set_default_timeout(15_000)
        context.route("**/static/**", lambda route: route.abort())
        page = context.new_page()
        login(page, username, seeded.password)
        page.wait_for_url("**/admin/")
        report[username] = walk(page, live_server.url)
        context.close()
    for username, (failures, visited) in report.items():
        assert visited >= 25, (username, visited)  # it did walk the site
        assert failures == [], username
    assert time.monotonic() - started < 60
