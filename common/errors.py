"""The product's own errors: services raise these; the API and the admin translate them.

No DRF here: a service must not know whether an HTTP API, an admin form or a command called it.
Each error has a `kind` (what the caller did wrong, which the API maps to a status), a stable
machine-readable `code`, and a message; `Invalid` also carries field errors.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _


class ProductError(Exception):
    """Base of every error a service raises on purpose."""

    kind = "invalid"  # invalid | denied | not_found | conflict
    code = "invalid"
    default_message = _("The request is not valid.")

    def __init__(self, message: str | None = None, *, code: str | None = None):
        self.message = message or self.default_message
        if code is not None:
            self.code = code
        super().__init__(self.message)

    @property
    def messages(self) -> list[str]:
        return [self.message]

    def one_line(self) -> str:
        """The error in one line, as a command prints it."""
        return str(self.message)


class Invalid(ProductError):
    """Bad input: field errors ({field: [messages]}) or one message (400)."""

    def __init__(self, message: str | None = None, *, fields: dict | None = None,
                 code: str | None = None):
        self.fields = {name: list(messages) for name, messages in (fields or {}).items()}
        if message is None and self.fields:
            message = " ".join(str(m) for messages in self.fields.values() for m in messages)
        super().__init__(message, code=code)

    @classmethod
    def field(cls, name: str, message: str, *, code: str | None = None) -> "Invalid":
        return cls(fields={name: [message]}, code=code)

    def one_line(self) -> str:
        if not self.fields:
            return self.message
        return "; ".join(f"{name}: {' '.join(map(str, messages))}"
                         for name, messages in self.fields.items())

    @property
    def messages(self) -> list[str]:
        if self.fields:
            return [m for messages in self.fields.values() for m in messages]
        return [self.message]


class Denied(ProductError):
    """The actor may not do this (403)."""

    kind = "denied"
    code = "permission_denied"
    default_message = _("You do not have permission to perform this action.")


class NotFound(ProductError):
    """What was named does not exist, or the actor may not see it (404)."""

    kind = "not_found"
    code = "not_found"
    default_message = _("Not found.")


class Conflict(ProductError):
    """The object's state does not allow the action (409)."""

    kind = "conflict"
    code = "conflict"
    default_message = _("The object's state does not allow this.")


def full_clean(instance, **kwargs) -> None:
    """`instance.full_clean()`, its Django ValidationError raised as the product's Invalid."""
    try:
        instance.full_clean(**kwargs)
    except ValidationError as error:
        raise invalid_from(error) from None


def invalid_from(error: ValidationError) -> Invalid:
    """Django's ValidationError as the product's Invalid (field errors kept)."""
    if hasattr(error, "error_dict"):
        return Invalid(fields=error.message_dict)
    return Invalid(fields={"non_field_errors": error.messages})


def save_new(instance) -> None:
    """INSERT a row `full_clean` has validated. A request that raced it in between (the same
    username, say) makes the INSERT fail: answer with the error the validation gives now, as
    for a duplicate that was there first, instead of a bare IntegrityError."""
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError:
        full_clean(instance)
        raise
