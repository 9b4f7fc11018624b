"""Messages of the projects app (asserted by the tests)."""

from django.utils.translation import gettext_lazy as _

UNKNOWN_CURRENCY = _("Use an ISO 4217 currency code in upper case, such as EUR or USD.")
NOT_A_PERSON = _("Choose an active personal user.")
NEGATIVE = _("Must not be negative.")
