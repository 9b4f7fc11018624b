"""The login forms (the admin's and `accounts/login/`): Django's, with the login limit's own
message when the limit refused the attempt (`accounts.lockout`)."""

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from accounts import lockout


class LockoutMessageMixin:
    """Says "too many attempts" when the login limit refused the attempt: the same message for
    every username, known or unknown, whatever the password."""

    def get_invalid_login_error(self) -> ValidationError:
        if lockout.refused(self.request):
            return ValidationError(lockout.LOCKED_MESSAGE, code="locked")
        return super().get_invalid_login_error()


class AdminLoginForm(LockoutMessageMixin, AdminAuthenticationForm):
    """The admin's login form."""


class LoginForm(LockoutMessageMixin, AuthenticationForm):
    """The login form of `accounts/login/`."""
