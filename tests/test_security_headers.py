"""A Content-Security-Policy on every page, and no-store on whatever carries a token or the log."""

import re

import pytest
from django.test import Client

from tests.conftest import client_for
from tests.tokens.factories import ApiTokenFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

POLICY = {
    "default-src": "'self'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "object-src": "'none'",
    "img-src": "'self' data:",
}
INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>")
INLINE_STYLE = re.compile(rb"<style|\sstyle=")


def directives(response) -> dict:
    header = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())


@pytest.mark.parametrize("path", ["/admin/login/", "/api/docs/", "/api/schema/", "/healthz",
                                  "/api/v1/me/", "/nothing/", "/api/v1/nothing/",
                                  "/api/docs/?script="])
def test_every_answer_carries_the_policy(path):
    assert directives(Client().get(path)) == POLICY


def test_refusals_before_any_view_carry_the_security_headers(superuser):
    from django.test import override_settings

    with override_settings(MAX_REQUEST_BODY_BYTES=1024):
        too_large = client_for(superuser).post("/api/v1/projects/", {"name": "x" * 2000},
                                                format="json")
    bad_query = client_for(superuser).get("/api/v1/projects/?search=a%00")
    for response in (too_large, bad_query):
        assert response.status_code in (400, 413)
        assert response["X-Content-Type-Options"] == "nosniff"
        assert directives(response) == POLICY


def test_the_admin_pages_carry_the_policy_and_no_inline_script(superuser, programmatic_user):
    client = client_for(superuser)
    token = ApiTokenFactory(user=programmatic_user)
    assert b"usage-chart" in client.get(
        f"/admin/accounts/programmaticuser/{programmatic_user.pk}/change/").content
    for path in ("/admin/", f"/admin/accounts/programmaticuser/{programmatic_user.pk}/change/",
                 f"/admin/tokens/apitoken/{token.pk}/change/", "/admin/audit/auditevent/",
                 f"/admin/tokens/apitoken/issue/{programmatic_user.pk}/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert directives(response) == POLICY
        assert not INLINE_SCRIPT.search(response.content), path
        assert not INLINE_STYLE.search(response.content), path


def test_the_browsable_api_alone_may_style_inline(superuser):
    client = client_for(superuser)
    page = client.get("/api/v1/projects/", HTTP_ACCEPT="text/html")
    assert page["Content-Type"].startswith("text/html")
    assert directives(page) == {**POLICY, "style-src": "'self' 'unsafe-inline'"}
    assert directives(client.get("/api/v1/projects/")) == POLICY


def test_the_docs_page_loads_its_script_and_styles_from_files():
    response = Client().get("/api/docs/")
    assert response.status_code == 200
    assert not INLINE_SCRIPT.search(response.content)
    assert not INLINE_STYLE.search(response.content)
    script = Client().get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in script.content


def test_the_token_shown_once_page_has_no_inline_script_and_is_not_stored(superuser,
                                                                           programmatic_user):
    client = Client()
    client.force_login(superuser, backend="accounts.backends.PersonalOnlyModelBackend")
    page = client.get(f"/admin/tokens/apitoken/issue/{programmatic_user.pk}/")
    nonce = re.search(rb'name="nonce" value="([^"]+)"', page.content).group(1).decode()
    response = client.post(f"/admin/tokens/apitoken/issue/{programmatic_user.pk}/",
                           {"name": "n", "expires_in_days": "30", "nonce": nonce})
    assert response.status_code == 200
    assert b'id="token-plaintext"' in response.content
    assert "no-store" in response["Cache-Control"]
    assert not INLINE_SCRIPT.search(response.content)
    assert b"copy-token.js" in response.content


def no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_audit_answers_are_not_stored(auditor_client):
    for path in ("/api/v1/audit-events/", "/api/v1/audit-events/export/?format=csv",
                 "/api/v1/audit-events/export/?format=jsonl", "/api/v1/audit-events/?token=x"):
        response = auditor_client.get(path)
        assert no_store(response), path


def test_token_answers_are_not_stored(superuser, programmatic_user):
    client = client_for(superuser)
    issued = client.post(f"/api/v1/programmatic-users/{programmatic_user.pk}/tokens/",
                         {"name": "n"}, format="json")
    assert (issued.status_code, no_store(issued)) == (201, True)
    rotated = client.post(f"/api/v1/tokens/{issued.json()['id']}/rotate/", {}, format="json")
    assert (rotated.status_code, no_store(rotated)) == (201, True)
    token = ApiTokenFactory(user=programmatic_user)
    own = Client().generic("POST", "/api/v1/me/token/rotate/",
                           HTTP_AUTHORIZATION=f"Bearer {token.plaintext}")
    assert (own.status_code, no_store(own)) == (201, True)


def test_the_admin_audit_pages_are_not_stored(superuser):
    client = client_for(superuser)
    for path in ("/admin/audit/auditevent/", "/admin/audit/auditevent/export/"):
        assert no_store(client.get(path)), path


@pytest.fixture
def auditor_client(db):
    from tests.accounts.factories import PersonFactory, group

    auditor = PersonFactory(username="auditor", is_staff=True)
    auditor.groups.add(group("Auditors"))
    return client_for(auditor)
