"""manage.py seed_demo [--demo-token]: demo data for a first look (idempotent; DEBUG on or off)."""

import datetime
import secrets
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts import services as account_services
from accounts.models import User
from accounts.roles import AUDITORS, TOKEN_CONFIGURATORS, USER_CONFIGURATORS, ensure_default_roles
from permissions.selectors import object_permissions
from permissions.services import permission_grant
from projects.models import Invoice, Project
from tokens import services as token_services
from tokens.models import ApiToken

DEMO_PASSWORD = "demo-pass-2026"
DEMO_TOKEN_NAME = "demo"
PEOPLE = [
    # username, first, last, staff, superuser, roles
    ("alice", "Alice", "Configurator", True, False, [USER_CONFIGURATORS, TOKEN_CONFIGURATORS]),
    ("audrey", "Audrey", "Auditor", True, False, [AUDITORS]),
    ("root", "Root", "Administrator", True, True, []),  # for what the tours' roles may not do
    ("bob", "Bob", "Manager", False, False, []),
    ("carol", "Carol", "Manager", False, False, []),
]
INTEGRATION = {
    "username": "billing-sync",
    "contact_email": "alice@example.com",
    "description": "Nightly sync of projects and invoices with the billing system (demo).",
}
# code, name, client, manager, status, budget; the integration sees the first two only, and
# every invoice of them (a grant of view_invoice on the project: present and future invoices).
PROJECTS = [
    ("ATLAS", "Atlas migration", "Northwind", "bob", Project.Status.ACTIVE, "120000.00"),
    ("BOREAL", "Boreal rollout", "Contoso", "carol", Project.Status.ACTIVE, "80000.00"),
    ("CIRRUS", "Cirrus audit (confidential)", "Fabrikam", "bob", Project.Status.PLANNED,
     "15000.00"),
]
INVOICES = [  # number, project code, amount
    ("INV-2026-001", "ATLAS", "12000.00"),
    ("INV-2026-002", "ATLAS", "8000.00"),
    ("INV-2026-003", "BOREAL", "9500.00"),
    ("INV-2026-004", "CIRRUS", "4000.00"),
]
VISIBLE = ("ATLAS", "BOREAL")
EDITABLE = ("ATLAS",)
# alice holds everything billing-sync holds, so the no-escalation rule lets her change it, issue
# its tokens and grant on the projects' Object permissions pages (the configurator's tour).
CONFIGURATOR_PERMISSIONS = ("projects.view_project", "projects.change_project",
                            "projects.view_invoice")


def _grant_once(user, permission: str, obj) -> None:
    if permission.split(".", 1)[1] not in object_permissions(user, obj):
        permission_grant(actor=None, user=user, permission=permission, obj=obj)


class Command(BaseCommand):
    help = "Load demo data: a configurator, an auditor, people, projects and a programmatic user."

    def add_arguments(self, parser):
        parser.add_argument(
            "--demo-token", action="store_true",
            help="Also issue a fresh demo token for billing-sync (revoking the previous one) "
                 "and print it.",
        )

    def handle(self, *args, demo_token=False, **options):
        password = DEMO_PASSWORD if settings.DEBUG else secrets.token_urlsafe(12)
        with transaction.atomic():
            roles = ensure_default_roles()
            people = {}
            for username, first, last, staff, superuser, role_names in PEOPLE:
                user, _ = User.objects.get_or_create(
                    username=username,
                    defaults={"first_name": first, "last_name": last,
                              "email": f"{username}@example.com", "is_staff": staff,
                              "is_superuser": superuser})
                user.set_password(password)
                user.save()
                user.groups.add(*[roles[name] for name in role_names])
                people[username] = user
            for name in CONFIGURATOR_PERMISSIONS:
                permission_grant(actor=None, user=people["alice"], permission=name,
                                 via="seed_demo")
            integration = User.objects.filter(username=INTEGRATION["username"]).first()
            if integration is None:
                integration = account_services.programmatic_user_create(
                    actor=None, **INTEGRATION)
            self.seed_projects(people, integration)
            plaintext = self.fresh_demo_token(integration) if demo_token else None
        self.stderr.write("Demo data ready.")
        lines = [
            "Admin:        http://127.0.0.1:8000/admin/",
            f"Configurator: alice / {password}   (User + Token configurator, not a superuser)",
            f"Auditor:      audrey / {password}",
            f"Superuser:    root / {password}   (for everything else)",
            f"Integration:  programmatic user {integration.username!r} "
            "(cannot log in; it uses API tokens)",
        ]
        if plaintext is not None:
            lines += [
                f"Demo token:   {plaintext}",
                "Try it:       curl -H 'Authorization: Bearer <demo token>' "
                "http://127.0.0.1:8000/api/v1/projects/",
            ]
        else:
            lines.append("Demo token:   python manage.py seed_demo --demo-token "
                         "(or issue one in the admin)")
        self.stdout.write("\n".join(lines))

    def seed_projects(self, people: dict, integration: User) -> None:
        projects = {}
        for code, name, client, manager, status, budget in PROJECTS:
            projects[code], _ = Project.objects.get_or_create(code=code, defaults={
                "name": name, "client": client, "manager": people[manager], "status": status,
                "budget": Decimal(budget)})
        for number, code, amount in INVOICES:
            Invoice.objects.get_or_create(number=number, defaults={
                "project": projects[code], "amount": Decimal(amount), "currency": "EUR",
                "issued_on": datetime.date(2026, 10, 1), "status": Invoice.Status.ISSUED})
        for code in VISIBLE:
            _grant_once(integration, "projects.view_project", projects[code])
            _grant_once(integration, "projects.view_invoice", projects[code])
        for code in EDITABLE:
            _grant_once(integration, "projects.change_project", projects[code])

    def fresh_demo_token(self, integration: User) -> str:
        """Revoke the previous demo token(s), issue a new one; its plaintext."""
        previous = ApiToken.objects.filter(user=integration, name=DEMO_TOKEN_NAME).live()
        for token in previous:
            token_services.token_revoke(actor=None, token=token, reason="replaced by seed_demo")
        issued = token_services.token_issue(actor=None, user=integration, name=DEMO_TOKEN_NAME,
                                            description="Issued by make run for a first look.",
                                            expires_in_days=30)
        return issued.plaintext
