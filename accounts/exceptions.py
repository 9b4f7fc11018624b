"""Errors of the accounts app."""

from django.utils.translation import gettext_lazy as _

CATEGORY_IMMUTABLE = _("The category of a user is set at creation and cannot change.")
PROGRAMMATIC_NO_STAFF = _("A programmatic user can never be staff or superuser.")
PROGRAMMATIC_NEEDS_CONTACT = _("A programmatic user needs an accountable contact e-mail.")
PROGRAMMATIC_NO_PASSWORD = _("A programmatic user has no password.")
USERNAME_TAKEN = _("A user with that username already exists.")


class AccountsError(Exception):
    """Base of the accounts app's errors."""
