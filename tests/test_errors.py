"""Error bodies keep one shape: an object with `detail` and `code`, or with field errors."""

import pytest
from rest_framework.exceptions import ValidationError

from common import errors
from common.exception_handler import exception_handler
from tests.conftest import api_error, client_for

pytestmark = pytest.mark.django_db

NOT_FOUND = {"detail": "Not found.", "code": "not_found"}


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
def test_unknown_api_addresses_answer_the_api_404(method, person):
    client = client_for(person)
    client.enforce_csrf_checks = True
    for path in ("/api/v1/nothing-here/", "/api/v1/tokens/not-a-number/",
                 "/api/v1/tokens/%00/rotate/"):
        response = getattr(client, method)(path)
        assert response.status_code == 404, path
        assert api_error(response) == NOT_FOUND


def test_a_missing_slash_still_redirects(person):
    response = client_for(person).get("/api/v1/me")
    assert (response.status_code, response["Location"]) == (301, "/api/v1/me/")


def test_a_bare_list_of_errors_becomes_non_field_errors():
    response = exception_handler(ValidationError(["Null characters are not allowed."]), {})
    assert response.status_code == 400
    assert response.data == {"non_field_errors": ["Null characters are not allowed."]}


@pytest.mark.parametrize(("error", "status", "body"), [
    (errors.Invalid.field("name", "Too long."), 400, {"name": ["Too long."]}),
    (errors.Invalid("Not like that."), 400, {"non_field_errors": ["Not like that."]}),
    (errors.Denied("No."), 403, {"detail": "No.", "code": "permission_denied"}),
    (errors.NotFound(), 404, {"detail": "Not found.", "code": "not_found"}),
    (errors.Conflict("Busy.", code="busy"), 409, {"detail": "Busy.", "code": "busy"}),
])
def test_the_api_translates_each_kind_of_product_error(error, status, body):
    response = exception_handler(error, {})
    assert (response.status_code, response.data) == (status, body)


def test_a_service_error_reaches_the_client_as_its_kind(superuser, programmatic_user):
    """permission_grant raises the product's Invalid; the API answers 400 with its field."""
    response = client_for(superuser).post(
        f"/api/v1/programmatic-users/{programmatic_user.pk}/permissions/",
        {"permission": "projects.no_such_thing"}, format="json")
    assert (response.status_code, api_error(response)) == (
        400, {"permission": ["Unknown permission."]})
