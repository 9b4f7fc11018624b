import factory
from django.contrib.auth.models import Group

from accounts.models import User


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"person{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    category = User.Category.PERSONAL
    password = factory.django.Password("correct horse battery staple")


class ProgrammaticUserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"integration{n}")
    category = User.Category.PROGRAMMATIC
    description = "Nightly sync with the billing system"
    contact_email = "owner@example.com"


def group(name: str) -> Group:
    """A default role; put back first if a transactional test's flush removed it."""
    from accounts.roles import ensure_default_roles

    if not Group.objects.filter(name=name).exists():
        ensure_default_roles()
    return Group.objects.get(name=name)
