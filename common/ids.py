"""What an id is, wherever one comes from (path, query filter, body): ASCII digits or a JSON
integer, from 1 to the largest 64-bit signed integer. Anything else never reaches a query."""

import re

MAX_ID = 2**63 - 1
INVALID_ID = f"Not a valid id: give a whole number from 1 to {MAX_ID}."
_DIGITS = re.compile(r"[0-9]+")  # not \d, and not str.isdigit(): both accept "²" and "١"
_MAX_DIGITS = len(str(MAX_ID))


def parse_id(value: object) -> int | None:
    """`value` as an id, or None when it is not one (bool, float, "²", " 1", "1_0", 2**63...)."""
    if isinstance(value, str):
        if not _DIGITS.fullmatch(value) or len(value.lstrip("0")) > _MAX_DIGITS:
            return None
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 1 <= value <= MAX_ID else None
