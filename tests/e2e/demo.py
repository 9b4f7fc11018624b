"""The demo as `make run` seeds it, for the browser tests that look at whole pages (lists that fit,
the link walk, the README's screenshots): `seed_demo --demo-token`, some traffic with the demo
token (successes, a refusal, a 404, a long path), and a few long values."""

import io
import re
from dataclasses import dataclass

import requests
from django.core.management import call_command

from accounts import services as account_services
from accounts.models import User
from tokens import services as token_services

LONG_TOKEN_NAME = "nightly-export-of-every-invoice-to-the-billing-system-northw"  # 60 characters
LONG_PATH = "/api/v1/projects/?search=" + "northwind-" * 20


@dataclass(frozen=True)
class Demo:
    password: str
    token: str
    integration: User


def seed(base_url: str) -> Demo:
    """Seed the demo, make its token do something, add long values; the logins and the token."""
    out = io.StringIO()
    call_command("seed_demo", demo_token=True, stdout=out, stderr=io.StringIO())
    printed = out.getvalue()
    password = re.search(r"alice / (\S+)", printed).group(1)
    token = re.search(r"Demo token:\s+(pgu_\S+)", printed).group(1)
    integration = User.objects.get(username="billing-sync")
    headers = {"Authorization": f"Bearer {token}", "User-Agent": "billing-sync/2.1"}
    for path, method, body in [
        ("/api/v1/projects/", "GET", None), ("/api/v1/projects/1/", "GET", None),
        ("/api/v1/me/", "GET", None), ("/api/v1/projects/1/", "PATCH", {"client": "Northwind"}),
        ("/api/v1/projects/2/", "PATCH", {"client": "x"}),  # view only: 403
        ("/api/v1/projects/3/", "GET", None),  # not granted: 404
        (LONG_PATH, "GET", None),
    ]:
        requests.request(method, base_url + path, headers=headers, json=body, timeout=10)
    token_services.token_issue(actor=None, user=integration, name=LONG_TOKEN_NAME,
                               description="A long name, to see that the lists still fit.")
    account_services.programmatic_user_create(
        actor=None, username="warehouse-inventory-reconciliation-nightly",
        contact_email="warehouse.operations.team.lead@logistics.example.com",
        description="Reconciles the stock levels of every warehouse with the invoices, every "
                    "night, and reports the differences to the operations team (demo).")
    return Demo(password=password, token=token, integration=integration)
