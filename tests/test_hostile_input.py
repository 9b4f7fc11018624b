"""Hostile input: deep JSON, ids that are not ids, huge lists, NUL bytes, surrogates, forms.

Each attack answers a 400 (or 415) JSON body naming what was wrong, before any per-item work,
and never a 500 or an HTML page.
"""

import base64
import json
import time

import pytest
from django.core.cache import cache
from django.test import Client

from accounts.models import User
from audit.models import AuditEvent
from common.fields import TOO_MANY_ITEMS
from common.ids import INVALID_ID, MAX_ID
from common.parsers import MAX_DEPTH, NULL_CHARACTER, SURROGATE_CHARACTER, TOO_DEEP
from tests.conftest import api_error, client_for
from tests.projects.factories import InvoiceFactory, ProjectFactory
from tests.tokens.factories import ApiTokenFactory
from tokens.models import ApiToken

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    """The leak report's throttle counts per address in the cache: each test starts at zero."""
    cache.clear()
    yield
    cache.clear()

TOO_BIG = str(MAX_ID + 1)
HUGE = "9" * 27
NOT_ASCII = ["²", "١٢", "１２", "1_0", " 12", "12 ", "+12", "-1", "1.0", "0x1f"]


@pytest.fixture
def token(programmatic_user):
    return ApiTokenFactory(user=programmatic_user)


def raw_client() -> Client:
    """A client that shows the server's answer to an exception instead of raising it."""
    return Client(raise_request_exception=False)


def post_json(client, path: str, body: str, **extra):
    return client.generic("POST", path, body, content_type="application/json", **extra)


# --- JSON nesting -------------------------------------------------------------------------------

def test_fifty_thousand_brackets_to_the_anonymous_leak_report_answer_400_json():
    """The reproduction: DRF's JSON parser let RecursionError through as an HTML 500."""
    response = post_json(raw_client(), "/api/v1/tokens/revoke-leaked/", "[" * 50_000)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert api_error(response) == {"detail": TOO_DEEP, "code": "parse_error"}


@pytest.mark.parametrize("opener", ["[", '{"a":'])
def test_nesting_deeper_than_the_limit_is_refused_well_formed_or_not(superuser, opener):
    closer = "]" if opener == "[" else "}"
    deep = opener * (MAX_DEPTH + 1) + "1" + closer * (MAX_DEPTH + 1)
    response = post_json(client_for(superuser), "/api/v1/projects/", deep)
    assert (response.status_code, api_error(response)) == (
        400, {"detail": TOO_DEEP, "code": "parse_error"})


def test_nesting_at_the_limit_reaches_the_serializer(superuser):
    deep = "[" * (MAX_DEPTH - 1) + "1" + "]" * (MAX_DEPTH - 1)
    body = '{"code": ' + deep + "}"
    response = post_json(client_for(superuser), "/api/v1/projects/", body)
    assert response.status_code == 400
    assert api_error(response)["code"] == ["Not a valid string."]


def test_brackets_inside_strings_do_not_count_as_nesting(superuser):
    brackets = "[{" * 5000
    body = json.dumps({"code": "X-1", "name": brackets[:200], "client": "c", "budget": "1"})
    response = post_json(client_for(superuser), "/api/v1/projects/", body)
    assert response.status_code == 201, response.content


def test_a_deep_body_is_refused_quickly():
    started = time.perf_counter()
    response = post_json(raw_client(), "/api/v1/tokens/revoke-leaked/", "[" * 1_000_000)
    assert response.status_code == 400
    assert time.perf_counter() - started < 2


# --- Ids in query filters -----------------------------------------------------------------------

@pytest.mark.parametrize("value", ["²", HUGE, TOO_BIG, *NOT_ASCII, "", "0"])
def test_a_token_list_user_filter_that_is_not_an_id_is_400_naming_it(superuser, value):
    """The reproductions: "²" passed str.isdigit() (500), 27 digits overflowed SQLite (500)."""
    response = raw_client_for(superuser).get("/api/v1/tokens/", {"user": value})
    assert (response.status_code, api_error(response)) == (400, {"user": [INVALID_ID]})


def test_the_largest_id_is_a_valid_filter(superuser, token):
    response = client_for(superuser).get("/api/v1/tokens/", {"user": str(MAX_ID)})
    assert (response.status_code, response.json()["results"]) == (200, [])
    response = client_for(superuser).get("/api/v1/tokens/", {"user": str(token.user_id)})
    assert [row["id"] for row in response.json()["results"]] == [token.pk]


@pytest.mark.parametrize("value", ["²", HUGE, TOO_BIG, "١", "-1", "0"])
def test_an_audit_token_filter_that_is_not_an_id_is_400_naming_it(superuser, value):
    for path in ("/api/v1/audit-events/", "/api/v1/audit-events/export/"):
        response = raw_client_for(superuser).get(path, {"token": value})
        assert (response.status_code, api_error(response)) == (400, {"token": [INVALID_ID]})


def raw_client_for(user):
    client = client_for(user)
    client.raise_request_exception = False
    return client


# --- Ids in bodies ------------------------------------------------------------------------------

def project_body(**fields) -> dict:
    return {"code": "HOST-1", "name": "n", "client": "c", "budget": "1", **fields}


@pytest.mark.parametrize("value", [int(HUGE), MAX_ID + 1, HUGE, "²", "١", "1_0", True, 1.0, 0,
                                   -1, [1], {"id": 1}])
def test_a_project_manager_that_is_not_an_id_is_400_naming_it(superuser, value):
    response = client_for(superuser).post("/api/v1/projects/", project_body(manager=value),
                                          format="json")
    assert (response.status_code, api_error(response)) == (400, {"manager": [INVALID_ID]})


def test_a_project_manager_in_ascii_digits_is_still_read(superuser, person):
    response = client_for(superuser).post("/api/v1/projects/",
                                          project_body(manager=str(person.pk)), format="json")
    assert (response.status_code, response.json()["manager"]) == (201, person.pk)


@pytest.mark.parametrize("value", [int(HUGE), HUGE, "²", True, 0])
def test_an_invoice_project_that_is_not_an_id_is_400_naming_it(superuser, value):
    body = {"project": value, "number": "INV-1", "amount": "1", "currency": "EUR",
            "issued_on": "2025-01-01"}
    response = client_for(superuser).post("/api/v1/invoices/", body, format="json")
    assert (response.status_code, api_error(response)) == (400, {"project": [INVALID_ID]})


@pytest.mark.parametrize("value", [int(HUGE), HUGE, "²", True, 1.5, 0])
def test_a_grant_object_id_that_is_not_an_id_is_400_naming_it(superuser, programmatic_user,
                                                               value):
    body = {"permission": "projects.view_project",
            "object": {"type": "projects.project", "id": value}}
    response = client_for(superuser).post(
        f"/api/v1/programmatic-users/{programmatic_user.pk}/permissions/", body, format="json")
    assert (response.status_code, api_error(response)) == (
        400, {"object": {"id": [INVALID_ID]}})


# --- Ids in paths -------------------------------------------------------------------------------

# (address, the name the schema gives its id)
ID_PATHS = [
    ("/api/v1/projects/{id}/", "id"), ("/api/v1/invoices/{id}/", "id"),
    ("/api/v1/tokens/{id}/", "id"), ("/api/v1/tokens/{id}/revoke/", "id"),
    ("/api/v1/tokens/{id}/rotate/", "id"), ("/api/v1/programmatic-users/{id}/", "id"),
    ("/api/v1/programmatic-users/{id}/tokens/", "user_id"),
    ("/api/v1/programmatic-users/{id}/permissions/", "user_id"),
    ("/api/v1/programmatic-users/{id}/permission-usage/", "user_id"),
]


def request_each(client, template: str, values: list[str]):
    """(address, answer) for `template` with each value as its id (POST for the actions)."""
    method = "post" if template.endswith(("revoke/", "rotate/")) else "get"
    for value in values:
        path = template.format(id=value)
        yield path, getattr(client, method)(path)


@pytest.mark.parametrize(("template", "name"), ID_PATHS)
def test_a_path_id_beyond_64_bits_is_400_naming_it(superuser, template, name):
    client = raw_client_for(superuser)
    for path, response in request_each(client, template, [TOO_BIG, HUGE, "0" + TOO_BIG, "0"]):
        assert (response.status_code, api_error(response)) == (400, {name: [INVALID_ID]}), path


@pytest.mark.parametrize("template", [template for template, _ in ID_PATHS])
def test_a_path_that_is_not_an_id_at_all_stays_a_json_404(superuser, template):
    client = raw_client_for(superuser)
    for path, response in request_each(client, template, ["abc", "²", "%C2%B2", "1.0", "-1"]):
        assert (response.status_code, api_error(response)) == (
            404, {"detail": "Not found.", "code": "not_found"}), path


def test_the_largest_id_in_a_path_is_a_plain_404(superuser):
    response = client_for(superuser).get(f"/api/v1/projects/{MAX_ID}/")
    assert response.status_code == 404


ADMIN_ID_PATHS = [
    "/admin/projects/project/{id}/change/", "/admin/projects/project/{id}/permissions/",
    "/admin/projects/project/{pk}/permissions/user-manage/{id}/",
    "/admin/projects/project/{pk}/permissions/group-manage/{id}/",
    "/admin/projects/invoice/{id}/change/", "/admin/tokens/apitoken/{id}/change/",
    "/admin/tokens/apitoken/{id}/revoke/", "/admin/tokens/apitoken/issue/{id}/",
    "/admin/accounts/programmaticuser/{id}/change/",
    "/admin/accounts/programmaticuser/{id}/effective-permissions/",
    "/admin/audit/auditevent/{id}/change/",
]


def test_admin_addresses_with_ids_that_are_not_ids_never_fail(superuser):
    """guardian's object-permission pages looked up "abc" as a number: 500."""
    project = ProjectFactory()
    client = raw_client_for(superuser)
    for template in ADMIN_ID_PATHS:
        for value in (TOO_BIG, HUGE, "abc", "²", "0"):
            path = template.format(id=value, pk=project.pk)
            response = client.get(path)
            assert response.status_code in (302, 404), path
            if response.status_code == 404:
                assert response["Content-Type"].startswith("text/html"), path


# --- Lists and strings --------------------------------------------------------------------------

def test_a_hundred_thousand_groups_are_refused_before_any_is_looked_up(
        superuser, django_assert_max_num_queries):
    """The reproduction: 100,000 names were each looked up and answered with 100,000 messages."""
    body = {"username": "many-groups", "contact_email": "owner@example.com",
            "groups": ["x"] * 100_000}
    client = client_for(superuser)
    started = time.perf_counter()
    with django_assert_max_num_queries(4):  # the session, the user, savepoints: no group query
        response = client.post("/api/v1/programmatic-users/", body, format="json")
    assert time.perf_counter() - started < 1
    assert (response.status_code, api_error(response)) == (
        400, {"groups": [TOO_MANY_ITEMS.format(max_length=100)]})
    assert not User.objects.filter(username="many-groups").exists()


def test_a_hundred_groups_are_still_accepted(superuser):
    body = {"username": "hundred", "contact_email": "owner@example.com",
            "groups": ["Auditors"] * 100}
    response = client_for(superuser).post("/api/v1/programmatic-users/", body, format="json")
    assert (response.status_code, response.json()["groups"]) == (201, ["Auditors"])


def test_too_many_allowed_networks_are_refused_before_any_is_parsed(superuser,
                                                                    programmatic_user):
    body = {"name": "n", "allowed_ips": ["x"] * 100_000}
    response = client_for(superuser).post(
        f"/api/v1/programmatic-users/{programmatic_user.pk}/tokens/", body, format="json")
    assert (response.status_code, api_error(response)) == (
        400, {"allowed_ips": [TOO_MANY_ITEMS.format(max_length=50)]})
    assert not ApiToken.objects.exists()


def test_an_over_long_leak_report_is_refused():
    response = post_json(raw_client(), "/api/v1/tokens/revoke-leaked/",
                         json.dumps({"token": "pgu_" + "a" * 100_000}))
    assert (response.status_code, api_error(response)) == (
        400, {"token": ["Ensure this field has no more than 512 characters."]})


@pytest.mark.parametrize(("body", "field", "message"), [
    ('{"username": "a\\u0000b", "contact_email": "o@example.com"}', "username", NULL_CHARACTER),
    ('{"username": "a\\ud800b", "contact_email": "o@example.com"}', "username",
     SURROGATE_CHARACTER),
    ('{"username": "ab", "contact_email": "o@example.com", "groups": ["x\\udfff"]}', "groups",
     SURROGATE_CHARACTER),
    ('{"username\\u0000": "ab"}', "non_field_errors", NULL_CHARACTER),
    ('{"\\ud800": 1}', "non_field_errors", SURROGATE_CHARACTER),
])
def test_nul_and_lone_surrogates_in_a_body_are_400_naming_the_field(superuser, body, field,
                                                                     message):
    response = post_json(raw_client_for(superuser), "/api/v1/programmatic-users/", body)
    assert (response.status_code, api_error(response)) == (400, {field: [message]})


def test_a_surrogate_in_an_unknown_field_name_is_400_not_500(superuser, token):
    """The strict serializers echo unknown field names: a surrogate could not be encoded."""
    response = post_json(raw_client_for(superuser), f"/api/v1/tokens/{token.pk}/revoke/",
                         '{"x\\ud800": 1}')
    assert (response.status_code, api_error(response)) == (
        400, {"non_field_errors": [SURROGATE_CHARACTER]})


@pytest.mark.parametrize("path", ["/api/v1/users/", "/api/v1/projects/", "/api/v1/audit-events/"])
@pytest.mark.parametrize("param", ["search", "actor", "ordering", "anything"])
def test_a_nul_in_a_query_parameter_is_400_naming_it(superuser, path, param):
    response = raw_client_for(superuser).get(f"{path}?{param}=a%00b")
    assert (response.status_code, api_error(response)) == (400, {param: [NULL_CHARACTER]})


def test_an_over_long_query_parameter_is_400_naming_it(superuser):
    response = raw_client_for(superuser).get("/api/v1/projects/", {"search": "a " * 1000})
    assert (response.status_code, api_error(response)) == (
        400, {"search": ["Ensure this value has at most 1000 characters."]})


def cursor(query: str) -> str:
    return base64.b64encode(query.encode()).decode()


@pytest.mark.parametrize("path", ["/api/v1/projects/", "/api/v1/tokens/",
                                  "/api/v1/audit-events/", "/api/v1/programmatic-users/",
                                  "/api/v1/projects/?ordering=code"])
def test_a_forged_cursor_is_the_invalid_cursor_404(superuser, path):
    """p=abc (a position that is not a number) reached the database as one: 500."""
    ProjectFactory()
    client = raw_client_for(superuser)
    forged = ["p=abc", "p=" + HUGE, "p=%00", "p=" + "9" * 300, "p=1.5"]
    if "ordering=code" in path:
        forged = ["p=%00", "p=" + "x" * 300]
    for query in forged:
        response = client.get(path, {"cursor": cursor(query)})
        assert (response.status_code, api_error(response)) == (
            404, {"detail": "Invalid cursor", "code": "not_found"}), query


def test_a_genuine_cursor_still_pages(superuser):
    ProjectFactory.create_batch(3)
    client = client_for(superuser)
    first = client.get("/api/v1/projects/?page_size=2").json()
    second = client.get(first["next"]).json()
    assert len(first["results"]) == 2 and len(second["results"]) == 1


# --- Headers we record --------------------------------------------------------------------------

def test_a_nul_or_a_surrogate_in_the_user_agent_is_recorded_escaped(token):
    response = raw_client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {token.plaintext}",
                                HTTP_USER_AGENT="curl\x00/8\ud800x", HTTP_X_REQUEST_ID="bad\x00id")
    assert response.status_code == 200
    event = AuditEvent.objects.get(event="token.used")
    assert event.user_agent == "curl\\x00/8\\ud800x"
    assert event.request_id == response["X-Request-ID"] != "bad\x00id"


# --- Media types --------------------------------------------------------------------------------

def test_a_form_encoded_body_is_415_json(superuser):
    """The reproduction: a form-encoded body was accepted on the JSON API."""
    client = client_for(superuser)
    response = client.post("/api/v1/programmatic-users/",
                           "username=form-made&contact_email=o%40example.com",
                           content_type="application/x-www-form-urlencoded")
    assert (response.status_code, api_error(response)) == (415, {
        "detail": 'Unsupported media type "application/x-www-form-urlencoded" in request.',
        "code": "unsupported_media_type"})
    assert not User.objects.filter(username="form-made").exists()


@pytest.mark.parametrize("content_type", ["multipart/form-data; boundary=BoUnDaRy",
                                          "text/plain", "application/xml"])
def test_other_media_types_are_415(superuser, content_type):
    response = client_for(superuser).generic("POST", "/api/v1/projects/", b"x",
                                             content_type=content_type)
    assert response.status_code == 415
    assert api_error(response)["code"] == "unsupported_media_type"


def test_json_with_a_charset_is_still_json(superuser):
    response = client_for(superuser).generic(
        "POST", "/api/v1/projects/", json.dumps(project_body()).encode(),
        content_type="application/json; charset=utf-8")
    assert response.status_code == 201


def test_the_browsable_api_still_renders_for_a_session_user(superuser):
    InvoiceFactory()
    response = client_for(superuser).get("/api/v1/projects/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b"PRJ-" in response.content


def test_a_post_without_a_body_needs_no_content_type(programmatic_user):
    token = ApiTokenFactory(user=programmatic_user)
    response = Client().generic("POST", "/api/v1/me/token/rotate/",
                                HTTP_AUTHORIZATION=f"Bearer {token.plaintext}")
    assert response.status_code == 201


# --- What the schema promises ---------------------------------------------------------------

def test_a_method_a_view_does_not_answer_is_405_before_its_id_is_read(superuser):
    client = raw_client_for(superuser)
    for path in ("/api/v1/tokens/0/", f"/api/v1/programmatic-users/{TOO_BIG}/"):
        response = client.put(path, {}, format="json")
        assert response.status_code == 405, path


@pytest.mark.parametrize("value", ["maybe", "", "2"])
def test_include_token_must_be_a_boolean(superuser, value):
    body = {"username": "flagged", "contact_email": "owner@example.com"}
    response = client_for(superuser).post(f"/api/v1/programmatic-users/?include_token={value}",
                                          body, format="json")
    assert response.status_code == 400
    assert list(api_error(response)) == ["include_token"]
    assert not User.objects.filter(username="flagged").exists()


@pytest.mark.parametrize("query", ["event=", "status=", "since=", "token=", "actor=",
                                   "format="])
def test_an_empty_audit_filter_is_refused_not_ignored(superuser, query):
    path = "/api/v1/audit-events/export/" if query == "format=" else "/api/v1/audit-events/"
    response = client_for(superuser).get(f"{path}?{query}")
    assert response.status_code == 400
    assert list(api_error(response)) == [query.rstrip("=")]
