"""One integration's life, through the API: every event of API.md §4 is written by the action
that should write it, with its fields, and nothing else is written."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from audit.models import AuditEvent
from tests.conftest import client_for
from tests.projects.factories import ProjectFactory
from tests.tokens.factories import bearer

pytestmark = pytest.mark.django_db


def new_events(seen: list[int]) -> list[AuditEvent]:
    events = list(AuditEvent.objects.exclude(id__in=seen).order_by("id"))
    seen.extend(event.id for event in events)
    return events


def names(events) -> list[str]:
    return [event.event for event in events]


def test_an_integrations_life_writes_exactly_its_events(superuser):
    project = ProjectFactory(code="ATLAS")
    admin = client_for(superuser)
    seen: list[int] = list(AuditEvent.objects.values_list("id", flat=True))

    created = admin.post("/api/v1/programmatic-users/", {
        "username": "erp-sync", "contact_email": "owner@example.com"}, format="json").json()
    robot_id = created["id"]
    [event] = new_events(seen)
    assert (event.event, event.actor_username, event.actor_category, event.target_type,
            event.target_id) == ("user.created", "root", "personal", "accounts.user",
                                 str(robot_id))
    assert (event.method, event.path) == ("POST", "/api/v1/programmatic-users/")

    admin.patch(f"/api/v1/programmatic-users/{robot_id}/", {"description": "ERP"},
                format="json")
    assert names(new_events(seen)) == ["user.updated"]

    admin.post(f"/api/v1/programmatic-users/{robot_id}/permissions/", {
        "permission": "projects.view_project",
        "object": {"type": "projects.project", "id": project.pk}}, format="json")
    assert names(new_events(seen)) == ["permission.granted"]

    issued = admin.post(f"/api/v1/programmatic-users/{robot_id}/tokens/", {"name": "erp"},
                        format="json").json()
    [event] = new_events(seen)
    assert (event.event, event.token_id, event.token_hint) == (
        "token.issued", issued["id"], issued["hint"])

    robot = bearer(APIClient(), issued["token"])
    assert robot.get("/api/v1/projects/?page_size=5", HTTP_USER_AGENT="erp/2",
                     HTTP_X_REQUEST_ID="req-42").status_code == 200
    [used] = new_events(seen)
    assert (used.event, used.actor_username, used.actor_category, used.token_id) == (
        "token.used", "erp-sync", "programmatic", issued["id"])
    assert (used.method, used.path, used.status, used.ip, used.user_agent, used.request_id) == (
        "GET", "/api/v1/projects/", 200, "127.0.0.1", "erp/2", "req-42")
    assert used.details["permissions"] == ["projects.view_project"]
    assert used.details["duration_ms"] >= 0

    assert robot.patch(f"/api/v1/projects/{project.pk}/", {"name": "x"},
                       format="json").status_code == 403
    denied = new_events(seen)
    assert names(denied) == ["token.used", "access.denied"]
    assert denied[0].details["permissions"] == ["projects.change_project", "projects.view_project"]
    assert {e.status for e in denied} == {403}

    bearer(APIClient(), issued["token"] + "x").get("/api/v1/me/")
    [failed] = new_events(seen)
    assert (failed.event, failed.details, failed.token_id) == (
        "auth.failed", {"reason": "bad_checksum"}, None)

    rotated = admin.post(f"/api/v1/tokens/{issued['id']}/rotate/", {"grace_hours": 1},
                         format="json").json()
    assert [(e.event, e.token_id) for e in new_events(seen)] == [
        ("token.rotated", issued["id"]), ("token.issued", rotated["id"])]

    admin.post(f"/api/v1/tokens/{rotated['id']}/revoke/", {"reason": "drill"}, format="json")
    assert [(e.event, e.token_id, e.details) for e in new_events(seen)] == [
        ("token.revoked", rotated["id"], {"reason": "drill"})]

    APIClient().post("/api/v1/tokens/revoke-leaked/", {"token": "pgu_nothing"}, format="json")
    assert [(e.event, e.details) for e in new_events(seen)] == [
        ("token.leak_reported", {"matched": False})]

    admin.delete(f"/api/v1/programmatic-users/{robot_id}/permissions/", {
        "permission": "projects.view_project",
        "object": {"type": "projects.project", "id": project.pk}}, format="json")
    assert names(new_events(seen)) == ["permission.revoked"]

    admin.patch(f"/api/v1/programmatic-users/{robot_id}/", {"is_active": False}, format="json")
    deactivation = new_events(seen)
    assert names(deactivation) == ["user.deactivated", "token.revoked"]
    assert (deactivation[1].token_id, deactivation[1].details) == (
        issued["id"], {"reason": "user deactivated"})  # the old one, still in its grace

    admin.patch(f"/api/v1/programmatic-users/{robot_id}/", {"is_active": True}, format="json")
    assert names(new_events(seen)) == ["user.reactivated"]

    Client().post("/admin/login/?next=/admin/", {"username": "erp-sync", "password": "x"})
    [refused] = new_events(seen)
    assert (refused.event, refused.actor_username) == ("login.refused", "erp-sync")

    admin.get("/api/v1/programmatic-users/")  # reading as a person writes nothing
    assert new_events(seen) == []
    stored = str(list(AuditEvent.objects.values()))
    assert issued["token"] not in stored and rotated["token"] not in stored
