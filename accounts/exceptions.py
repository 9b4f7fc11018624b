"""Errors of the accounts app."""

CATEGORY_IMMUTABLE = "The category of a user is set at creation and cannot change."
PROGRAMMATIC_NO_STAFF = "A programmatic user can never be staff or superuser."
PROGRAMMATIC_NEEDS_CONTACT = "A programmatic user needs an accountable contact e-mail."
PROGRAMMATIC_NO_PASSWORD = "A programmatic user has no password."
USERNAME_TAKEN = "A user with that username already exists."


class AccountsError(Exception):
    """Base of the accounts app's errors."""
