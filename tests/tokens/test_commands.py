"""issue_token and revoke_token: the secret alone on stdout, messages on stderr."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from audit.models import AuditEvent
from tests.tokens.factories import ApiTokenFactory, bearer
from tokens import crypto
from tokens.models import ApiToken

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_issue_token_prints_only_the_token_on_stdout(programmatic_user):
    out, err = run("issue_token", "billing-sync", "--name", "nightly", "--expires-in-days", "7",
                   "--read-only", "--allow-ip", "203.0.113.0/24", "--allow-ip", "192.0.2.1")
    plaintext = out.strip()
    assert out == plaintext + "\n"
    crypto.parse(plaintext)
    token = ApiToken.objects.get()
    assert (token.name, token.read_only, token.allowed_ips, token.created_by_username) == (
        "nightly", True, ["203.0.113.0/24", "192.0.2.1/32"], "")
    assert token.hint in err and plaintext not in err
    assert "shown once" in err
    response = bearer(APIClient(), plaintext).get("/api/v1/me/", REMOTE_ADDR="192.0.2.1")
    assert response.status_code == 200
    assert AuditEvent.objects.filter(event="token.issued", token_id=token.pk).exists()


@pytest.mark.parametrize("args, message", [
    (["nobody"], "No user named 'nobody'."),
    (["billing-sync", "--expires-in-days", "0"],
     "Cannot issue the token: expires_in_days: Give a whole number of days from 1 to 365."),
    (["billing-sync", "--expires-in-days", "400"],
     "Cannot issue the token: expires_in_days: Give a whole number of days from 1 to 365."),
    (["billing-sync", "--allow-ip", "nope"],
     "Cannot issue the token: allowed_ips: 'nope' is not an IP address or network such as "
     "203.0.113.0/24."),
    (["billing-sync", "--name", " "], "The token name must be 1 to 100 characters."),
])
def test_issue_token_bad_input_is_one_line_and_issues_nothing(programmatic_user, args, message):
    with pytest.raises(CommandError) as caught:
        run("issue_token", *args)
    assert str(caught.value) == message
    assert not ApiToken.objects.exists()


def test_issue_token_refuses_a_personal_user(person):
    with pytest.raises(CommandError) as caught:
        run("issue_token", person.username)
    assert str(caught.value) == (
        "Cannot issue the token: user: Tokens can only be issued for programmatic users.")


def test_revoke_token(token):
    out, err = run("revoke_token", str(token.pk), "--reason", "rotated by ops")
    assert out == ""
    assert f"Revoked token {token.pk}" in err
    token.refresh_from_db()
    assert (token.status, token.revoked_reason) == ("revoked", "rotated by ops")
    with pytest.raises(CommandError) as caught:
        run("revoke_token", str(token.pk))
    assert str(caught.value) == "This token is already revoked."


def test_revoke_unknown_token():
    with pytest.raises(CommandError) as caught:
        run("revoke_token", "4242")
    assert str(caught.value) == "No token with id 4242."


def test_create_programmatic_user_with_token_prints_a_working_token():
    out, err = run("create_programmatic_user", "erp", "--contact-email", "o@example.com",
                   "--with-token")
    plaintext = out.strip()
    assert bearer(APIClient(), plaintext).get("/api/v1/me/").json()["username"] == "erp"
    assert ApiTokenFactory._meta.model.objects.get().name == "initial"


def test_rotate_token_prints_only_the_new_token_and_keeps_the_old_for_the_grace(token):
    out, err = run("rotate_token", str(token.pk), "--grace-hours", "2")
    plaintext = out.strip()
    assert out == plaintext + "\n"
    crypto.parse(plaintext)
    new = ApiToken.objects.get(rotated_from=token)
    token.refresh_from_db()
    assert token.grace_until is not None and token.replaced_by == new
    assert plaintext not in err and new.hint in err and "shown once" in err
    assert bearer(APIClient(), plaintext).get("/api/v1/me/").status_code == 200
    assert bearer(APIClient(), token.plaintext).get("/api/v1/me/").status_code == 200


@pytest.mark.parametrize("args, message", [
    (["999999"], "No token with id 999999."),
    (["{token}", "--grace-hours", "500"],
     "Cannot rotate the token: grace_hours: The grace period is a whole number of hours from "
     "0 to 168."),
])
def test_rotate_token_refuses_bad_input_in_one_line(token, args, message):
    args = [arg.format(token=token.pk) for arg in args]
    with pytest.raises(CommandError) as caught:
        run("rotate_token", *args)
    assert str(caught.value) == message
    assert not ApiToken.objects.filter(rotated_from=token).exists()


def test_rotating_a_rotated_token_is_refused(token):
    run("rotate_token", str(token.pk))
    with pytest.raises(CommandError) as caught:
        run("rotate_token", str(token.pk))
    assert str(caught.value) == ("Cannot rotate the token: Only an active token that was not "
                                 "rotated before can be rotated.")


def test_list_tokens_shows_a_table_without_secrets(token):
    other = ApiTokenFactory(name="other-robot")
    out, err = run("list_tokens", "--user", "billing-sync")
    lines = out.splitlines()
    assert lines[0].split() == ["id", "user", "name", "hint", "status", "expires", "last",
                                "used"]
    assert len(lines) == 2 and lines[1].split()[:5] == [
        str(token.pk), "billing-sync", "billing", token.hint + "…", "active"]
    assert other.name not in out and token.plaintext not in out and token.digest not in out
    assert err == "1 token.\n"


def test_list_tokens_json_is_the_api_representation(token):
    out, _ = run("list_tokens", "--json")
    [row] = json.loads(out)
    assert (row["id"], row["hint"], row["status"], row["username"]) == (
        token.pk, token.hint, "active", "billing-sync")
    assert "token" not in row and "digest" not in row
    assert token.plaintext not in out


def test_list_tokens_of_an_unknown_user_fails(token):
    with pytest.raises(CommandError) as caught:
        run("list_tokens", "--user", "nobody")
    assert str(caught.value) == "No user named 'nobody'."
