"""Schemathesis against a live server, positive and negative data: no 5xx, every answer as the
schema documents it, and data the schema forbids refused with a 4xx.

Bounded for CI: a fixed number of examples per operation, derandomized, a time limit for the
file. It runs twice: as a superuser's browser session (so every operation reaches its view,
configurator endpoints included) and as a token of a programmatic user with model-wide grants.
"""

import secrets

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.generation import GenerationMode

from permissions.services import permission_grant
from tests.accounts.factories import PersonFactory
from tests.projects.factories import InvoiceFactory, ProjectFactory
from tests.tokens.factories import ApiTokenFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(900),
              pytest.mark.usefixtures("fast_passwords")]

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
def data_to_find(db):
    InvoiceFactory(project=ProjectFactory())


@pytest.fixture
def bearer_headers(programmatic_user, data_to_find):
    """A programmatic user holding a few model-wide grants, and its token."""
    for permission in GRANTS:
        permission_grant(actor=None, user=programmatic_user, permission=permission)
    token = ApiTokenFactory(user=programmatic_user)
    return {"Authorization": f"Bearer {token.plaintext}"}


@pytest.fixture
def superuser_session_headers(data_to_find):
    """A superuser's session cookie and a CSRF token, as a browser on the admin would send."""
    from django.test import Client

    client = Client()
    client.force_login(PersonFactory(username="contract-root", is_staff=True,
                                     is_superuser=True),
                       backend="accounts.backends.PersonalOnlyModelBackend")
    csrf = secrets.token_hex(16)  # 32 characters: Django's unmasked CSRF secret
    return {"Cookie": f"sessionid={client.cookies['sessionid'].value}; csrftoken={csrf}",
            "X-CSRFToken": csrf}


def every_401_has_the_spec_body(ctx, response, case):
    if response.status_code == 401:
        body = {k: v for k, v in response.json().items() if k != "request_id"}
        assert body in (INVALID, NOT_PROVIDED), response.text
        headers = {name.lower(): value for name, value in response.headers.items()}
        assert headers["www-authenticate"] == ['Bearer realm="api"']
    return None


def every_error_is_json_with_its_request_id(ctx, response, case):
    if response.status_code >= 400:
        headers = {name.lower(): value for name, value in response.headers.items()}
        assert headers["content-type"] == ["application/json"], response.text[:300]
        assert response.json()["request_id"] == headers["x-request-id"][0]
    return None


def _generated_schema() -> dict:
    """The schema /api/schema/ serves (generated in-process: the live server starts later)."""
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


schema = schemathesis.openapi.from_dict(_generated_schema())
# The fixtures authenticate every request: generated Authorization headers would be overridden
# (so a "negative" header could never be refused).
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
                                with_security_parameters=False)
# Data the schema allows can still break a business rule (a taken code, a project the token may
# not see, a personal manager): positive_data_acceptance would flag correct answers. Every other
# check runs, negative_data_rejection included: no 5xx, documented statuses, content types,
# headers and bodies, and what the schema forbids is refused.
BUSINESS_RULES = [schemathesis.checks.positive_data_acceptance]
CHECKS = [every_401_has_the_spec_body, every_error_is_json_with_its_request_id]
BOUNDED = settings(max_examples=10, deadline=None, derandomize=True, database=None,
                   suppress_health_check=list(HealthCheck))


@schema.parametrize()
@BOUNDED
def test_the_api_conforms_to_its_schema_as_a_superuser_session(
        case, superuser_session_headers, live_server):
    # ignored_auth replaces the Authorization header with a wrong one and expects a 401; the
    # session cookie still (rightly) authenticates that request. The token run keeps the check.
    case.call_and_validate(base_url=live_server.url, headers=superuser_session_headers,
                           additional_checks=CHECKS,
                           excluded_checks=[*BUSINESS_RULES, schemathesis.checks.ignored_auth])


@schema.parametrize()
@BOUNDED
def test_the_api_conforms_to_its_schema_as_a_token(case, bearer_headers, live_server):
    case.call_and_validate(base_url=live_server.url, headers=bearer_headers,
                           additional_checks=CHECKS, excluded_checks=BUSINESS_RULES)
