"""Caps and cleans values that come from outside before they are stored."""

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def capped(value: object, limit: int) -> str:
    """The text of `value`, control characters escaped, at most `limit` characters."""
    if value is None:
        return ""
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(value))
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text
