"""The token record: kept after its issuer goes, refused for people, roles in place."""

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from audit.models import AuditEvent
from tests.accounts.factories import PersonFactory, group
from tests.tokens.factories import ApiTokenFactory, bearer
from tokens import revocation, services
from tokens.models import ApiToken

pytestmark = pytest.mark.django_db


def test_deleting_the_person_who_issued_a_token_leaves_it_working(programmatic_user):
    issuer = PersonFactory(username="leaver")
    issued = services.token_issue(actor=issuer, user=programmatic_user, name="erp")
    issuer.delete()
    token = ApiToken.objects.get()
    assert (token.created_by, token.created_by_username) == (None, "leaver")
    assert bearer(APIClient(), issued.plaintext).get("/api/v1/me/").status_code == 200


def test_a_token_cannot_be_stored_for_a_personal_user(person):
    with pytest.raises(ValidationError):
        ApiTokenFactory(user=person)
    assert not ApiToken.objects.exists()


def test_several_named_tokens_per_user(programmatic_user):
    for name in ("erp-read", "erp-write", "erp-read"):
        services.token_issue(actor=None, user=programmatic_user, name=name)
    assert sorted(programmatic_user.api_tokens.values_list("name", flat=True)) == [
        "erp-read", "erp-read", "erp-write"]


def test_the_change_and_its_audit_event_commit_together(programmatic_user, monkeypatch):
    def broken_record(*args, **kwargs):
        raise RuntimeError("audit storage down")

    monkeypatch.setattr(services, "record", broken_record)
    monkeypatch.setattr(revocation, "record", broken_record)
    with pytest.raises(RuntimeError):
        services.token_issue(actor=None, user=programmatic_user, name="erp")
    assert not ApiToken.objects.exists()
    token = ApiTokenFactory(user=programmatic_user)
    with pytest.raises(RuntimeError):
        services.token_revoke(actor=None, token=token, reason="x")
    token.refresh_from_db()
    assert token.revoked_at is None
    assert not AuditEvent.objects.exists()


def _codenames(name):
    return set(group(name).permissions.values_list("content_type__app_label", "codename"))


def test_default_roles_carry_the_token_permissions():
    assert {("tokens", "issue_token"), ("tokens", "view_apitoken")} <= _codenames(
        "Token configurators")
    auditors = _codenames("Auditors")
    assert ("tokens", "view_apitoken") in auditors
    assert not [c for _, c in auditors if not c.startswith("view_")]


def test_issue_token_is_a_distinct_permission():
    assert Permission.objects.get(codename="issue_token").name == (
        "Can issue, rotate and revoke API tokens")


def test_a_token_issued_afresh_is_the_first_of_its_family_and_a_rotation_joins_it(
        programmatic_user):
    first = ApiTokenFactory(user=programmatic_user)
    assert first.family_id == first.pk
    assert ApiToken.objects.get(pk=first.pk).family_id == first.pk
    stranger = ApiTokenFactory(user=programmatic_user)
    with pytest.raises(ValidationError) as caught:
        ApiTokenFactory(user=programmatic_user, rotated_from=first, family=stranger)
    assert caught.value.message_dict == {"family": [
        "A token derived by rotation belongs to the family of the token it replaces."]}
    assert ApiToken.objects.count() == 2
