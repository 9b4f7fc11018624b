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
    assert alice.check_password("demo-pass-2026")
    assert User.objects.personal().filter(username__in=["bob", "carol"]).count() == 2


def test_seed_demo_with_debug_off_uses_a_random_password(capsys, settings):
    settings.DEBUG = False
    call_command("seed_demo")
    assert not User.objects.get(username="alice").check_password("demo-pass-2026")
    assert "demo-pass-2026" not in capsys.readouterr().out
