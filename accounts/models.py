"""The user model: personal users log into the UI, programmatic users only call the API."""

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from accounts import exceptions
from accounts.managers import ProgrammaticUserManager, UserManager


class User(AbstractUser):
    class Category(models.TextChoices):
        PERSONAL = "personal", _("Personal")
        PROGRAMMATIC = "programmatic", _("Programmatic")

    category = models.CharField(_("category"),
        max_length=20, choices=Category.choices, default=Category.PERSONAL, editable=True,
        help_text=_("Set at creation; cannot change afterwards."),
    )
    description = models.TextField(_("description"),
        blank=True, max_length=2000,
        help_text=_("What the integration does (programmatic users)."),
    )
    contact_email = models.EmailField(
        _("accountable contact"), blank=True,
        help_text=_("E-mail of the person accountable for this programmatic user."),
    )

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        permissions = [("configure_users", "User configurator: create and change users")]
        constraints = [
            models.UniqueConstraint(
                Lower("username"), name="accounts_user_username_ci_unique",
                violation_error_message=exceptions.USERNAME_TAKEN,
            ),
            models.CheckConstraint(
                condition=~models.Q(category="programmatic")
                | (models.Q(is_staff=False) & models.Q(is_superuser=False)),
                name="accounts_user_programmatic_never_staff",
            ),
            models.CheckConstraint(
                condition=~models.Q(category="programmatic") | ~models.Q(contact_email=""),
                name="accounts_user_programmatic_has_contact",
            ),
            models.CheckConstraint(
                condition=models.Q(category__in=["personal", "programmatic"]),
                name="accounts_user_category_valid",
            ),
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._stored_category = None if self._state.adding else self.category

    def __str__(self) -> str:
        return self.username

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._stored_category = instance.__dict__.get("category")
        return instance

    def save(self, *args, **kwargs):
        self._check_invariants()
        if self.is_programmatic and self.has_usable_password():
            self.set_unusable_password()
        super().save(*args, **kwargs)
        self._stored_category = self.category

    def clean(self):
        super().clean()
        self._check_invariants()
        if self.is_programmatic and not self.contact_email:
            raise ValidationError({"contact_email": exceptions.PROGRAMMATIC_NEEDS_CONTACT})

    def validate_constraints(self, exclude=None):
        """The case-insensitive unique username is a constraint on an expression, which Django
        reports as a non-field error: report it on `username`, as every form and API does."""
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as error:
            errors = error.message_dict
            taken = str(exceptions.USERNAME_TAKEN)
            if taken in errors.get(NON_FIELD_ERRORS, []):
                errors[NON_FIELD_ERRORS].remove(taken)
                if not errors[NON_FIELD_ERRORS]:
                    del errors[NON_FIELD_ERRORS]
                errors.setdefault("username", []).append(taken)
            raise ValidationError(errors) from None

    def _check_invariants(self) -> None:
        if self._stored_category is not None and self.category != self._stored_category:
            raise ValidationError({"category": exceptions.CATEGORY_IMMUTABLE})
        if self.is_programmatic and (self.is_staff or self.is_superuser):
            raise ValidationError({"is_staff": exceptions.PROGRAMMATIC_NO_STAFF})

    @property
    def is_programmatic(self) -> bool:
        return self.category == self.Category.PROGRAMMATIC

    @property
    def is_personal(self) -> bool:
        return self.category == self.Category.PERSONAL


class ProgrammaticUser(User):
    """Proxy used by the admin's "Programmatic users" entry."""

    objects = ProgrammaticUserManager()

    class Meta:
        proxy = True
        verbose_name = _("programmatic user")
        verbose_name_plural = _("programmatic users")

    def save(self, *args, **kwargs):
        if self._state.adding:
            self.category = User.Category.PROGRAMMATIC
        super().save(*args, **kwargs)


class Person(User):
    """Proxy used by the admin's "People" entry."""

    class Meta:
        proxy = True
        verbose_name = _("person")
        verbose_name_plural = _("people")
