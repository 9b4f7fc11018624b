import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts import exceptions
from accounts.models import ProgrammaticUser, User
from tests.accounts.factories import PersonFactory, ProgrammaticUserFactory

pytestmark = pytest.mark.django_db


def test_a_new_user_is_personal_by_default():
    assert PersonFactory().category == "personal"


@pytest.mark.parametrize("factory,new", [(PersonFactory, "programmatic"),
                                         (ProgrammaticUserFactory, "personal")])
def test_category_cannot_change_through_save(factory, new):
    user = factory()
    user.category = new
    with pytest.raises(ValidationError) as err:
        user.save()
    assert err.value.message_dict == {"category": [exceptions.CATEGORY_IMMUTABLE]}
    assert User.objects.get(pk=user.pk).category != new


def test_category_cannot_change_through_clean():
    user = ProgrammaticUserFactory()
    user.category = "personal"
    with pytest.raises(ValidationError) as err:
        user.clean()
    assert "category" in err.value.message_dict


def test_category_change_is_refused_on_a_reloaded_instance():
    user = User.objects.get(pk=ProgrammaticUserFactory().pk)
    user.category = "personal"
    with pytest.raises(ValidationError):
        user.save()


def test_a_programmatic_user_never_has_a_usable_password():
    user = ProgrammaticUserFactory()
    user.set_password("s3cret-pass-word")
    user.save()
    user.refresh_from_db()
    assert not user.has_usable_password()
    assert not user.check_password("s3cret-pass-word")


@pytest.mark.parametrize("flag", ["is_staff", "is_superuser"])
def test_a_programmatic_user_can_never_be_staff_or_superuser(flag):
    user = ProgrammaticUserFactory()
    setattr(user, flag, True)
    with pytest.raises(ValidationError) as err:
        user.save()
    assert err.value.message_dict == {"is_staff": [exceptions.PROGRAMMATIC_NO_STAFF]}
    user.refresh_from_db()
    assert getattr(user, flag) is False


def test_the_database_refuses_a_staff_programmatic_user_even_past_the_model():
    user = ProgrammaticUserFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=user.pk).update(is_staff=True)


def test_the_database_refuses_a_programmatic_user_without_contact():
    user = ProgrammaticUserFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=user.pk).update(contact_email="")


def test_clean_requires_a_contact_for_a_programmatic_user():
    user = User(username="nocontact", category="programmatic")
    with pytest.raises(ValidationError) as err:
        user.full_clean()
    assert exceptions.PROGRAMMATIC_NEEDS_CONTACT in err.value.message_dict["contact_email"]


def test_usernames_are_unique_ignoring_case():
    PersonFactory(username="Alice")
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgrammaticUserFactory(username="aLICE")


def test_the_proxy_creates_programmatic_users():
    user = ProgrammaticUser.objects.create(username="proxy-made", contact_email="o@example.com")
    assert User.objects.get(pk=user.pk).category == "programmatic"
    assert list(ProgrammaticUser.objects.all()) == [user]


def test_personal_excludes_programmatic_inactive_and_guardians_anonymous_user():
    active = PersonFactory()
    PersonFactory(is_active=False)
    ProgrammaticUserFactory()
    assert User.objects.filter(username="AnonymousUser").exists()
    assert list(User.objects.personal()) == [active]


def test_people_includes_inactive_persons_but_not_the_anonymous_user():
    active, inactive = PersonFactory(), PersonFactory(is_active=False)
    ProgrammaticUserFactory()
    assert set(User.objects.people()) == {active, inactive}
