"""The admin's "needs attention" lists by API: `GET tokens/?status=expiring|never_used|
needs_attention` (both), the same sets as the admin's filter and the command's --status."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.accounts.factories import PersonFactory, group
from tests.conftest import api_error, browser_for, client_for
from tests.tokens.factories import ApiTokenFactory
from tokens.selectors import BAD_STATUS_FILTER, EXPIRING_WITHIN_ALONE, STATUS_FILTERS
from tokens.suspension import token_suspend

pytestmark = pytest.mark.django_db

EXPECTED = {
    "expiring": {"soon-used", "soon-unused"},
    "never_used": {"soon-unused", "later-unused"},
    "needs_attention": {"soon-used", "soon-unused", "later-unused"},
}


@pytest.fixture
def reader(db):
    user = PersonFactory(username="reader", is_staff=True)
    user.groups.add(group("Token configurators"))
    return user


@pytest.fixture
def tokens(db):
    now = timezone.now()
    soon, later = now + timedelta(days=3), now + timedelta(days=60)
    made = {
        "soon-used": ApiTokenFactory(name="soon-used", expires_at=soon, last_used_at=now),
        "soon-unused": ApiTokenFactory(name="soon-unused", expires_at=soon),
        "later-used": ApiTokenFactory(name="later-used", expires_at=later, last_used_at=now),
        "later-unused": ApiTokenFactory(name="later-unused", expires_at=later),
        "revoked": ApiTokenFactory(name="revoked", expires_at=soon, revoked_at=now,
                                   revoked_reason="x"),
        "expired": ApiTokenFactory(name="expired", created_at=now - timedelta(days=9),
                                   expires_at=now - timedelta(days=1)),
        "suspended": ApiTokenFactory(name="suspended", expires_at=soon),
    }
    token_suspend(actor=None, token=made["suspended"])
    return made


def _api(reader, query) -> set[str]:
    response = client_for(reader).get("/api/v1/tokens/", query)
    assert response.status_code == 200, response.content
    return {row["name"] for row in response.json()["results"]}


def _admin(reader, tokens, value) -> set[str]:
    html = browser_for(reader).get("/admin/tokens/apitoken/", {"attention": value}).content
    return {name for name, token in tokens.items() if token.hint in html.decode()}


@pytest.mark.parametrize("value", sorted(EXPECTED))
def test_the_api_lists_what_the_admins_needs_attention_filter_lists(reader, tokens, value):
    assert _api(reader, {"status": value}) == EXPECTED[value]
    assert _admin(reader, tokens, value) == EXPECTED[value]


def test_needs_attention_is_expiring_or_never_used(reader, tokens):
    assert _api(reader, {"status": "expiring,never_used"}) == EXPECTED["needs_attention"]
    assert _api(reader, {"status": "needs_attention,revoked"}) == {
        *EXPECTED["needs_attention"], "revoked"}


def test_expiring_within_widens_needs_attention_too(reader, tokens):
    assert _api(reader, {"status": "needs_attention", "expiring_within": "365"}) == {
        "soon-used", "soon-unused", "later-used", "later-unused"}
    assert _api(reader, {"status": "needs_attention", "expiring_within": "1"}) == {
        "soon-unused", "later-unused"}


@pytest.mark.parametrize("query, field, message", [
    ({"status": "attention"}, "status", BAD_STATUS_FILTER.format(choices=", ".join(
        STATUS_FILTERS))),
    ({"status": "NEEDS_ATTENTION"}, "status", None),
    ({"status": "never_used", "expiring_within": "7"}, "expiring_within", EXPIRING_WITHIN_ALONE),
])
def test_unknown_values_are_400(reader, tokens, query, field, message):
    response = client_for(reader).get("/api/v1/tokens/", query)
    assert response.status_code == 400
    body = api_error(response)
    assert list(body) == [field]
    if message is not None:
        assert body == {field: [message]}


def test_list_tokens_takes_the_same_values(tokens):
    out = StringIO()
    call_command("list_tokens", "--status", "needs_attention", "--json", stdout=out)
    assert {row["name"] for row in json.loads(out.getvalue())} == EXPECTED["needs_attention"]


def test_the_schema_documents_the_values():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    parameters = schema["paths"]["/api/v1/tokens/"]["get"]["parameters"]
    status = next(p for p in parameters if p["name"] == "status")
    assert "needs_attention" in status["description"]
    assert "never_used" in status["description"]
