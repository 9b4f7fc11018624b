"""The plaintext exists once: in the response that issues it (DESIGN rule 18)."""

import logging

import pytest
from django.apps import apps
from rest_framework.test import APIClient

from tests.conftest import client_for
from tests.tokens.factories import bearer
from tokens import crypto

pytestmark = pytest.mark.django_db


def every_stored_text() -> str:
    """Every row of every model of the project, as text."""
    rows = []
    for model in apps.get_models():
        rows.extend(str(row) for row in model._base_manager.values())
    return "\n".join(rows)


def test_a_token_lifecycle_leaves_its_plaintext_nowhere(token_configurator, programmatic_user,
                                                       caplog):
    caplog.set_level(logging.DEBUG)
    configurator = client_for(token_configurator)
    issued = configurator.post(f"/api/v1/programmatic-users/{programmatic_user.pk}/tokens/",
                               {"name": "ci"}, format="json").json()
    plaintext = issued["token"]
    client = bearer(APIClient(), plaintext)
    client.get("/api/v1/me/")
    client.get("/api/v1/projects/99999/")
    client.post("/api/v1/projects/", {"code": "x"}, format="json")
    rotated = configurator.post(f"/api/v1/tokens/{issued['id']}/rotate/",
                                {"grace_hours": 0}, format="json").json()
    client.get("/api/v1/me/")  # fails now: rotated
    APIClient().post("/api/v1/tokens/revoke-leaked/", {"token": rotated["token"]},
                     format="json")
    bearer(APIClient(), plaintext + "x").get("/api/v1/me/")
    later = configurator.get(f"/api/v1/tokens/{issued['id']}/").content.decode()

    stored = every_stored_text()
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for secret in (plaintext, rotated["token"]):
        assert secret not in stored
        assert secret not in logged
        assert secret not in later
        assert crypto.parse(secret).secret not in stored
        assert crypto.parse(secret).secret not in logged
    assert "Unauthorized: /api/v1/me/" in logged  # the log was captured indeed


def test_an_issued_token_keeps_its_plaintext_out_of_its_repr(programmatic_user):
    """A traceback or a debug page prints local variables with repr(): the one object holding
    a plaintext must not show it."""
    from tokens import services

    issued = services.token_issue(actor=None, user=programmatic_user, name="repr")
    assert issued.plaintext.startswith("pgu_")
    assert issued.plaintext not in repr(issued) and issued.plaintext not in str(issued)
