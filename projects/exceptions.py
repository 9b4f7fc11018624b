"""Messages of the projects app (asserted by the tests)."""

UNKNOWN_CURRENCY = "Use an ISO 4217 currency code in upper case, such as EUR or USD."
NOT_A_PERSON = "Choose an active personal user."
NEGATIVE = "Must not be negative."
