"""Every token status, exactly and everywhere: the model, the API (`status`, `?status=`,
`expiring`), the command `list_tokens` and the admin's badges (issues 16 and 18)."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from tests.accounts.factories import ProgrammaticUserFactory
from tests.conftest import api_error, browser_for, client_for
from tests.tokens.factories import ApiTokenFactory, bearer
from tokens.models import ApiToken
from tokens.selectors import BAD_EXPIRING_WITHIN, BAD_STATUS_FILTER, EXPIRING_WITHIN_ALONE
from tokens.services import token_rotate, token_self_rotate
from tokens.suspension import token_suspend

pytestmark = pytest.mark.django_db

STATUSES = ("active", "rotating", "rotated", "expired", "revoked", "suspended")
ALL_FILTERS = ", ".join((*STATUSES, "expiring", "never_used", "needs_attention"))


def days(n: float):
    return timezone.now() + timedelta(days=n)


@pytest.fixture
def zoo():
    """One token in each status, plus an active one expiring soon, of one user."""
    owner = ProgrammaticUserFactory(username="zoo")
    active = ApiTokenFactory(user=owner, name="active", expires_at=days(60))
    soon = ApiTokenFactory(user=owner, name="soon", expires_at=days(3))
    rotating = ApiTokenFactory(user=owner, name="rotating", expires_at=days(60))
    successor = token_rotate(actor=None, token=rotating, grace_hours=24).token
    rotated = ApiTokenFactory(user=owner, name="rotated", expires_at=days(60))
    successor_too = token_rotate(actor=None, token=rotated, grace_hours=0).token
    for name, token in (("next", successor), ("next-too", successor_too)):
        ApiToken.objects.filter(pk=token.pk).update(name=name, expires_at=days(90))
    expired = ApiTokenFactory(user=owner, name="expired", created_at=days(-10),
                              expires_at=days(-1))
    revoked = ApiTokenFactory(user=owner, name="revoked", revoked_at=timezone.now(),
                              revoked_reason="x")
    suspended = ApiTokenFactory(user=owner, name="suspended", expires_at=days(2))
    token_suspend(actor=None, token=suspended)
    tokens = {"active": active, "soon": soon, "rotating": rotating, "rotated": rotated,
              "expired": expired, "revoked": revoked, "suspended": suspended}
    for token in tokens.values():
        token.refresh_from_db()
    return tokens


def test_each_token_has_its_exact_status(zoo):
    assert {name: token.status for name, token in zoo.items()} == {
        "active": "active", "soon": "active", "rotating": "rotating", "rotated": "rotated",
        "expired": "expired", "revoked": "revoked", "suspended": "suspended"}


def test_the_querysets_agree_with_the_status(zoo):
    for status in STATUSES:
        expected = {token.pk for token in ApiToken.objects.all() if token.status == status}
        assert set(ApiToken.objects.with_status(status).values_list("pk", flat=True)) == \
            expected, status


def test_a_self_rotated_out_token_is_rotated_not_expired(token):
    """Issue 18: the token a self-rotation replaced was listed as "expired"."""
    token_self_rotate(token=token)
    token.refresh_from_db()
    assert token.status == "rotated"
    body = client_for_reader().get(f"/api/v1/tokens/{token.pk}/").json()
    assert body["status"] == "rotated"


def test_a_revoked_suspended_token_is_revoked_and_an_expired_one_expired(zoo):
    suspended = zoo["suspended"]
    assert suspended.status_at(suspended.expires_at) == "expired"
    suspended.revoked_at = timezone.now()
    assert suspended.status == "revoked"


def client_for_reader():
    from tests.accounts.factories import PersonFactory, group

    auditor = PersonFactory(username="reader", is_staff=True)
    auditor.groups.add(group("Auditors"))
    return client_for(auditor)


def listed(query: str) -> list[str]:
    response = client_for_reader().get(f"/api/v1/tokens/{query}")
    assert response.status_code == 200, response.content
    return sorted(row["name"] for row in response.json()["results"])


@pytest.mark.parametrize("status, names", [
    ("active", ["active", "next", "next-too", "soon"]),  # not the rotating one: the field
    ("rotating", ["rotating"]),
    ("rotated", ["rotated"]),
    ("expired", ["expired"]),
    ("revoked", ["revoked"]),
    ("suspended", ["suspended"]),
    ("active,rotating", ["active", "next", "next-too", "rotating", "soon"]),
    ("expiring", ["soon"]),  # not the suspended or rotating ones, which also end soon
])
def test_the_status_filter_takes_every_status(zoo, status, names):
    assert listed(f"?status={status}") == names


@pytest.mark.parametrize("within, names", [
    ("2", []), ("3", ["soon"]), ("365", ["active", "next", "next-too", "soon"])])
def test_expiring_within_sets_the_window(zoo, within, names):
    assert listed(f"?user={zoo['active'].user_id}&status=expiring&expiring_within={within}") \
        == names


@pytest.mark.parametrize("query, field, message", [
    ("?status=alive", "status", BAD_STATUS_FILTER.format(choices=ALL_FILTERS)),
    ("?status=", "status", BAD_STATUS_FILTER.format(choices=ALL_FILTERS)),
    ("?status=active,", "status", BAD_STATUS_FILTER.format(choices=ALL_FILTERS)),
    ("?status=expiring&expiring_within=0", "expiring_within", BAD_EXPIRING_WITHIN),
    ("?status=expiring&expiring_within=366", "expiring_within", BAD_EXPIRING_WITHIN),
    ("?status=expiring&expiring_within=7.0", "expiring_within", BAD_EXPIRING_WITHIN),
    ("?status=expiring&expiring_within=-1", "expiring_within", BAD_EXPIRING_WITHIN),
    ("?status=expiring&expiring_within=%D9%A3", "expiring_within", BAD_EXPIRING_WITHIN),
    ("?status=expiring&expiring_within=", "expiring_within", BAD_EXPIRING_WITHIN),
    ("?expiring_within=7", "expiring_within", EXPIRING_WITHIN_ALONE),
    ("?status=active&expiring_within=7", "expiring_within", EXPIRING_WITHIN_ALONE),
])
def test_bad_status_filters_are_400(zoo, query, field, message):
    response = client_for_reader().get(f"/api/v1/tokens/{query}")
    assert response.status_code == 400
    assert api_error(response) == {field: [message]}


def test_list_tokens_shows_each_status(zoo):
    out = StringIO()
    call_command("list_tokens", "--user", "zoo", stdout=out, stderr=StringIO())
    rows = {line.split()[2]: line.split()[4] for line in out.getvalue().splitlines()[1:]}
    assert {name: rows[name] for name in zoo} == {
        "active": "active", "soon": "active", "rotating": "rotating", "rotated": "rotated",
        "expired": "expired", "revoked": "revoked", "suspended": "suspended"}


@pytest.mark.parametrize("status", [*STATUSES, "expiring"])
def test_list_tokens_filters_by_every_status(zoo, status):
    out = StringIO()
    call_command("list_tokens", "--user", "zoo", "--status", status, "--json", stdout=out)
    names = sorted(row["name"] for row in json.loads(out.getvalue()))
    assert names == listed(f"?user={zoo['active'].user_id}&status={status}")


def test_the_admin_list_shows_each_status_as_a_badge(zoo, auditor):
    page = browser_for(auditor).get("/admin/tokens/apitoken/?user__id__exact="
                                    f"{zoo['active'].user_id}").content.decode()
    for status in STATUSES:
        assert f'<span class="token-status token-status-{status}"' in page
    assert "style=" not in page.split('id="result_list"')[1].split("</table>")[0]


@pytest.mark.parametrize("status", STATUSES)
def test_the_admin_filter_and_detail_use_each_status(zoo, auditor, status):
    browser = browser_for(auditor)
    page = browser.get(f"/admin/tokens/apitoken/?status={status}").content.decode()
    token = zoo[status]
    assert f"/admin/tokens/apitoken/{token.pk}/change/" in page
    detail = browser.get(f"/admin/tokens/apitoken/{token.pk}/change/").content.decode()
    assert f'<span class="token-status token-status-{status}"' in detail


def test_a_rotating_badge_says_until_when(zoo, auditor):
    token = zoo["rotating"]
    detail = browser_for(auditor).get(f"/admin/tokens/apitoken/{token.pk}/change/")
    until = f"{timezone.localtime(token.expires_at):%Y-%m-%d %H:%M}"
    assert f">rotating until {until}</span>" in detail.content.decode()


def test_the_badges_are_styled_by_the_product_stylesheet(client):
    from django.contrib.staticfiles import finders

    with open(finders.find("product/admin.css")) as stylesheet:
        css = stylesheet.read()
    for status in STATUSES:
        assert f".token-status-{status} " in css


def test_a_token_reads_its_own_status_through_me(zoo):
    client = bearer(APIClient(), zoo["rotating"].plaintext)
    assert client.get("/api/v1/me/").status_code == 200
