import pytest
from django.core.management import call_command

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_prints_how_to_log_in(capsys, settings):
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "alice / demo-pass-2026" in out
    assert User.objects.filter(username="billing-sync", category="programmatic").count() == 1
    alice = User.objects.get(username="alice")
    assert alice.is_staff and not alice.is_superuser
    assert alice.has_perm("accounts.configure_users")
    from permissions.policy import may_change_account

    assert may_change_account(alice, User.objects.get(username="billing-sync"))
    assert alice.check_password("demo-pass-2026")
    assert User.objects.personal().filter(username__in=["bob", "carol"]).count() == 2


def test_seed_demo_with_debug_off_uses_a_random_password(capsys, settings):
    settings.DEBUG = False
    call_command("seed_demo")
    assert not User.objects.get(username="alice").check_password("demo-pass-2026")
    assert "demo-pass-2026" not in capsys.readouterr().out


def test_seed_demo_gives_the_integration_some_projects_and_not_others(settings):
    from projects.models import Project
    from tokens.models import ApiToken

    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")
    assert Project.objects.count() == 3
    integration = User.objects.get(username="billing-sync")
    visible = Project.objects.filter(code__in=["ATLAS", "BOREAL"])
    assert all(integration.has_perm("projects.view_project", p) for p in visible)
    assert not integration.has_perm("projects.view_project", Project.objects.get(code="CIRRUS"))
    assert not ApiToken.objects.exists()


def test_demo_token_is_printed_works_and_replaces_the_previous_one(capsys, settings):
    from rest_framework.test import APIClient

    from tokens.models import ApiToken

    settings.DEBUG = True
    call_command("seed_demo", "--demo-token")
    first = _printed_token(capsys.readouterr().out)
    call_command("seed_demo", "--demo-token")
    second = _printed_token(capsys.readouterr().out)
    assert first != second
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {second}")
    codes = [row["code"] for row in client.get("/api/v1/projects/").json()["results"]]
    assert sorted(codes) == ["ATLAS", "BOREAL"]
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {first}")
    assert client.get("/api/v1/me/").status_code == 401
    assert ApiToken.objects.usable().count() == 1
    assert ApiToken.objects.get(revoked_at__isnull=False).revoked_reason == (
        "replaced by seed_demo")


def test_the_integration_reads_every_invoice_of_its_projects_through_one_grant_each(settings):
    from rest_framework.test import APIClient

    from projects.models import Invoice, InvoiceUserObjectPermission, Project
    from tests.projects.factories import InvoiceFactory
    from tests.tokens.factories import ApiTokenFactory, bearer

    settings.DEBUG = True
    call_command("seed_demo")
    integration = User.objects.get(username="billing-sync")
    assert not InvoiceUserObjectPermission.objects.filter(user=integration).exists()
    later = InvoiceFactory(project=Project.objects.get(code="BOREAL"), number="INV-LATER")
    client = bearer(APIClient(), ApiTokenFactory(user=integration).plaintext)

    numbers = [row["number"] for row in client.get("/api/v1/invoices/").json()["results"]]

    expected = Invoice.objects.filter(project__code__in=["ATLAS", "BOREAL"])
    assert sorted(numbers) == sorted(expected.values_list("number", flat=True))
    assert "INV-LATER" in numbers and "INV-2026-004" not in numbers
    assert client.get(f"/api/v1/invoices/{later.pk}/").status_code == 200


def _printed_token(out: str) -> str:
    [line] = [line for line in out.splitlines() if line.startswith("Demo token:")]
    return line.split()[-1]
