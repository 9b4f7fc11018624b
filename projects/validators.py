"""Field validators of the business data."""

from django.core.exceptions import ValidationError

from projects import exceptions
from projects.currencies import ISO_4217


def validate_currency(value: str) -> None:
    """An ISO 4217 alphabetic code in circulation, upper case (EUR, USD, ...)."""
    if value not in ISO_4217:
        raise ValidationError(exceptions.UNKNOWN_CURRENCY, code="unknown_currency")
