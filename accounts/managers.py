"""User querysets named for intent: every everyday picker goes through `personal()`."""

from django.conf import settings
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models


def personal_q() -> models.Q:
    """Active personal users, guardian's anonymous user excluded: every everyday picker's filter.

    Also usable as a foreign key's `limit_choices_to`, so admin widgets, autocompletes and
    model forms offer exactly what `User.objects.personal()` returns.
    """
    return (
        models.Q(category="personal", is_active=True)
        & ~models.Q(username=settings.ANONYMOUS_USER_NAME)
    )


class UserQuerySet(models.QuerySet):
    def personal(self):
        """Active personal users: what every everyday user picker offers."""
        return self.filter(personal_q())

    def people(self):
        """Every personal user, active or not (guardian's anonymous user excluded)."""
        return self.filter(category="personal").exclude(username=settings.ANONYMOUS_USER_NAME)

    def programmatic(self):
        return self.filter(category="programmatic")

    def accounts(self):
        """Every real account of either category (guardian's anonymous user excluded)."""
        return self.exclude(username=settings.ANONYMOUS_USER_NAME)

    def search(self, term: str):
        term = term.strip()
        if not term:
            return self
        return self.filter(
            models.Q(username__icontains=term)
            | models.Q(first_name__icontains=term)
            | models.Q(last_name__icontains=term)
        )


class UserManager(DjangoUserManager.from_queryset(UserQuerySet)):
    def get_by_natural_key(self, username):
        return self.get(username=username)


class ProgrammaticUserManager(UserManager):
    def get_queryset(self):
        return super().get_queryset().programmatic()
