"""Never a 500 page or HTML from /api/: Django's own error answers are JSON there, with the
request id; HTML everywhere else. Every API error body carries the request id."""

import json
import logging

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory, override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from config import error_views
from config.admin import ProductAdminSite
from tests.conftest import api_error, client_for
from tests.tokens.factories import ApiTokenFactory
from tokens.api import MeView

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    """The leak report's throttle counts per address in the cache: each test starts at zero."""
    cache.clear()
    yield
    cache.clear()

SERVER_ERROR = {"detail": "Server error.", "code": "server_error"}
NOT_FOUND = {"detail": "Not found.", "code": "not_found"}


def raw_client(user=None) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user, backend="accounts.backends.PersonalOnlyModelBackend")
    return client


def is_html(response) -> bool:
    return response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("path", ["/api/v2/anything/", "/api/schema/nothing", "/api/",
                                  "/api/docs/nothing/"])
def test_an_unknown_api_address_is_a_json_404_with_the_request_id(path):
    response = raw_client().get(path)
    assert (response.status_code, api_error(response)) == (404, NOT_FOUND)


def test_an_unknown_address_elsewhere_is_an_html_404():
    response = raw_client().get("/nothing-here/")
    assert response.status_code == 404
    assert is_html(response)


@pytest.fixture
def broken_me(monkeypatch):
    """`GET me/` raises an exception nobody handles, with a secret in its message."""

    def boom(self, request):
        raise RuntimeError("boom: the secret connection string")

    monkeypatch.setattr(MeView, "get", boom)


def test_an_unhandled_exception_under_api_is_a_json_500_logged_once(superuser, broken_me,
                                                                    caplog):
    caplog.set_level(logging.ERROR)
    response = raw_client(superuser).get("/api/v1/me/")
    assert (response.status_code, api_error(response)) == (500, SERVER_ERROR)
    assert b"secret" not in response.content and b"Traceback" not in response.content
    logged = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert len(logged) == 1
    assert logged[0].exc_info is not None
    assert "boom: the secret connection string" in str(logged[0].exc_info[1])
    assert "/api/v1/me/" in logged[0].getMessage()


def test_a_token_request_that_fails_unexpectedly_still_leaves_its_usage_event(
        programmatic_user, broken_me):
    from audit.models import AuditEvent

    token = ApiTokenFactory(user=programmatic_user)
    response = raw_client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {token.plaintext}")
    assert response.status_code == 500
    event = AuditEvent.objects.get(event="token.used")
    assert (event.status, event.request_id) == (500, response["X-Request-ID"])


def test_an_unhandled_exception_in_the_admin_is_an_html_500(superuser, monkeypatch):
    def boom(self, request, app_label=None):
        raise RuntimeError("boom")

    monkeypatch.setattr(ProductAdminSite, "get_app_list", boom)
    response = raw_client(superuser).get("/admin/")
    assert response.status_code == 500
    assert is_html(response)
    assert b"boom" not in response.content


@override_settings(ALLOWED_HOSTS=["testserver"])
def test_a_bad_request_under_api_is_json_400_and_html_elsewhere():
    response = raw_client().get("/api/v1/me/", HTTP_HOST="evil.example")
    assert (response.status_code, api_error(response)) == (
        400, {"detail": "Bad request.", "code": "bad_request"})
    response = raw_client().get("/admin/login/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert is_html(response)


def test_too_many_query_parameters_are_a_json_400(superuser):
    query = "&".join(f"p{n}=1" for n in range(1500))
    response = raw_client(superuser).get(f"/api/v1/projects/?{query}")
    assert (response.status_code, api_error(response)) == (
        400, {"detail": "Bad request.", "code": "bad_request"})


def _request(path: str):
    request = RequestFactory().get(path)
    request.audit = type("Audit", (), {"request_id": "req-1"})()
    return request


def test_django_403_and_csrf_failures_are_json_under_api_and_html_elsewhere():
    denied = error_views.permission_denied(_request("/api/v1/x/"), PermissionDenied())
    assert denied.status_code == 403
    assert json.loads(denied.content) == {
        "detail": "You do not have permission to perform this action.",
        "code": "permission_denied", "request_id": "req-1"}
    csrf = error_views.csrf_failure(_request("/api/v1/x/"), reason="CSRF cookie not set.")
    assert csrf.status_code == 403
    assert json.loads(csrf.content) == {"detail": "CSRF Failed: CSRF cookie not set.",
                           "code": "permission_denied", "request_id": "req-1"}
    assert is_html(error_views.permission_denied(_request("/admin/x/"), PermissionDenied()))
    assert is_html(error_views.csrf_failure(_request("/admin/x/"), reason="x"))


def test_the_admin_without_a_csrf_token_is_still_djangos_html_403(superuser):
    client = Client(enforce_csrf_checks=True)
    client.force_login(superuser, backend="accounts.backends.PersonalOnlyModelBackend")
    response = client.post("/admin/logout/")
    assert response.status_code == 403
    assert is_html(response)


def test_a_session_write_without_csrf_under_api_is_a_json_403(superuser):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(superuser, backend="accounts.backends.PersonalOnlyModelBackend")
    response = client.post("/api/v1/projects/", {}, format="json")
    assert response.status_code == 403
    assert api_error(response)["code"] == "permission_denied"


@override_settings(MAX_REQUEST_BODY_BYTES=1024)
def test_the_body_size_limit_answer_carries_the_request_id(superuser):
    response = client_for(superuser).post("/api/v1/projects/", {"name": "x" * 2000},
                                          format="json")
    assert (response.status_code, api_error(response)) == (413, {
        "detail": "Request body too large (limit 1024 bytes).", "code": "request_too_large"})


def test_every_kind_of_api_error_carries_the_request_id(superuser, person, programmatic_user):
    token = ApiTokenFactory(user=programmatic_user, expires_at=timezone.now())
    answers = {
        401: raw_client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {token.plaintext}"),
        403: client_for(person).get("/api/v1/programmatic-users/"),
        404: client_for(superuser).get("/api/v1/projects/424242/"),
        405: client_for(superuser).delete("/api/v1/me/"),
        406: client_for(superuser).get("/api/v1/me/", HTTP_ACCEPT="application/xml"),
        415: client_for(superuser).generic("POST", "/api/v1/projects/", b"x",
                                           content_type="text/plain"),
    }
    for status, response in answers.items():
        assert response.status_code == status
        body = response.json()
        assert body["request_id"] == response["X-Request-ID"], status
        assert set(body) == {"detail", "code", "request_id"}, status


def test_a_well_formed_incoming_request_id_is_the_one_in_the_error_body(superuser):
    response = client_for(superuser).get("/api/v1/projects/424242/",
                                         HTTP_X_REQUEST_ID="trace-42")
    assert response.json()["request_id"] == "trace-42" == response["X-Request-ID"]
