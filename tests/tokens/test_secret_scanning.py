"""POST tokens/secret-scanning/: GitHub's partner alerts, signed with ECDSA P-256 (issue 16).

Every key pair is generated here; nothing is fetched."""

import base64
import json
import logging

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core import mail
from rest_framework.test import APIClient

from audit.models import AuditEvent
from tests.accounts.factories import ProgrammaticUserFactory
from tests.conftest import api_error
from tests.tokens.factories import ApiTokenFactory
from tokens import crypto
from tokens.api_reports import BAD_SIGNATURE, MAX_ALERT_ITEMS
from tokens.models import ApiToken
from tokens.scanning import KeysError, parse_keys
from tokens.services import token_rotate

pytestmark = pytest.mark.django_db

URL = "/api/v1/tokens/secret-scanning/"
GITHUB_URL = "https://github.com/octo-org/octo-repo/blob/12345/src/config.yml"
UNSIGNED = {"detail": BAD_SIGNATURE, "code": "invalid_signature"}


def key_pair() -> tuple[ec.EllipticCurvePrivateKey, str]:
    private = ec.generate_private_key(ec.SECP256R1())
    pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, pem


def sign(private: ec.EllipticCurvePrivateKey, body: bytes) -> str:
    return base64.b64encode(private.sign(body, ec.ECDSA(hashes.SHA256()))).decode()


@pytest.fixture
def keys(settings):
    """Two configured keys (the current one and the previous one), as GitHub lists them."""
    current, current_pem = key_pair()
    previous, previous_pem = key_pair()
    document = {"public_keys": [
        {"key_identifier": "key-current", "key": current_pem, "is_current": True},
        {"key_identifier": "key-previous", "key": previous_pem, "is_current": False},
    ]}
    settings.SECRET_SCANNING_KEYS = parse_keys(json.dumps(document))
    return {"key-current": current, "key-previous": previous}


def post(body: bytes, *, key_id: str | None, signature: str | None):
    headers = {}
    if key_id is not None:
        headers["HTTP_GITHUB_PUBLIC_KEY_IDENTIFIER"] = key_id
    if signature is not None:
        headers["HTTP_GITHUB_PUBLIC_KEY_SIGNATURE"] = signature
    return APIClient().post(URL, data=body, content_type="application/json", **headers)


def signed(keys, items, key_id="key-current"):
    body = json.dumps(items).encode()
    return post(body, key_id=key_id, signature=sign(keys[key_id], body))


def alert(*tokens: str) -> list[dict]:
    return [{"token": token, "type": "pgu_api_token", "url": GITHUB_URL, "source": "content"}
            for token in tokens]


def nothing_done(*tokens):
    for token in tokens:
        token.refresh_from_db()
        assert token.revoked_at is None
    assert not AuditEvent.objects.filter(
        event__in=["token.revoked", "token.leak_reported"]).exists()
    assert mail.outbox == []


@pytest.fixture
def leaked(db):
    owner = ProgrammaticUserFactory(username="billing-sync", contact_email="owner@example.com")
    return ApiTokenFactory(user=owner, name="nightly")


def unknown_token() -> str:
    return crypto.generate()


def test_one_matching_and_one_unknown_token_in_one_alert(keys, leaked):
    successor = token_rotate(actor=None, token=leaked, grace_hours=24).token
    stranger = unknown_token()
    response = signed(keys, alert(leaked.plaintext, stranger))
    assert response.status_code == 200
    assert response.json() == [
        {"token_raw": leaked.plaintext, "token_type": "pgu_api_token", "label": "true_positive"},
        {"token_raw": stranger, "token_type": "pgu_api_token", "label": "false_positive"},
    ]
    assert response["Cache-Control"] == "no-store"
    revoked = {token.pk: token.revoked_reason for token in ApiToken.objects.revoked()}
    assert revoked == {leaked.pk: "reported leaked", successor.pk: "reported leaked"}
    events = AuditEvent.objects.filter(event="token.revoked").order_by("token_id")
    assert [(e.token_id, e.details) for e in events] == [
        (leaked.pk, {"reason": "reported leaked", "source": GITHUB_URL, "reported_by": "github",
                     "location": "content", "family": leaked.pk}),
        (successor.pk, {"reason": "reported leaked", "source": GITHUB_URL,
                        "reported_by": "github", "location": "content", "family": leaked.pk}),
    ]
    reports = AuditEvent.objects.filter(event="token.leak_reported").order_by("id")
    assert [(e.token_id, e.details) for e in reports] == [
        (leaked.pk, {"matched": True, "revoked": True, "source": GITHUB_URL,
                     "reported_by": "github", "location": "content"}),
        (None, {"matched": False, "count": 1, "reported_by": "github"}),
    ]
    [message] = mail.outbox
    assert message.to == ["owner@example.com"]
    assert message.subject == "API tokens of billing-sync revoked: a token was reported leaked"
    assert GITHUB_URL in message.body and f"token {successor.pk}" in message.body
    stored = json.dumps(list(AuditEvent.objects.values_list("details", flat=True)))
    for secret in (leaked.plaintext, stranger):
        assert secret not in message.body and secret not in stored


def test_a_reported_token_no_longer_authenticates(keys, leaked):
    assert signed(keys, alert(leaked.plaintext)).status_code == 200
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {leaked.plaintext}")
    assert client.get("/api/v1/me/").status_code == 401


def test_a_token_reported_again_is_a_true_positive_and_mails_nobody_twice(keys, leaked):
    signed(keys, alert(leaked.plaintext))
    mail.outbox.clear()
    response = signed(keys, alert(leaked.plaintext, leaked.plaintext))
    assert [row["label"] for row in response.json()] == ["true_positive", "true_positive"]
    assert mail.outbox == []
    assert AuditEvent.objects.filter(event="token.revoked").count() == 1


def test_the_previous_key_still_verifies(keys, leaked):
    response = signed(keys, alert(leaked.plaintext), key_id="key-previous")
    assert response.status_code == 200
    leaked.refresh_from_db()
    assert leaked.revoked_reason == "reported leaked"


def test_an_unsigned_alert_is_401_and_nothing_is_done(keys, leaked):
    response = post(json.dumps(alert(leaked.plaintext)).encode(), key_id=None, signature=None)
    assert response.status_code == 401
    assert api_error(response) == UNSIGNED
    assert response["WWW-Authenticate"] == 'Signature realm="secret-scanning"'
    nothing_done(leaked)
    failure = AuditEvent.objects.get(event="auth.failed")
    assert (failure.details, failure.path, failure.status) == (
        {"reason": "bad_signature"}, URL, 401)


def test_a_forged_signature_is_401_and_nothing_is_done(keys, leaked):
    forger, _ = key_pair()
    body = json.dumps(alert(leaked.plaintext)).encode()
    response = post(body, key_id="key-current", signature=sign(forger, body))
    assert (response.status_code, api_error(response)) == (401, UNSIGNED)
    nothing_done(leaked)


def test_a_replayed_body_with_another_key_id_is_401(keys, leaked):
    body = json.dumps(alert(leaked.plaintext)).encode()
    response = post(body, key_id="key-previous", signature=sign(keys["key-current"], body))
    assert (response.status_code, api_error(response)) == (401, UNSIGNED)
    nothing_done(leaked)


def test_an_unknown_key_id_is_401(keys, leaked):
    body = json.dumps(alert(leaked.plaintext)).encode()
    response = post(body, key_id="key-elsewhere", signature=sign(keys["key-current"], body))
    assert (response.status_code, api_error(response)) == (401, UNSIGNED)
    nothing_done(leaked)


def test_a_body_changed_after_signing_is_401(keys, leaked):
    original = json.dumps(alert(unknown_token())).encode()
    tampered = json.dumps(alert(leaked.plaintext)).encode()
    response = post(tampered, key_id="key-current", signature=sign(keys["key-current"], original))
    assert response.status_code == 401
    nothing_done(leaked)


@pytest.mark.parametrize("signature", ["", "not base64!", "QUJD", "A" * 4000])
def test_a_garbled_signature_is_401(keys, leaked, signature):
    body = json.dumps(alert(leaked.plaintext)).encode()
    response = post(body, key_id="key-current", signature=signature)
    assert (response.status_code, api_error(response)) == (401, UNSIGNED)
    nothing_done(leaked)


def test_bad_signatures_count_against_the_failure_limit(keys, leaked, settings):
    settings.AUTH_FAILURE_RATE = "2/minute"
    body = json.dumps(alert(leaked.plaintext)).encode()
    statuses = [post(body, key_id="key-current", signature="QUJD").status_code for _ in range(3)]
    assert statuses == [401, 401, 429]
    good = post(body, key_id="key-current", signature=sign(keys["key-current"], body))
    assert good.status_code == 429
    nothing_done(leaked)


def test_a_huge_array_is_400_and_nothing_is_done(keys, leaked):
    items = alert(leaked.plaintext) * (MAX_ALERT_ITEMS + 1)
    response = signed(keys, items)
    assert response.status_code == 400
    assert api_error(response) == {"non_field_errors": [
        f"Ensure this field has no more than {MAX_ALERT_ITEMS} elements."]}
    nothing_done(leaked)


def test_the_largest_alert_is_answered(keys, leaked):
    items = alert(*(unknown_token() for _ in range(MAX_ALERT_ITEMS - 1)), leaked.plaintext)
    response = signed(keys, items)
    assert response.status_code == 200
    labels = [row["label"] for row in response.json()]
    assert labels == ["false_positive"] * (MAX_ALERT_ITEMS - 1) + ["true_positive"]


@pytest.mark.parametrize("body", [b"not json", b'{"token": "x"}', b"[1, 2]",
                                  b'[{"type": "pgu_api_token"}]', b'[{"token": 12}]',
                                  b'[{"token": "x", "url": ["y"]}]'])
def test_a_malformed_signed_body_is_400_and_nothing_is_done(keys, leaked, body):
    response = post(body, key_id="key-current", signature=sign(keys["key-current"], body))
    assert response.status_code == 400
    nothing_done(leaked)


def test_malformed_and_made_up_tokens_are_false_positives(keys, leaked):
    mistyped = leaked.plaintext[:-1] + ("A" if leaked.plaintext[-1] != "A" else "B")
    response = signed(keys, alert("pgu_short", mistyped, "ghp_" + "a" * 36))
    assert [row["label"] for row in response.json()] == ["false_positive"] * 3
    leaked.refresh_from_db()
    assert leaked.revoked_at is None


def test_an_empty_alert_is_an_empty_answer(keys):
    response = signed(keys, [])
    assert (response.status_code, response.json()) == (200, [])
    assert not AuditEvent.objects.exists()


def test_without_keys_the_endpoint_does_not_exist(settings, leaked):
    settings.SECRET_SCANNING_KEYS = {}
    response = post(json.dumps(alert(leaked.plaintext)).encode(), key_id="k", signature="QUJD")
    elsewhere = APIClient().post("/api/v1/nowhere/", data=b"[]", content_type="application/json")
    assert response.status_code == 404
    assert api_error(response) == api_error(elsewhere) == {"detail": "Not found.",
                                                           "code": "not_found"}
    nothing_done(leaked)


def test_the_alert_plaintexts_never_reach_the_log(keys, leaked, caplog):
    caplog.set_level(logging.DEBUG)
    signed(keys, alert(leaked.plaintext))
    post(json.dumps(alert(leaked.plaintext)).encode(), key_id="key-current", signature="QUJD")
    assert leaked.plaintext not in caplog.text
    assert "Secret-scanning alert refused: signature does not verify" in caplog.text


def test_a_mail_server_failure_does_not_undo_the_revocation(keys, leaked, settings):
    settings.EMAIL_BACKEND = "tests.tokens.test_secret_scanning.FailingBackend"
    response = signed(keys, alert(leaked.plaintext))
    assert response.json()[0]["label"] == "true_positive"
    leaked.refresh_from_db()
    assert leaked.revoked_reason == "reported leaked"


class FailingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise OSError("mail server down")


@pytest.mark.parametrize("document, problem", [
    ("{", "is not valid JSON"),
    ('{"keys": []}', 'must be a JSON object with a non-empty "public_keys" list'),
    ('{"public_keys": []}', 'must be a JSON object with a non-empty "public_keys" list'),
    ('{"public_keys": [{"key": "x"}]}', "public_keys[0] has no key_identifier"),
    ('{"public_keys": [{"key_identifier": "a"}]}', "public_keys[0] (a) has no key"),
    ('{"public_keys": [{"key_identifier": "a", "key": "nonsense"}]}',
     "public_keys[0] (a) is not an ECDSA P-256 public key in PEM"),
])
def test_a_bad_keys_document_is_refused_with_the_reason(document, problem):
    with pytest.raises(KeysError) as refused:
        parse_keys(document)
    assert str(refused.value).startswith(problem)


def test_a_key_on_another_curve_is_refused():
    other = ec.generate_private_key(ec.SECP384R1()).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    document = json.dumps({"public_keys": [{"key_identifier": "p384", "key": other}]})
    with pytest.raises(KeysError, match=r"\(p384\) is not an ECDSA P-256 public key"):
        parse_keys(document)


def test_the_readme_pattern_finds_our_tokens_and_only_them(leaked):
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    [pattern] = re.findall(r"```\n(\\bpgu_.*)\n```", readme)
    found = re.compile(pattern)
    text = f"config: token={leaked.plaintext}\nother: ghp_{'a' * 36} pgu_short"
    assert found.findall(text) == [leaked.plaintext]
    for _ in range(50):
        assert found.fullmatch(crypto.generate())
    assert found.fullmatch(crypto.build("0123456789abcdefghijABCDEFGHIJ"))  # the shortest


@pytest.mark.parametrize("configured", [True, False])
def test_other_methods_are_405_before_any_signature_check(settings, keys, configured):
    if not configured:
        settings.SECRET_SCANNING_KEYS = {}
    for method in ("get", "put", "patch", "delete"):
        response = getattr(APIClient(), method)(URL)
        assert response.status_code == 405, method
    assert not AuditEvent.objects.exists()
