"""Caps and cleans values that come from outside before they are stored."""

import re

# Control characters (NUL included) and lone surrogates: neither PostgreSQL nor UTF-8 takes them.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def capped(value: object, limit: int) -> str:
    """The text of `value`, control characters and lone surrogates escaped, at most `limit`
    characters."""
    if value is None:
        return ""
    text = _UNSAFE.sub(_escape, str(value))
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text
