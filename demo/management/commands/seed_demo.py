"""manage.py seed_demo: demo data for a first look (idempotent; DEBUG on or off)."""

import secrets

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts import services as account_services
from accounts.models import User
from accounts.roles import AUDITORS, TOKEN_CONFIGURATORS, USER_CONFIGURATORS, ensure_default_roles

DEMO_PASSWORD = "demo-pass-2026"
PEOPLE = [
    # username, first, last, staff, roles
    ("alice", "Alice", "Configurator", True, [USER_CONFIGURATORS, TOKEN_CONFIGURATORS]),
    ("audrey", "Audrey", "Auditor", True, [AUDITORS]),
    ("bob", "Bob", "Manager", False, []),
    ("carol", "Carol", "Manager", False, []),
]
INTEGRATION = {
    "username": "billing-sync",
    "contact_email": "alice@example.com",
    "description": "Nightly sync of projects and invoices with the billing system (demo).",
}


class Command(BaseCommand):
    help = "Load demo data: a configurator, an auditor, people and a programmatic user."

    def handle(self, *args, **options):
        password = DEMO_PASSWORD if settings.DEBUG else secrets.token_urlsafe(12)
        with transaction.atomic():
            roles = ensure_default_roles()
            for username, first, last, staff, role_names in PEOPLE:
                user, _ = User.objects.get_or_create(
                    username=username,
                    defaults={"first_name": first, "last_name": last,
                              "email": f"{username}@example.com", "is_staff": staff})
                user.set_password(password)
                user.save()
                user.groups.add(*[roles[name] for name in role_names])
            integration = User.objects.filter(username=INTEGRATION["username"]).first()
            if integration is None:
                integration = account_services.programmatic_user_create(
                    actor=None, **INTEGRATION)
        self.stderr.write("Demo data ready.")
        self.stdout.write(
            "\n".join([
                "Admin:        http://127.0.0.1:8000/admin/",
                f"Configurator: alice / {password}   (User + Token configurator, not a superuser)",
                f"Auditor:      audrey / {password}",
                f"Integration:  programmatic user {integration.username!r} "
                "(cannot log in; it uses API tokens)",
            ])
        )
