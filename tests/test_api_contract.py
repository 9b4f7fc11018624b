"""Schemathesis against a live server with a real token: no 5xx, responses as documented.

Bounded (a few examples per operation) so it fits in CI; every operation of the schema runs.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from permissions.services import permission_grant
from tests.projects.factories import InvoiceFactory, ProjectFactory
from tests.tokens.factories import ApiTokenFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(600)]

INVALID = {"detail": "Invalid or expired token.", "code": "invalid_token"}
NOT_PROVIDED = {"detail": "Authentication credentials were not provided.",
                "code": "not_authenticated"}
GRANTS = [
    "projects.view_project", "projects.add_project", "projects.change_project",
    "projects.delete_project", "projects.view_invoice", "projects.add_invoice",
    "projects.change_invoice", "projects.view_invoice", "accounts.view_user",
    "audit.view_auditevent", "tokens.view_apitoken",
]


@pytest.fixture
def bearer_headers(programmatic_user):
    """A programmatic user holding a few model-wide grants, some data, and its token."""
    for permission in GRANTS:
        permission_grant(actor=None, user=programmatic_user, permission=permission)
    InvoiceFactory(project=ProjectFactory())
    token = ApiTokenFactory(user=programmatic_user)
    return {"Authorization": f"Bearer {token.plaintext}"}


def every_401_has_the_spec_body(ctx, response, case):
    if response.status_code == 401:
        assert response.json() in (INVALID, NOT_PROVIDED), response.text
        headers = {name.lower(): value for name, value in response.headers.items()}
        assert headers["www-authenticate"] == ['Bearer realm="api"']
    return None


def _generated_schema() -> dict:
    """The schema /api/schema/ serves (generated in-process: the live server starts later)."""
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


schema = schemathesis.openapi.from_dict(_generated_schema())
# Data the schema allows can still break a business rule (a taken code, a project the token may
# not see, a personal manager), and DRF accepts more date formats than RFC 3339: these two checks
# would flag correct answers. Every other check runs: no 5xx, documented statuses, content types,
# headers and bodies.
BUSINESS_RULES = [
    schemathesis.checks.positive_data_acceptance,
    schemathesis.checks.negative_data_rejection,
]


@schema.parametrize()
@settings(max_examples=8, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_the_api_conforms_to_its_schema_and_never_fails(case, bearer_headers, live_server):
    case.call_and_validate(base_url=live_server.url, headers=bearer_headers,
                           additional_checks=[every_401_has_the_spec_body],
                           excluded_checks=BUSINESS_RULES)
