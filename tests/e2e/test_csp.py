"""The Content-Security-Policy breaks nothing: the admin, its token flow and the API's docs run
under it in a real browser without one violation (each would be reported to the page)."""

import pytest

from tests.accounts.factories import PersonFactory, ProgrammaticUserFactory
from tests.conftest import PASSWORD
from tests.e2e.conftest import login
from tests.projects.factories import ProjectFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Runs before any page script (Playwright injects it; the page's policy does not apply to it).
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}`);
});
"""


@pytest.fixture
def watched(page):
    """The page, with every CSP violation and console error it meets collected."""
    console = []
    page.on("console", lambda message: message.type == "error" and console.append(message.text))
    page.add_init_script(RECORD_VIOLATIONS)
    page.console_errors = console
    return page


def violations(page) -> list[str]:
    """What the current document reported (the console's are read once, at the end)."""
    return page.evaluate("window.__violations")


def visit(page, path: str) -> list[str]:
    response = page.goto(path)
    assert response.status == 200, path
    assert "default-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_load_state("networkidle")
    return [f"{path}: {violation}" for violation in violations(page)]


def test_the_admin_and_the_api_docs_run_under_the_policy(watched, shot):
    PersonFactory(username="root", is_staff=True, is_superuser=True)
    robot = ProgrammaticUserFactory(username="erp-sync")
    project = ProjectFactory()

    login(watched, "root", PASSWORD)
    watched.wait_for_url("**/admin/")
    seen = violations(watched)
    for path in ("/admin/", f"/admin/accounts/programmaticuser/{robot.pk}/change/",
                 f"/admin/projects/project/{project.pk}/change/", "/admin/audit/auditevent/",
                 "/admin/tokens/apitoken/", f"/admin/tokens/apitoken/issue/{robot.pk}/",
                 "/api/v1/projects/"):
        seen += visit(watched, path)

    watched.goto(f"/admin/tokens/apitoken/issue/{robot.pk}/")
    watched.fill("#id_name", "csp-check")
    watched.click("input[type=submit][value='Issue token']")
    watched.click("#copy-token")  # its script is a file now: the button must still work
    watched.wait_for_function("document.getElementById('copy-status').textContent !== ''")
    assert watched.locator("#copy-status").inner_text() == "Copied."
    seen += violations(watched)

    seen += visit(watched, "/api/docs/")
    watched.wait_for_selector(".opblock-tag", timeout=15_000)  # Swagger UI rendered the schema
    assert watched.locator(".opblock").count() > 10
    shot(watched, "csp-api-docs")
    seen += violations(watched)
    seen += [text for text in watched.console_errors if "Content Security Policy" in text]
    assert seen == [], "\n".join(seen)
