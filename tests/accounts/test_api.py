import pytest
from django.contrib.auth.models import Group, Permission

from accounts.models import User
from audit.models import AuditEvent
from tests.accounts.factories import PersonFactory, ProgrammaticUserFactory, group
from tests.conftest import api_error, client_for

pytestmark = pytest.mark.django_db

LIST = "/api/v1/programmatic-users/"
VALID = {"username": "erp-export", "contact_email": "owner@example.com",
         "description": "Exports invoices to the ERP"}


def _detail(user):
    return f"{LIST}{user.pk}/"


@pytest.fixture
def callers(db, configurator, staff, person, programmatic_user, superuser):
    return {"configurator": configurator, "staff": staff, "person": person,
            "programmatic": programmatic_user, "superuser": superuser, "anonymous": None}


def _client(user):
    """A session for a person; for a programmatic user, a real Bearer token of its own."""
    from rest_framework.test import APIClient

    from tests.tokens.factories import ApiTokenFactory, bearer

    if user is not None and user.is_programmatic:
        return bearer(APIClient(), ApiTokenFactory(user=user).plaintext)
    return client_for(user)


# --- GET /users/: the everyday picker -------------------------------------------------------

def test_the_user_picker_lists_active_people_only(person):
    PersonFactory(username="zed-inactive", is_active=False)
    ProgrammaticUserFactory(username="robot")
    response = client_for(person).get("/api/v1/users/")
    assert response.status_code == 200
    usernames = [row["username"] for row in response.json()["results"]]
    assert usernames == [person.username]
    assert set(response.json()["results"][0]) == {"id", "username", "first_name", "last_name"}
    assert "AnonymousUser" not in usernames


def test_the_user_picker_searches_names_case_insensitively(person):
    PersonFactory(username="jdoe", first_name="Jane", last_name="Doe")
    PersonFactory(username="other", first_name="Max", last_name="Mustermann")
    ProgrammaticUserFactory(username="doe-robot")
    response = client_for(person).get("/api/v1/users/", {"search": "DOE"})
    assert [r["username"] for r in response.json()["results"]] == ["jdoe"]


@pytest.mark.parametrize("who,status", [("person", 200), ("staff", 200), ("configurator", 200),
                                        ("programmatic", 403), ("anonymous", 401)])
def test_user_picker_access(callers, who, status):
    assert _client(callers[who]).get("/api/v1/users/").status_code == status


def test_a_programmatic_user_with_view_user_may_use_the_picker(programmatic_user):
    programmatic_user.user_permissions.add(
        Permission.objects.get(codename="view_user", content_type__app_label="accounts"))
    assert _client(programmatic_user).get("/api/v1/users/").status_code == 200


def test_anonymous_gets_the_drf_not_authenticated_body(api_client):
    response = api_client.get("/api/v1/users/")
    assert response.status_code == 401
    assert api_error(response) == {"detail": "Authentication credentials were not provided.",
                               "code": "not_authenticated"}
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


# --- programmatic-users: access matrix ------------------------------------------------------

@pytest.mark.parametrize("who,status", [("configurator", 201), ("superuser", 201),
                                        ("staff", 403), ("person", 403),
                                        ("programmatic", 403), ("anonymous", 401)])
def test_create_access_matrix(callers, who, status):
    response = _client(callers[who]).post(LIST, VALID, format="json")
    assert response.status_code == status
    assert User.objects.filter(username="erp-export").exists() == (status == 201)


@pytest.mark.parametrize("who,status", [("configurator", 200), ("superuser", 200),
                                        ("staff", 403), ("person", 403),
                                        ("programmatic", 403), ("anonymous", 401)])
def test_list_and_retrieve_access_matrix(callers, who, status):
    target = callers["programmatic"]
    client = _client(callers[who])
    assert client.get(LIST).status_code == status
    assert client.get(_detail(target)).status_code == status


@pytest.mark.parametrize("who,status", [("configurator", 200), ("staff", 403), ("person", 403),
                                        ("programmatic", 403), ("anonymous", 401)])
def test_patch_access_matrix(callers, who, status):
    target = callers["programmatic"]
    response = _client(callers[who]).patch(_detail(target), {"description": "changed"},
                                           format="json")
    assert response.status_code == status
    target.refresh_from_db()
    assert (target.description == "changed") == (status == 200)


def test_create_stores_a_programmatic_user_without_password_and_audits_it(configurator):
    configurator.groups.add(group("Auditors"))
    response = client_for(configurator).post(LIST, {**VALID, "groups": ["Auditors"]},
                                             format="json")
    assert response.status_code == 201
    body = response.json()
    user = User.objects.get(pk=body["id"])
    assert body == {"id": user.pk, "username": "erp-export", "category": "programmatic",
                    "description": "Exports invoices to the ERP",
                    "contact_email": "owner@example.com", "groups": ["Auditors"],
                    "is_active": True, "date_joined": body["date_joined"]}
    assert user.category == "programmatic" and not user.has_usable_password()
    assert not user.is_staff and not user.is_superuser
    event = AuditEvent.objects.get(event="user.created")
    assert (event.actor_username, event.target_type, event.target_id) == (
        "configurator", "accounts.user", str(user.pk))
    assert event.details["groups"] == ["Auditors"]
    assert event.method == "POST" and event.path == LIST and event.request_id


def test_programmatic_users_lists_only_programmatic_users(configurator):
    robot = ProgrammaticUserFactory(username="robot")
    response = client_for(configurator).get(LIST)
    assert [row["username"] for row in response.json()["results"]] == ["robot"]
    assert client_for(configurator).get(f"{LIST}{configurator.pk}/").status_code == 404
    assert robot


@pytest.mark.parametrize("field,value", [("category", "personal"), ("is_staff", True),
                                         ("is_superuser", True), ("password", "hunter2hunter2")])
def test_create_refuses_unwritable_fields_and_stores_nothing(configurator, field, value):
    response = client_for(configurator).post(LIST, {**VALID, field: value}, format="json")
    assert response.status_code == 400
    assert api_error(response) == {field: ["This field cannot be set through the API."]}
    assert not User.objects.filter(username="erp-export").exists()


@pytest.mark.parametrize("field,value", [("category", "personal"), ("is_staff", True),
                                         ("is_superuser", True), ("password", "hunter2hunter2"),
                                         ("username", "renamed")])
def test_patch_refuses_unwritable_fields_and_changes_nothing(configurator, programmatic_user,
                                                             field, value):
    response = client_for(configurator).patch(_detail(programmatic_user), {field: value},
                                              format="json")
    assert response.status_code == 400
    assert field in response.json()
    fresh = User.objects.get(pk=programmatic_user.pk)
    assert (fresh.category, fresh.is_staff, fresh.is_superuser, fresh.username) == (
        "programmatic", False, False, "billing-sync")
    assert not fresh.has_usable_password()


@pytest.mark.parametrize("body,field", [
    ({"username": "x"}, "contact_email"),
    ({"contact_email": "a@example.com"}, "username"),
    ({**VALID, "contact_email": "not-an-email"}, "contact_email"),
    ({**VALID, "contact_email": ""}, "contact_email"),
    ({**VALID, "username": "u" * 151}, "username"),
    ({**VALID, "username": "has space"}, "username"),
    ({**VALID, "description": "d" * 2001}, "description"),
    ({**VALID, "groups": ["No such group"]}, "groups"),
    ({**VALID, "groups": "Auditors"}, "groups"),
])
def test_create_bad_input_is_a_400_with_field_errors(configurator, body, field):
    response = client_for(configurator).post(LIST, body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert User.objects.programmatic().count() == 0


def test_duplicate_username_is_refused_ignoring_case(configurator):
    PersonFactory(username="ERP-Export")
    response = client_for(configurator).post(LIST, VALID, format="json")
    assert response.status_code == 400
    assert api_error(response) == {"username": ["A user with that username already exists."]}


@pytest.mark.parametrize("payload,content_type", [
    ("{not json", "application/json"), ("[1, 2]", "application/json"), ("", "application/json"),
])
def test_malformed_bodies_are_400_never_500(configurator, payload, content_type):
    response = client_for(configurator).generic("POST", LIST, payload, content_type=content_type)
    assert response.status_code == 400


def test_unsupported_media_type_is_415(configurator):
    response = client_for(configurator).generic("POST", LIST, "<x/>", content_type="text/xml")
    assert response.status_code == 415


def test_a_body_over_the_limit_is_413(configurator, settings):
    settings.MAX_REQUEST_BODY_BYTES = 2048
    response = client_for(configurator).post(LIST, {**VALID, "description": "d" * 4000},
                                             format="json")
    assert response.status_code == 413
    assert not User.objects.filter(username="erp-export").exists()


def test_put_is_not_offered(configurator, programmatic_user):
    response = client_for(configurator).put(_detail(programmatic_user), VALID, format="json")
    assert response.status_code == 405


# --- updates, deactivation, groups and escalation -------------------------------------------

def test_patch_updates_and_records_what_changed(configurator, programmatic_user):
    response = client_for(configurator).patch(
        _detail(programmatic_user),
        {"description": "New text", "contact_email": "new@example.com"}, format="json")
    assert response.status_code == 200
    assert response.json()["contact_email"] == "new@example.com"
    event = AuditEvent.objects.get(event="user.updated")
    assert event.details == {"description": "New text", "contact_email": "new@example.com"}


def test_deactivation_and_reactivation_are_recorded(configurator, programmatic_user):
    client = client_for(configurator)
    assert client.patch(_detail(programmatic_user), {"is_active": False},
                        format="json").json()["is_active"] is False
    assert client.patch(_detail(programmatic_user), {"is_active": True},
                        format="json").json()["is_active"] is True
    events = list(AuditEvent.objects.order_by("id").values_list("event", flat=True))
    assert events == ["user.deactivated", "user.reactivated"]


def test_a_patch_that_changes_nothing_records_nothing(configurator, programmatic_user):
    response = client_for(configurator).patch(
        _detail(programmatic_user), {"description": programmatic_user.description}, format="json")
    assert response.status_code == 200
    assert not AuditEvent.objects.exists()


def test_a_configurator_cannot_add_a_group_whose_permissions_it_lacks(configurator,
                                                                      programmatic_user):
    response = client_for(configurator).patch(_detail(programmatic_user),
                                              {"groups": ["Auditors"]}, format="json")
    assert response.status_code == 403
    assert list(programmatic_user.groups.all()) == []
    assert not AuditEvent.objects.filter(event="user.updated").exists()


def test_a_configurator_cannot_create_a_user_in_a_group_it_cannot_grant(configurator):
    response = client_for(configurator).post(LIST, {**VALID, "groups": ["Auditors"]},
                                             format="json")
    assert response.status_code == 403
    assert not User.objects.filter(username="erp-export").exists()
    assert list(AuditEvent.objects.values_list("event", "actor_username", "status")) == [
        ("access.denied", "configurator", 403)]


def test_configure_users_can_reach_a_programmatic_user_only_through_a_superuser(
        configurator, superuser, programmatic_user):
    # The configurator holds accounts.configure_users, yet cannot hand it to an integration.
    response = client_for(configurator).patch(_detail(programmatic_user),
                                              {"groups": ["User configurators"]}, format="json")
    assert response.status_code == 403
    response = client_for(superuser).patch(_detail(programmatic_user),
                                           {"groups": ["User configurators"]}, format="json")
    assert response.status_code == 200
    assert response.json()["groups"] == ["User configurators"]


def test_a_configurator_holding_a_groups_permissions_may_add_it(configurator, programmatic_user):
    configurator.groups.add(group("Auditors"))
    response = client_for(configurator).patch(_detail(programmatic_user),
                                              {"groups": ["Auditors"]}, format="json")
    assert response.status_code == 200
    assert response.json()["groups"] == ["Auditors"]
    event = AuditEvent.objects.get()
    assert (event.event, event.target_id, event.details) == (
        "permission.granted", str(programmatic_user.pk), {"group": "Auditors"})


def test_include_token_without_issue_token_is_403_and_creates_nobody(configurator):
    response = client_for(configurator).post(f"{LIST}?include_token=true", VALID, format="json")
    assert response.status_code == 403
    assert not User.objects.filter(username="erp-export").exists()


def test_an_empty_group_can_be_given_by_anyone_who_configures_users(configurator,
                                                                    programmatic_user):
    Group.objects.create(name="Readers")
    response = client_for(configurator).patch(_detail(programmatic_user),
                                              {"groups": ["Readers"]}, format="json")
    assert response.status_code == 200
