"""The demo accounts complete every tour of the README (issue 18): `alice` the configurator's,
`audrey` the auditor's, and `root` (a superuser) what neither may do."""

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from accounts.models import User
from projects.models import Project

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo", "--demo-token")
    return capsys.readouterr().out


def _session(username):
    client = APIClient()
    client.force_login(User.objects.get(username=username))
    return client


def test_walk(demo):
    alice = _session("alice")
    integration = User.objects.get(username="billing-sync")
    atlas = Project.objects.get(code="ATLAS")
    for url in ["/admin/projects/project/", f"/admin/projects/project/{atlas.pk}/permissions/",
                f"/admin/accounts/programmaticuser/{integration.pk}/change/",
                f"/admin/accounts/programmaticuser/{integration.pk}/effective-permissions/",
                f"/admin/accounts/programmaticuser/{integration.pk}/permission-usage/",
                f"/admin/tokens/apitoken/issue/{integration.pk}/"]:
        print(url, alice.get(url).status_code)
    r = alice.post(f"/api/v1/programmatic-users/{integration.pk}/permissions/",
                   {"permission": "projects.view_project",
                    "object": {"type": "projects.project", "id": 3}}, format="json")
    print(r.status_code, r.content)
    r = alice.post(f"/api/v1/programmatic-users/{integration.pk}/permissions/",
                   {"permission": "projects.view_project"}, format="json")
    print(r.status_code, r.content)
    audrey = _session("audrey")
    for url in ["/admin/", "/admin/audit/auditevent/", "/admin/tokens/apitoken/",
                f"/admin/accounts/programmaticuser/{integration.pk}/change/",
                f"/admin/accounts/programmaticuser/{integration.pk}/permission-usage/",
                f"/api/v1/programmatic-users/{integration.pk}/permission-usage/"]:
        print(url, audrey.get(url).status_code)
    assert 0
