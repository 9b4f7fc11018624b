"""GET/POST people/, GET people/{id}/, POST people/{id}/deactivate/: personal accounts for
configurators, through the people services (no escalation, audited)."""

import pytest
from django.contrib.auth.models import Group

from accounts.models import User
from accounts.serializers import NOT_WRITABLE
from accounts.services.people import ALREADY_INACTIVE, OWN_DEACTIVATION
from audit.models import AuditEvent
from permissions import exceptions as ex
from tests.accounts.factories import PersonFactory, ProgrammaticUserFactory, group
from tests.conftest import api_error, client_for
from tests.projects.factories import give_model_perms
from tests.tokens.factories import ApiTokenFactory, bearer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]

PEOPLE = "/api/v1/people/"
FIELDS = {"id", "username", "first_name", "last_name", "email", "is_active", "groups",
          "last_login", "date_joined"}
STRONG = "Quiet-harbour-lantern-2026"
NEW = {"username": "newbie", "email": "newbie@example.com", "first_name": "New",
       "last_name": "Bie"}


def _events() -> list[tuple]:
    return [(e.event, e.target_repr, e.details)
            for e in AuditEvent.objects.exclude(event="access.denied").order_by("id")]


def _deactivate(actor, person):
    return client_for(actor).post(f"{PEOPLE}{person.pk}/deactivate/")


# --- list --------------------------------------------------------------------------------------

def test_configurators_list_people_never_programmatic_users(configurator):
    gone = PersonFactory(username="gone", is_active=False)
    ProgrammaticUserFactory(username="robot")
    response = client_for(configurator).get(PEOPLE)
    assert response.status_code == 200
    rows = {row["username"]: row for row in response.json()["results"]}
    assert set(rows) == {"configurator", "gone"}
    assert set(rows["gone"]) == FIELDS
    assert rows["gone"]["is_active"] is False and rows["gone"]["email"] == gone.email
    assert rows["configurator"]["groups"] == ["User configurators"]
    assert set(response.json()) == {"next", "previous", "results"}


@pytest.mark.parametrize("value, expected", [("true", {"configurator"}), ("false", {"gone"})])
def test_people_filter_by_active(configurator, value, expected):
    PersonFactory(username="gone", is_active=False)
    response = client_for(configurator).get(PEOPLE, {"is_active": value})
    assert {row["username"] for row in response.json()["results"]} == expected


def test_a_bad_active_filter_is_400(configurator):
    response = client_for(configurator).get(PEOPLE, {"is_active": "maybe"})
    assert response.status_code == 400 and list(api_error(response)) == ["is_active"]


@pytest.mark.parametrize("who, status", [
    ("configurator", 200), ("staff", 403), ("person", 403), ("anonymous", 401),
    ("programmatic", 403)])
def test_who_may_list_people(configurator, staff, person, programmatic_user, who, status):
    if who == "programmatic":
        client = bearer(client_for(None), ApiTokenFactory(user=programmatic_user).plaintext)
    else:
        client = client_for({"configurator": configurator, "staff": staff, "person": person,
                             "anonymous": None}[who])
    assert client.get(PEOPLE).status_code == status
    assert client.post(PEOPLE, NEW).status_code == status if status != 200 else True
    assert not User.objects.filter(username="newbie").exists()


# --- create ------------------------------------------------------------------------------------

def test_a_person_created_without_a_password_cannot_log_in_until_a_reset(configurator):
    response = client_for(configurator).post(PEOPLE, NEW)
    assert response.status_code == 201, response.content
    newbie = User.objects.get(username="newbie")
    assert response.json() == {"id": newbie.pk, "username": "newbie", "first_name": "New",
                               "last_name": "Bie", "email": "newbie@example.com",
                               "is_active": True, "groups": [], "last_login": None,
                               "date_joined": response.json()["date_joined"]}
    assert newbie.is_personal and not newbie.has_usable_password()
    assert not (newbie.is_staff or newbie.is_superuser or newbie.user_permissions.exists())
    assert _events() == [("user.created", "newbie", {"category": "personal",
                                                      "password": "disabled", "groups": []})]


def test_a_given_password_is_set_never_echoed_nor_recorded(configurator):
    response = client_for(configurator).post(PEOPLE, {**NEW, "password": STRONG})
    assert response.status_code == 201
    assert STRONG not in response.content.decode() and "password" not in response.json()
    assert User.objects.get(username="newbie").check_password(STRONG)
    assert STRONG not in str(list(AuditEvent.objects.values_list("details", flat=True)))
    assert _events()[0][2]["password"] == "changed"


@pytest.mark.parametrize("password", ["Xq7!", "12345678901", "password123", "newbie2026",
                                      ""])
def test_a_weak_password_is_400_with_djangos_messages(configurator, password):
    response = client_for(configurator).post(PEOPLE, {**NEW, "password": password})
    assert response.status_code == 400
    body = api_error(response)
    assert list(body) == ["password"] and body["password"]
    assert not password or password not in str(body)  # never echoed
    assert not User.objects.filter(username="newbie").exists() and _events() == []


def test_a_person_joins_groups_whose_permissions_the_configurator_holds(configurator):
    team = Group.objects.create(name="Team")
    response = client_for(configurator).post(PEOPLE, {**NEW, "groups": ["Team"]})
    assert response.status_code == 201 and response.json()["groups"] == ["Team"]
    assert list(User.objects.get(username="newbie").groups.all()) == [team]
    assert _events() == [
        ("user.created", "newbie", {"category": "personal", "password": "disabled",
                                    "groups": ["Team"]}),
        ("permission.granted", "newbie", {"group": "Team"})]


def test_a_configurator_cannot_put_a_new_person_into_a_group_she_does_not_cover(configurator):
    response = client_for(configurator).post(PEOPLE, {**NEW, "groups": ["Auditors"]})
    assert response.status_code == 403
    assert api_error(response) == {
        "detail": ex.GROUPS_NOT_GRANTABLE.format(names="Auditors"), "code": "not_grantable"}
    assert not User.objects.filter(username="newbie").exists() and _events() == []


@pytest.mark.parametrize("field, value", [
    ("is_staff", True), ("is_superuser", True), ("user_permissions", ["audit.view_auditevent"]),
    ("is_active", False), ("category", "programmatic"), ("last_login", None)])
def test_fields_a_configurator_may_not_set_are_400(configurator, field, value):
    response = client_for(configurator).post(PEOPLE, {**NEW, field: value})
    assert response.status_code == 400
    assert api_error(response) == {field: [NOT_WRITABLE]}
    assert not User.objects.filter(username="newbie").exists()


@pytest.mark.parametrize("body, field", [
    ({**NEW, "username": "Configurator"}, "username"),
    ({**NEW, "username": "has space"}, "username"),
    ({**NEW, "username": ""}, "username"),
    ({**NEW, "email": "not-an-email"}, "email"),
    ({**NEW, "groups": ["No such group"]}, "groups"),
    ({**NEW, "groups": "Auditors"}, "groups"),
    ({**NEW, "groups": ["Team"] * 101}, "groups"),
    ({**NEW, "password": 12345}, "password"),
    ({"email": "x@example.com"}, "username"),
    ({**NEW, "username": 12}, "username"),
    ({**NEW, "first_name": False}, "first_name"),
])
def test_bad_input_is_400_and_creates_nothing(configurator, body, field):
    count = User.objects.count()
    response = client_for(configurator).post(PEOPLE, body)
    assert response.status_code == 400, response.content
    assert field in api_error(response)
    assert User.objects.count() == count and _events() == []


# --- deactivate --------------------------------------------------------------------------------

def test_a_configurator_deactivates_a_person(configurator, person):
    response = _deactivate(configurator, person)
    assert response.status_code == 200, response.content
    assert response.json()["is_active"] is False
    person.refresh_from_db()
    assert not person.is_active
    assert _events() == [("user.deactivated", person.username, {})]
    assert client_for(person).get("/api/v1/me/").status_code in (401, 403)


def test_deactivating_twice_is_409(configurator, person):
    _deactivate(configurator, person)
    response = _deactivate(configurator, person)
    assert response.status_code == 409
    assert api_error(response) == {"detail": ALREADY_INACTIVE, "code": "already_inactive"}
    assert len(_events()) == 1


@pytest.mark.parametrize("who", ["configurator", "superuser"])
def test_nobody_deactivates_herself(configurator, superuser, who):
    actor = {"configurator": configurator, "superuser": superuser}[who]
    response = _deactivate(actor, actor)
    assert response.status_code == 400
    assert api_error(response) == {"non_field_errors": [OWN_DEACTIVATION]}
    actor.refresh_from_db()
    assert actor.is_active and _events() == []


def test_a_configurator_cannot_deactivate_an_account_holding_what_she_lacks(configurator):
    auditor = PersonFactory(username="audrey")
    auditor.groups.add(group("Auditors"))
    response = _deactivate(configurator, auditor)
    assert response.status_code == 403
    assert api_error(response) == {"detail": ex.MORE_PRIVILEGED.format(username="audrey"),
                                   "code": "more_privileged"}
    auditor.refresh_from_db()
    assert auditor.is_active and _events() == []


def test_a_superuser_is_deactivated_by_a_superuser_only(configurator, superuser):
    other = PersonFactory(username="root2", is_staff=True, is_superuser=True)
    assert _deactivate(configurator, other).status_code == 403
    assert _deactivate(superuser, other).status_code == 200


def test_a_configurator_holding_everything_the_person_holds_may_deactivate(configurator):
    give_model_perms(configurator, "audit.view_auditevent", "tokens.view_apitoken")
    auditor = PersonFactory(username="audrey")
    auditor.groups.add(group("Auditors"))
    assert _deactivate(configurator, auditor).status_code == 200


@pytest.mark.parametrize("target, status", [("robot", 404), ("missing", 404), ("abc", 404),
                                            ("0", 400), ("99999999999999999999", 400)])
def test_only_people_are_deactivated_here(configurator, target, status):
    robot = ProgrammaticUserFactory(username="robot")
    pk = {"robot": robot.pk, "missing": 999999}.get(target, target)
    response = client_for(configurator).post(f"{PEOPLE}{pk}/deactivate/")
    assert response.status_code == status
    assert api_error(response)
    robot.refresh_from_db()
    assert robot.is_active and _events() == []


def test_who_may_deactivate(staff, person):
    target = PersonFactory(username="target")
    assert _deactivate(staff, target).status_code == 403
    assert _deactivate(person, target).status_code == 403
    assert _deactivate(None, target).status_code == 401
    target.refresh_from_db()
    assert target.is_active


def test_a_username_taken_by_a_racing_request_is_the_400_of_a_taken_one(configurator,
                                                                       monkeypatch):
    """Another request creates the same username after this one was validated and before its
    INSERT: the answer is the 400 a taken username gets, not a 500, and nothing is recorded."""
    from accounts.services import people

    validated = people.full_clean

    def raced(instance, **kwargs):
        validated(instance, **kwargs)
        PersonFactory(username=NEW["username"].upper())  # committed by the other request

    monkeypatch.setattr(people, "full_clean", raced)
    response = client_for(configurator).post(PEOPLE, NEW)
    assert response.status_code == 400
    assert api_error(response) == {"username": ["A user with that username already exists."]}
    # This request stored nothing (here the racing row shares the request's transaction, so it
    # is rolled back with it; another request's row would have been committed on its own).
    assert not User.objects.filter(username=NEW["username"]).exists()
    assert _events() == []
