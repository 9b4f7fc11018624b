"""GET audit-events/digests/, public-key/ and verification/: who may read them, what they say,
and that nobody can write through them."""

import json

import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from audit import digests
from audit.conf import audit_settings
from audit.models import AuditSeal
from tests.accounts.factories import PersonFactory, group
from tests.audit.conftest import digest_files, make_events, seal, tamper
from tests.conftest import api_error, client_for

pytestmark = pytest.mark.django_db

DIGESTS = "/api/v1/audit-events/digests/"
PUBLIC_KEY = "/api/v1/audit-events/public-key/"
VERIFICATION = "/api/v1/audit-events/verification/"


@pytest.fixture
def auditor(db):
    user = PersonFactory(username="auditor")
    user.groups.add(group("Auditors"))
    return user


@pytest.fixture
def auditor_client(auditor):
    return client_for(auditor)


def caller(name: str, request) -> APIClient:
    if name == "anonymous":
        return APIClient()
    if name in {"programmatic", "granted programmatic"}:
        user = request.getfixturevalue("programmatic_user")
        if name == "granted programmatic":
            user.user_permissions.add(Permission.objects.get(codename="view_auditevent"))
        client = APIClient()
        client.force_authenticate(user)
        return client
    return client_for(request.getfixturevalue(name))


MATRIX = [
    ("auditor", 200), ("superuser", 200), ("granted programmatic", 200),
    ("configurator", 403), ("person", 403), ("programmatic", 403), ("anonymous", 401),
]


@pytest.mark.parametrize(("name", "status"), MATRIX)
@pytest.mark.parametrize("url", [DIGESTS, PUBLIC_KEY, VERIFICATION])
def test_who_may_read_the_integrity_endpoints(name, status, url, request):
    response = caller(name, request).get(url)
    assert response.status_code == status
    if status != 200:
        assert response["Content-Type"] == "application/json"
        assert set(api_error(response)) == {"detail", "code"}


@pytest.mark.parametrize("name", [n for n, _ in MATRIX])
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("url", [DIGESTS, PUBLIC_KEY, VERIFICATION])
def test_no_write_method_exists_for_anyone(name, method, url, request, digest_dir):
    make_events(2)
    seal()
    before = sorted(p.read_bytes() for p in digest_files(digest_dir))
    response = getattr(caller(name, request), method)(url, {"name": "x"}, format="json")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert sorted(p.read_bytes() for p in digest_files(digest_dir)) == before
    assert AuditSeal.objects.count() == 1


def test_digests_are_listed_as_stored_in_chain_order(auditor_client, digest_dir):
    make_events(5)
    seal(batch_size=2)
    stored = [json.loads(p.read_bytes()) for p in digest_files(digest_dir)]
    results = auditor_client.get(DIGESTS).json()["results"]
    names = [digests.name_for(d["first_event_id"], d["last_event_id"]) for d in stored]
    assert results == [
        {"name": name, "sha256": digests.document_hash(document), **document}
        for name, document in zip(names, stored, strict=True)
    ]
    assert results[1]["previous_digest"] == results[0]["sha256"]


def test_digest_pages_follow_the_cursor_both_ways(auditor_client):
    make_events(5)
    seal(batch_size=1)
    first = auditor_client.get(f"{DIGESTS}?page_size=2").json()
    second = auditor_client.get(first["next"]).json()
    third = auditor_client.get(second["next"]).json()
    assert [len(p["results"]) for p in (first, second, third)] == [2, 2, 1]
    assert first["previous"] is None and third["next"] is None
    names = [r["name"] for p in (first, second, third) for r in p["results"]]
    assert names == sorted(names) and len(set(names)) == 5
    back = auditor_client.get(third["previous"]).json()
    assert back["results"] == second["results"]
    assert "page_size=2" in back["next"]


@pytest.mark.parametrize("cursor", ["nonsense", "e30", "eyJhZnRlciI6IDF9", "W10="])
def test_an_invalid_digest_cursor_is_404(auditor_client, cursor):
    response = auditor_client.get(f"{DIGESTS}?cursor={cursor}")
    assert response.status_code == 404
    assert api_error(response) == {"detail": "Invalid cursor.", "code": "not_found"}


def test_a_bad_page_size_gives_the_default_page(auditor_client):
    make_events(3)
    seal(batch_size=1)
    assert len(auditor_client.get(f"{DIGESTS}?page_size=abc").json()["results"]) == 3


def test_an_unreadable_digest_is_listed_with_its_problem(auditor_client, digest_dir):
    make_events(2)
    seal()
    [path] = digest_files(digest_dir)
    path.chmod(0o644)
    path.write_text("{not json")
    name = path.relative_to(digest_dir).as_posix()
    assert auditor_client.get(DIGESTS).json()["results"] == [
        {"name": name, "problem": "the digest is not JSON"}]


def test_the_public_key_is_served_as_pem_text(auditor_client):
    key = audit_settings.signing_key
    for accept in (None, "text/plain", "*/*"):
        headers = {"HTTP_ACCEPT": accept} if accept else {}
        response = auditor_client.get(PUBLIC_KEY, **headers)
        assert response.status_code == 200
        assert response["Content-Type"] == "text/plain; charset=utf-8"
        assert response.content.decode() == key.public_pem
        assert response["X-Audit-Key-Id"] == key.id
    assert "PRIVATE" not in response.content.decode()


def test_an_error_of_the_public_key_is_json_whatever_was_asked():
    response = APIClient().get(PUBLIC_KEY, HTTP_ACCEPT="text/plain")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"


def test_the_verification_of_an_intact_log(auditor_client):
    events = make_events(3)
    seal()
    make_events(1)
    body = auditor_client.get(VERIFICATION).json()
    key_id = audit_settings.signing_key.id
    summary = body.pop("summary")
    assert body == {
        "intact": True, "scope": "recent", "events_checked": 3, "seals_checked": 1,
        "digests_checked": 1, "sealed_up_to": events[-1].id, "unsealed": 1,
        "first_broken": None, "broken_digest": None, "problem": "", "key_id": key_id,
    }
    assert summary.startswith("audit log intact: 3 events checked in 1 seals")


def test_the_verification_names_the_reproductions_edited_event(auditor_client):
    events = make_events(4)
    seal(batch_size=2)
    tamper("UPDATE audit_auditevent SET status = 200 WHERE id = %s", [events[1].id])
    tamper("DELETE FROM audit_auditseal")
    for scope in ("recent", "full"):
        body = auditor_client.get(f"{VERIFICATION}?scope={scope}").json()
        assert (body["intact"], body["scope"], body["first_broken"], body["problem"]) == (
            False, scope, events[1].id, "content altered")
        assert body["summary"] == f"audit log broken at event {events[1].id}: content altered"


def test_the_verification_names_a_missing_digest(auditor_client, digest_dir):
    make_events(2)
    seal()
    [path] = digest_files(digest_dir)
    path.unlink()
    body = auditor_client.get(VERIFICATION).json()
    assert body["intact"] is False and body["first_broken"] is None
    assert body["broken_digest"] == path.relative_to(digest_dir).as_posix()


def test_a_bad_scope_is_a_field_error(auditor_client):
    response = auditor_client.get(f"{VERIFICATION}?scope=everything")
    assert response.status_code == 400
    assert set(api_error(response)) == {"scope"}
