import pytest
from django.contrib.auth.models import Group, Permission

from accounts.models import User
from audit.models import AuditEvent
from tests.accounts.factories import PersonFactory, ProgrammaticUserFactory, group
from tests.conftest import browser_for as client_for

pytestmark = pytest.mark.django_db

PEOPLE = "/admin/accounts/person/"
ROBOTS = "/admin/accounts/programmaticuser/"


@pytest.fixture
def callers(configurator, staff, person, programmatic_user, superuser):
    return {"configurator": configurator, "staff": staff, "person": person,
            "programmatic": programmatic_user, "superuser": superuser, "anonymous": None}


@pytest.mark.parametrize("url", [PEOPLE, ROBOTS, f"{PEOPLE}add/", f"{ROBOTS}add/"])
@pytest.mark.parametrize("who,status", [("configurator", 200), ("superuser", 200),
                                        ("staff", 403), ("person", 302),
                                        ("programmatic", 302), ("anonymous", 302)])
def test_admin_user_pages_access_matrix(callers, url, who, status):
    response = client_for(callers[who]).get(url)
    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith("/admin/login/")


def test_people_and_programmatic_users_are_listed_apart(configurator):
    PersonFactory(username="bob")
    ProgrammaticUserFactory(username="robot")
    client = client_for(configurator)
    people = client.get(PEOPLE).context["cl"].result_list
    robots = client.get(ROBOTS).context["cl"].result_list
    assert "robot" not in {u.username for u in people}
    assert "AnonymousUser" not in {u.username for u in people}
    assert {"bob", "configurator"} <= {u.username for u in people}
    assert [u.username for u in robots] == ["robot"]


def test_the_admin_index_shows_both_entries_to_a_configurator_only(configurator, staff):
    page = client_for(configurator).get("/admin/").content.decode()
    assert "Programmatic users" in page and "People" in page
    page = client_for(staff).get("/admin/").content.decode()
    assert "Programmatic users" not in page


def test_the_add_form_creates_a_programmatic_user_through_the_service(configurator):
    response = client_for(configurator).post(f"{ROBOTS}add/", {
        "username": "erp-export", "description": "Exports invoices",
        "contact_email": "owner@example.com"})
    assert response.status_code == 302
    user = User.objects.get(username="erp-export")
    assert user.category == "programmatic" and not user.has_usable_password()
    assert AuditEvent.objects.filter(event="user.created", target_id=str(user.pk)).exists()


def test_the_add_form_has_no_password_fields(configurator):
    form = client_for(configurator).get(f"{ROBOTS}add/").context["adminform"].form
    assert set(form.fields) == {"username", "description", "contact_email", "groups"}


def test_the_add_form_requires_a_contact(configurator):
    response = client_for(configurator).post(f"{ROBOTS}add/", {"username": "erp-export"})
    assert response.status_code == 200
    assert "contact_email" in response.context["adminform"].form.errors
    assert not User.objects.filter(username="erp-export").exists()


def test_the_add_form_refuses_a_group_the_configurator_cannot_grant(configurator):
    response = client_for(configurator).post(f"{ROBOTS}add/", {
        "username": "erp-export", "contact_email": "o@example.com",
        "groups": [group("Auditors").pk]})
    assert response.status_code == 200
    assert "groups" in response.context["adminform"].form.errors
    assert not User.objects.filter(username="erp-export").exists()


def test_the_change_form_cannot_change_category_or_username(configurator, programmatic_user):
    form = client_for(configurator).get(
        f"{ROBOTS}{programmatic_user.pk}/change/").context["adminform"].form
    assert set(form.fields) == {"description", "contact_email", "groups", "is_active"}


def test_deactivating_in_the_admin_goes_through_the_service(configurator, programmatic_user):
    response = client_for(configurator).post(f"{ROBOTS}{programmatic_user.pk}/change/", {
        "description": "x", "contact_email": "o@example.com"})
    assert response.status_code == 302
    programmatic_user.refresh_from_db()
    assert programmatic_user.is_active is False
    assert AuditEvent.objects.filter(event="user.deactivated").count() == 1


def _person_form_data(user, **overrides):
    data = {"username": user.username, "first_name": "", "last_name": "", "email": "",
            "is_active": "on", "is_staff": "on" if user.is_staff else "",
            "last_login_0": "", "last_login_1": "", "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v != ""}


def test_a_configurator_cannot_make_anyone_superuser(configurator):
    bob = PersonFactory(username="bob")
    response = client_for(configurator).post(f"{PEOPLE}{bob.pk}/change/",
                                             _person_form_data(bob, is_superuser="on"))
    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.is_superuser is False


def test_a_configurator_cannot_grant_itself_a_permission_it_lacks(configurator):
    perm = Permission.objects.get(codename="view_auditevent")
    response = client_for(configurator).post(
        f"{PEOPLE}{configurator.pk}/change/",
        _person_form_data(configurator, user_permissions=[perm.pk],
                          groups=[group("User configurators").pk]))
    assert response.status_code == 200
    assert "user_permissions" in response.context["adminform"].form.errors
    assert not configurator.user_permissions.exists()


def test_a_configurator_cannot_join_a_group_it_cannot_grant(configurator):
    response = client_for(configurator).post(
        f"{PEOPLE}{configurator.pk}/change/",
        _person_form_data(configurator, groups=[group("User configurators").pk,
                                                group("Auditors").pk]))
    assert response.status_code == 200
    assert "groups" in response.context["adminform"].form.errors
    assert set(configurator.groups.values_list("name", flat=True)) == {"User configurators"}


def test_a_configurator_cannot_change_a_superuser(configurator, superuser):
    page = client_for(configurator).get(f"{PEOPLE}{superuser.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    response = client_for(configurator).post(f"{PEOPLE}{superuser.pk}/change/",
                                             _person_form_data(superuser, first_name="Mallory"))
    assert response.status_code == 403
    superuser.refresh_from_db()
    assert superuser.first_name != "Mallory"
    response = client_for(configurator).post(f"{PEOPLE}{superuser.pk}/password/", {
        "password1": "Taken-over-123", "password2": "Taken-over-123"})
    assert response.status_code == 403


def test_a_configurator_cannot_put_permissions_it_lacks_into_a_group(configurator):
    configurator.user_permissions.add(*Permission.objects.filter(
        codename__in=["add_group", "change_group", "view_group"]))
    perm = Permission.objects.get(codename="view_auditevent")
    response = client_for(configurator).post("/admin/auth/group/add/",
                                             {"name": "Sneaky", "permissions": [perm.pk]})
    assert response.status_code == 200
    assert "permissions" in response.context["adminform"].form.errors
    assert not Group.objects.filter(name="Sneaky").exists()


def test_the_hidden_user_admin_serves_nothing_but_autocomplete(configurator, staff):
    assert client_for(staff).get("/admin/accounts/user/").status_code == 403
    assert client_for(configurator).get("/admin/accounts/user/").status_code == 302


def test_adding_a_person_goes_through_the_service_and_records_no_password(configurator, staff):
    response = client_for(configurator).post(f"{PEOPLE}add/", {
        "username": "newbie", "usable_password": "true",
        "password1": "Fresh-password-2026", "password2": "Fresh-password-2026"})
    assert response.status_code == 302
    newbie = User.objects.get(username="newbie")
    assert newbie.category == "personal" and newbie.check_password("Fresh-password-2026")
    assert not newbie.groups.exists() and not newbie.user_permissions.exists()
    event = AuditEvent.objects.get(event="user.created")
    assert event.details == {"category": "personal", "password": "changed",
                             "groups": []}
    assert client_for(staff).post(f"{PEOPLE}add/", {"username": "other"}).status_code == 403
    assert not User.objects.filter(username="other").exists()


def test_disabling_a_password_is_recorded_as_disabled(superuser):
    bob = PersonFactory(username="bob")
    response = client_for(superuser).post(f"{PEOPLE}{bob.pk}/password/", {
        "usable_password": "false", "unset-password": "1"})
    assert response.status_code == 302
    bob.refresh_from_db()
    assert not bob.has_usable_password()
    assert AuditEvent.objects.get(event="user.updated").details == {"password": "disabled"}


def test_a_person_edit_records_the_fields_it_changed(configurator):
    bob = PersonFactory(username="bob", first_name="Bob", last_name="B", email="bob@example.com")
    response = client_for(configurator).post(f"{PEOPLE}{bob.pk}/change/", _person_form_data(
        bob, first_name="Robert", last_name="B", email="bob@example.com", is_staff="on"))
    assert response.status_code == 302
    event = AuditEvent.objects.get(event="user.updated")
    assert event.details == {"first_name": "Robert", "is_staff": True}
    response = client_for(configurator).post(f"{PEOPLE}{bob.pk}/change/", _person_form_data(
        bob, first_name="Robert", last_name="B", email="bob@example.com", is_active=""))
    assert response.status_code == 302
    assert AuditEvent.objects.filter(event="user.deactivated", target_id=str(bob.pk)).exists()


def test_the_issue_button_is_hidden_from_one_who_lacks_the_robots_permissions(configurator):
    from tests.projects.factories import give_model_perms

    configurator.groups.add(group("Token configurators"))
    robot = ProgrammaticUserFactory(username="robot")
    client = client_for(configurator)
    assert 'id="issue-token"' in client.get(f"{ROBOTS}{robot.pk}/change/").content.decode()
    give_model_perms(robot, "audit.view_auditevent")
    page = client.get(f"{ROBOTS}{robot.pk}/change/").content.decode()
    assert 'id="issue-token"' not in page and 'name="_save"' not in page


def test_a_group_is_deleted_through_the_service(superuser):
    team = Group.objects.create(name="Team")
    team.permissions.add(Permission.objects.get(codename="view_auditevent"))
    bob = PersonFactory(username="bob")
    bob.groups.add(team)
    response = client_for(superuser).post(f"/admin/auth/group/{team.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Group.objects.filter(name="Team").exists()
    events = AuditEvent.objects.order_by("id").values_list("event", "target_repr", "details")
    assert list(events) == [
        ("permission.revoked", "bob", {"group": "Team"}),
        ("permission.revoked", "Team", {"permission": "audit.view_auditevent", "object": None}),
    ]


def test_a_groups_name_is_set_once(superuser):
    team = Group.objects.create(name="Team")
    response = client_for(superuser).post(f"/admin/auth/group/{team.pk}/change/",
                                          {"name": "Renamed"})
    assert response.status_code == 302
    team.refresh_from_db()
    assert team.name == "Team"


def test_a_person_the_configurator_may_not_change_shows_no_password_button(configurator):
    """The password page would answer 403: the read-only page offers no link to it."""
    auditor = PersonFactory(username="audrey", is_staff=True)
    auditor.groups.add(group("Auditors"))  # holds audit.view_auditevent, the configurator not
    colleague = PersonFactory(username="pat")
    browser = client_for(configurator)
    page = browser.get(f"{PEOPLE}{auditor.pk}/change/").content.decode()
    assert 'href="../password/"' not in page and "<strong>algorithm</strong>" in page
    assert browser.get(f"{PEOPLE}{auditor.pk}/password/").status_code == 403
    assert 'href="../password/"' in browser.get(f"{PEOPLE}{colleague.pk}/change/").content.decode()
