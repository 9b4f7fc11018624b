"""Properties over many hostile inputs: every endpoint, driven with arbitrary query parameters,
bodies, nesting, ids and headers, never answers 5xx, and every API error is JSON with its request
id. Examples are bounded and derandomized so the file stays well under a minute in CI."""

import json
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from permissions.services import permission_grant
from tests.projects.factories import InvoiceFactory, ProjectFactory
from tests.tokens.factories import ApiTokenFactory
from tokens.models import ApiToken

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords"),
              pytest.mark.timeout(300)]


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    """The leak report's throttle counts per address in the cache: each test starts at zero."""
    cache.clear()
    yield
    cache.clear()

METHODS = {"get", "post", "put", "patch", "delete"}
SCHEMA = SchemaGenerator().get_schema(request=None, public=True)
OPERATIONS = sorted((path, method) for path, operations in SCHEMA["paths"].items()
                    for method in operations if method in METHODS)
GRANTS = ["projects.view_project", "projects.add_project", "projects.change_project",
          "projects.view_invoice", "projects.add_invoice", "accounts.view_user",
          "audit.view_auditevent", "tokens.view_apitoken"]
# Every text, lone surrogates and NUL included (sent as the bytes a client could send).
ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=40)
DIGITS = st.from_regex(r"[0-9]{1,25}", fullmatch=True)
NUMBERS = st.one_of(st.integers(), st.integers(min_value=2**63 - 2, max_value=2**70),
                    st.floats(allow_nan=False), st.decimals(allow_nan=False).map(str))
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, ANY_TEXT, DIGITS)
JSON = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(ANY_TEXT, inner, max_size=4)), max_leaves=12)
CONTENT_TYPES = st.sampled_from(["application/json"] * 6 + [
    "application/json; charset=utf-8", "text/plain", "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x", "application/json; charset=latin-1", ""])


def operation_fields(path: str, method: str) -> tuple[list[str], list[str]]:
    """(query parameter names, body field names) the schema documents for the operation."""
    operation = SCHEMA["paths"][path][method]
    query = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
    body = []
    for content in operation.get("requestBody", {}).get("content", {}).values():
        ref = content["schema"].get("$ref", "")
        component = SCHEMA["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {})
        body = list(component.get("properties", {}))
    return query, body


def encode(text: str) -> str:
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


def bodies(fields: list[str]):
    """A body as bytes: an object of the documented fields, any JSON, deep nesting, or noise."""
    known = st.dictionaries(st.sampled_from(fields or ["x"]), JSON, max_size=len(fields) + 1)
    as_json = st.one_of(known, known, JSON).map(lambda value: json.dumps(value).encode())
    deep = st.integers(30, 5000).map(lambda n: ("[" * n + "]" * n).encode())
    noise = st.binary(max_size=64)
    return st.one_of(as_json, as_json, deep, noise)


@pytest.fixture
def world(superuser, programmatic_user):
    """Data for every endpoint to find, and three ways in: a session, a token, nobody."""
    for permission in GRANTS:
        permission_grant(actor=None, user=programmatic_user, permission=permission)
    invoice = InvoiceFactory(project=ProjectFactory())
    target = ApiTokenFactory(user=programmatic_user)
    session = Client(raise_request_exception=True)
    session.force_login(superuser, backend="accounts.backends.PersonalOnlyModelBackend")
    return {"ids": [invoice.pk, invoice.project_id, target.pk, programmatic_user.pk],
            "user": programmatic_user, "session": session}


def token_client(world) -> Client:
    """A client with a usable token (the fuzzer may have revoked or rotated the last one)."""
    token = world.get("token")
    if token is None or not ApiToken.objects.usable().filter(pk=token.pk).exists():
        token = world["token"] = ApiTokenFactory(user=world["user"])
    return Client(HTTP_AUTHORIZATION=f"Bearer {token.plaintext}")


def check(response, path: str) -> None:
    assert response.status_code < 500, (path, response.status_code, response.content[:500])
    if response.status_code >= 400:
        assert response["Content-Type"] == "application/json", path
        body = response.json()
        assert body.get("request_id") == response["X-Request-ID"], (path, body)


@pytest.mark.parametrize(("template", "method"), OPERATIONS)
@settings(max_examples=12, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_no_endpoint_answers_5xx_to_anything(world, template, method, data):
    cache.clear()  # the leak report's throttle would answer 429 before reading the body
    query_names, body_fields = operation_fields(template, method)
    path = template
    for name in ("id", "user_id"):
        if "{" + name + "}" in path:
            value = data.draw(st.one_of(st.sampled_from(world["ids"]).map(str), DIGITS,
                                        ANY_TEXT.filter(lambda t: "/" not in t)), label=name)
            path = path.replace("{" + name + "}", encode(value) or "0")
    params = data.draw(st.lists(st.tuples(
        st.one_of(st.sampled_from(query_names + ["cursor", "page_size", "ordering", "search"]),
                  ANY_TEXT),
        st.one_of(ANY_TEXT, DIGITS, NUMBERS.map(str))), max_size=4), label="query")
    query = "&".join(f"{encode(name)}={encode(value)}" for name, value in params)
    who = data.draw(st.sampled_from(["session", "token", "nobody"]), label="who")
    client = {"session": world["session"], "token": token_client(world),
              "nobody": Client()}[who]
    headers = {"HTTP_USER_AGENT": data.draw(ANY_TEXT, label="user agent"),
               "HTTP_X_REQUEST_ID": data.draw(ANY_TEXT, label="request id")}
    body, content_type = b"", None
    if method != "get":
        body = data.draw(bodies(body_fields), label="body")
        content_type = data.draw(CONTENT_TYPES, label="content type")
    url = f"{path}?{query}" if query else path
    response = client.generic(method.upper(), url, body, content_type=content_type or "",
                              **headers)
    check(response, url)


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(body=bodies(["token"]), content_type=CONTENT_TYPES)
def test_the_anonymous_leak_report_never_fails(db, body, content_type):
    cache.clear()
    response = Client().generic("POST", "/api/v1/tokens/revoke-leaked/", body,
                                content_type=content_type)
    check(response, "revoke-leaked")


def test_the_world_fixture_reaches_the_views(world):
    """The property above means something only if its clients get past authentication."""
    assert world["session"].get("/api/v1/projects/").status_code == 200
    assert token_client(world).get("/api/v1/projects/").status_code == 200
