"""Token families: a leaked token dies with every token derived from it by rotation (issue 15)."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AuditEvent
from tests.conftest import api_error, browser_for, client_for
from tests.tokens.factories import ApiTokenFactory, bearer
from tokens import services
from tokens.models import ApiToken

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"
LEAK_URL = "/api/v1/tokens/revoke-leaked/"
TOKENS = "/admin/tokens/apitoken/"


def works(plaintext: str) -> bool:
    status = bearer(APIClient(), plaintext).get(ME).status_code
    assert status in (200, 401)
    return status == 200


def revocations() -> list[tuple[int, dict]]:
    return [(event.token_id, event.details) for event in
            AuditEvent.objects.filter(event="token.revoked").order_by("token_id")]


@pytest.fixture
def chain(programmatic_user):
    """first -> second -> third by configurator rotations, each old one still in its grace."""
    first = ApiTokenFactory(user=programmatic_user, name="erp")
    second = services.token_rotate(actor=None, token=first, grace_hours=24)
    third = services.token_rotate(actor=None, token=second.token, grace_hours=24)
    second.token.plaintext, third.token.plaintext = second.plaintext, third.plaintext
    return first, second.token, third.token


# The reproduction -----------------------------------------------------------------------------

def test_a_leaked_token_reported_after_self_rotation_takes_its_successor_with_it(token):
    """The thief self-rotates the leaked token; the owner then reports the original."""
    thief = bearer(APIClient(), token.plaintext)
    rotated = thief.post("/api/v1/me/token/rotate/").json()
    assert works(rotated["token"])

    report = APIClient().post(LEAK_URL, {"token": token.plaintext}, format="json")

    assert report.status_code == 202
    assert not works(rotated["token"])
    assert bearer(APIClient(), rotated["token"]).post(
        "/api/v1/me/token/rotate/").status_code == 401
    assert ApiToken.objects.filter(rotated_from_id=rotated["id"]).count() == 0
    assert revocations() == [
        (token.pk, {"reason": "reported leaked", "family": token.pk}),
        (rotated["id"], {"reason": "reported leaked", "family": token.pk}),
    ]


# What a family is ------------------------------------------------------------------------------

def test_a_token_issued_afresh_is_its_own_family(token_configurator, programmatic_user):
    body = client_for(token_configurator).post(
        f"/api/v1/programmatic-users/{programmatic_user.pk}/tokens/", {"name": "erp"},
        format="json").json()
    assert body["family"] == body["id"]
    assert ApiToken.objects.get(pk=body["id"]).family_id == body["id"]


def test_rotation_keeps_the_family_and_the_api_shows_it(token_configurator, chain, auditor):
    first, second, third = chain
    assert {token.family_id for token in chain} == {first.pk}
    rotated = client_for(token_configurator).post(
        f"/api/v1/tokens/{third.pk}/rotate/", {"grace_hours": 1}, format="json").json()
    assert rotated["family"] == first.pk
    listed = client_for(auditor).get("/api/v1/tokens/").json()["results"]
    assert {row["id"]: row["family"] for row in listed} == {
        first.pk: first.pk, second.pk: first.pk, third.pk: first.pk, rotated["id"]: first.pk}
    assert client_for(auditor).get(f"/api/v1/tokens/{second.pk}/").json()["family"] == first.pk


def test_a_family_is_one_indexed_query(chain, django_assert_num_queries):
    first, *_ = chain
    with django_assert_num_queries(1):
        assert len(list(ApiToken.objects.in_family(first.pk))) == 3


# Leak reports revoke the family ----------------------------------------------------------------

@pytest.mark.parametrize("reported", [0, 1, 2])
def test_reporting_any_member_revokes_every_working_member(chain, reported):
    first, second, third = chain
    other = ApiTokenFactory(user=first.user)  # same user, another family
    assert all(works(token.plaintext) for token in chain)

    APIClient().post(LEAK_URL, {"token": chain[reported].plaintext}, format="json")

    assert not any(works(token.plaintext) for token in chain)
    assert works(other.plaintext)
    assert [token_id for token_id, _ in revocations()] == [first.pk, second.pk, third.pk]
    assert {details["reason"] for _, details in revocations()} == {"reported leaked"}
    report = AuditEvent.objects.get(event="token.leak_reported")
    assert (report.token_id, report.details) == (chain[reported].pk,
                                                 {"matched": True, "revoked": True})


def test_a_report_leaves_dead_members_as_they_were(chain):
    first, second, third = chain
    ApiToken.objects.filter(pk=first.pk).update(expires_at=timezone.now())
    services.token_revoke(actor=None, token=second, reason="old")

    APIClient().post(LEAK_URL, {"token": third.plaintext}, format="json")

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.revoked_at, second.revoked_reason) == (None, "old")
    assert [e for e in revocations() if e[1]["reason"] == "reported leaked"] == [
        (third.pk, {"reason": "reported leaked", "family": first.pk})]


# Ordinary revocation can ask for the family ----------------------------------------------------

def revoke(client, token, **body):
    return client.post(f"/api/v1/tokens/{token.pk}/revoke/", body, format="json")


def test_revoke_with_family_revokes_every_working_member(token_configurator, chain):
    first, second, third = chain
    response = revoke(client_for(token_configurator), second, reason="laptop stolen",
                      family=True)
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["status"], body["revoked_reason"], body["family"]) == (
        second.pk, "revoked", "laptop stolen", first.pk)
    assert not any(works(token.plaintext) for token in chain)
    assert revocations() == [
        (token.pk, {"reason": "laptop stolen", "family": first.pk}) for token in chain]
    assert set(AuditEvent.objects.filter(event="token.revoked")
               .values_list("actor_username", flat=True)) == {"tokenconf"}


def test_revoke_without_family_revokes_only_that_token(token_configurator, chain):
    first, second, third = chain
    assert revoke(client_for(token_configurator), second).status_code == 200
    assert [works(token.plaintext) for token in chain] == [True, False, True]
    assert revocations() == [(second.pk, {"reason": "revoked"})]


def test_revoke_family_through_an_already_revoked_member(token_configurator, chain):
    first, second, third = chain
    client = client_for(token_configurator)
    assert revoke(client, first).status_code == 200
    assert revoke(client, first).status_code == 409
    response = revoke(client, first, family=True)
    assert response.status_code == 200
    assert not any(works(token.plaintext) for token in chain)
    again = revoke(client, third, family=True)
    assert again.status_code == 409
    assert api_error(again) == {
        "detail": "This token and every other token of its family are already revoked.",
        "code": "conflict"}
    assert len(revocations()) == 3


@pytest.mark.parametrize("body", [{"family": "perhaps"}, {"family": None}, {"famly": True}])
def test_a_bad_family_flag_is_400_and_revokes_nothing(token_configurator, chain, body):
    response = client_for(token_configurator).post(
        f"/api/v1/tokens/{chain[0].pk}/revoke/", body, format="json")
    assert response.status_code == 400
    assert all(works(token.plaintext) for token in chain)


def test_an_auditor_cannot_revoke_a_family(auditor, chain):
    assert revoke(client_for(auditor), chain[0], family=True).status_code == 403
    assert all(works(token.plaintext) for token in chain)


# The admin's confirmation page -----------------------------------------------------------------

@pytest.fixture
def alice(db):
    from tests.accounts.factories import PersonFactory, group

    user = PersonFactory(username="alice", is_staff=True)
    user.groups.add(group("Token configurators"))
    return user


def test_the_admin_revoke_page_offers_the_whole_family(alice, chain):
    first, second, third = chain
    browser = browser_for(alice)
    page = browser.get(f"{TOKENS}{third.pk}/revoke/").content.decode()
    assert 'name="family"' in page and "Revoke the whole family" in page
    response = browser.post(f"{TOKENS}{third.pk}/revoke/",
                            {"reason": "leaked in CI log", "family": "on"}, follow=True)
    assert b"and every other working token of its family are revoked." in response.content
    assert not any(works(token.plaintext) for token in chain)
    assert revocations() == [
        (token.pk, {"reason": "leaked in CI log", "family": first.pk}) for token in chain]


def test_the_admin_revokes_one_token_when_the_box_is_not_ticked(alice, chain):
    browser_for(alice).post(f"{TOKENS}{chain[2].pk}/revoke/", {"reason": "x"})
    assert [works(token.plaintext) for token in chain] == [True, True, False]


def test_a_revoked_token_offers_revoke_while_its_family_has_a_working_token(alice, chain):
    first, second, third = chain
    services.token_revoke(actor=None, token=first)
    browser = browser_for(alice)
    assert b'id="revoke-token"' in browser.get(f"{TOKENS}{first.pk}/change/").content
    browser.post(f"{TOKENS}{first.pk}/revoke/", {"reason": "leak", "family": "on"})
    assert b'id="revoke-token"' not in browser.get(f"{TOKENS}{first.pk}/change/").content
    assert not any(works(token.plaintext) for token in chain)


def test_the_admin_token_page_shows_the_family(alice, chain):
    first, second, third = chain
    page = browser_for(alice).get(f"{TOKENS}{third.pk}/change/").content.decode()
    assert f'href="{TOKENS}?family={first.pk}">3 tokens</a>' in page
    listing = browser_for(alice).get(f"{TOKENS}?family={first.pk}").content.decode()
    assert all(f"{TOKENS}{token.pk}/change/" in listing for token in chain)


# The command ------------------------------------------------------------------------------------

def test_revoke_token_family_revokes_the_family(chain):
    first, second, third = chain
    err = StringIO()
    call_command("revoke_token", str(first.pk), "--family", "--reason", "leak", stdout=StringIO(),
                 stderr=err)
    assert err.getvalue().strip() == (
        f"Revoked 3 tokens of the family of token {first.pk} 'erp' ({first.hint}…) of "
        f"billing-sync: {first.pk}, {second.pk}, {third.pk}.")
    assert not any(works(token.plaintext) for token in chain)
    with pytest.raises(CommandError) as caught:
        call_command("revoke_token", str(third.pk), "--family", stdout=StringIO(),
                     stderr=StringIO())
    assert str(caught.value) == (
        "This token and every other token of its family are already revoked.")


# Existing rotation chains get their family -----------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_existing_rotation_chains_their_family():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from tests.accounts.factories import ProgrammaticUserFactory

    user = ProgrammaticUserFactory()
    executor = MigrationExecutor(connection)
    executor.migrate([("tokens", "0003_token_families")])
    Token = executor.loader.project_state([("tokens", "0003_token_families")]).apps.get_model(
        "tokens", "ApiToken")
    expires = timezone.now() + datetime.timedelta(days=1)

    def make(name, rotated_from=None):
        return Token.objects.create(user_id=user.pk, name=name, digest=name * 8, hint=name,
                                    expires_at=expires, rotated_from=rotated_from)

    a = make("a")
    b = make("b", a)
    c = make("c", b)
    lone = make("d")
    x = make("x")
    y = make("y", x)
    assert set(Token.objects.values_list("family_id", flat=True)) == {None}

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    families = dict(ApiToken.objects.values_list("id", "family_id"))
    assert families == {a.pk: a.pk, b.pk: a.pk, c.pk: a.pk, lone.pk: lone.pk, x.pk: x.pk,
                        y.pk: x.pk}


def test_a_leak_report_mails_the_accountable_contact_once(token):
    """Issue 16: a token revoked through revoke-leaked/ left its contact unaware."""
    from django.core import mail

    successor = services.token_rotate(actor=None, token=token, grace_hours=24).token
    for _ in range(2):
        response = APIClient().post(LEAK_URL, {"token": token.plaintext}, format="json")
        assert response.status_code == 202
    [message] = mail.outbox
    assert message.to == [token.user.contact_email]
    assert message.subject == (f"API tokens of {token.user.username} revoked: a token was "
                               "reported leaked")
    assert f"token {token.pk}" in message.body and f"token {successor.pk}" in message.body
    assert token.plaintext not in message.body and token.digest not in message.body
    assert "It was found at" not in message.body


def test_an_unmatched_leak_report_mails_nobody(token):
    from django.core import mail

    from tokens import crypto

    APIClient().post(LEAK_URL, {"token": crypto.generate()}, format="json")
    assert mail.outbox == []
