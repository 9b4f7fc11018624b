"""Programmatic users cannot log into the UI, and the refusal looks like a wrong password."""

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import get_hasher
from django.core import mail

from audit.models import AuditEvent
from tests.accounts.factories import PersonFactory, ProgrammaticUserFactory
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _admin_login(client, username, password):
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password})


def test_a_person_with_staff_rights_logs_into_the_admin(client):
    PersonFactory(username="staffer", is_staff=True)
    response = _admin_login(client, "staffer", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_a_programmatic_user_gets_exactly_the_wrong_password_answer(client):
    PersonFactory(username="staffer", is_staff=True)
    ProgrammaticUserFactory(username="robot")
    wrong = _admin_login(client, "staffer", "not-the-password")
    refused = _admin_login(client, "robot", "whatever-it-tries")
    assert wrong.status_code == refused.status_code == 200
    wrong_errors = wrong.context["form"].non_field_errors()
    refused_errors = refused.context["form"].non_field_errors()
    assert list(wrong_errors) == list(refused_errors)
    assert "Please enter the correct username and password" in refused_errors[0]
    assert "_auth_user_id" not in client.session


def test_session_login_refuses_programmatic_users_everywhere(client):
    ProgrammaticUserFactory(username="robot")
    response = client.post("/accounts/login/", {"username": "robot", "password": "x"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_authenticate_returns_none_for_a_programmatic_user_and_audits_it():
    robot = ProgrammaticUserFactory(username="robot")
    assert authenticate(username="robot", password="anything") is None
    event = AuditEvent.objects.get(event="login.refused")
    assert (event.actor_id, event.actor_username, event.actor_category) == (
        robot.pk, "robot", "programmatic")
    assert "anything" not in str(event.details)


def test_wrong_password_for_a_person_is_not_a_login_refusal():
    PersonFactory(username="bob")
    assert authenticate(username="bob", password="nope") is None
    assert not AuditEvent.objects.filter(event="login.refused").exists()


def test_the_refusal_runs_the_password_hasher_like_a_wrong_password(monkeypatch):
    """No timing oracle: each path hashes the submitted password exactly once (CVE-2024-39329)."""
    PersonFactory(username="bob")
    ProgrammaticUserFactory(username="robot")
    hasher_class = type(get_hasher())
    calls = []
    original = hasher_class.encode

    def counting_encode(self, password, salt, *args, **kwargs):
        calls.append(password)
        return original(self, password, salt, *args, **kwargs)

    monkeypatch.setattr(hasher_class, "encode", counting_encode)
    for username in ("bob", "robot", "nobody-at-all"):
        calls.clear()
        assert authenticate(username=username, password="guess") is None
        assert calls == ["guess"], username


def test_a_session_of_a_programmatic_user_is_not_honoured(client):
    robot = ProgrammaticUserFactory(username="robot")
    client.force_login(robot, backend="accounts.backends.PersonalOnlyModelBackend")
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_password_reset_sends_nothing_for_a_programmatic_user(client):
    ProgrammaticUserFactory(username="robot", email="robot@example.com",
                            contact_email="robot@example.com")
    PersonFactory(username="bob", email="bob@example.com")
    for address in ("robot@example.com", "bob@example.com"):
        response = client.post("/accounts/password_reset/", {"email": address})
        assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["bob@example.com"]]


def test_a_personal_user_without_staff_rights_cannot_enter_the_admin(client):
    PersonFactory(username="plain")
    response = _admin_login(client, "plain", PASSWORD)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
