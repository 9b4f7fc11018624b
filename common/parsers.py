"""The API's one parser: JSON only, its nesting bounded before it is parsed, and no string in it
that a database or the response could not hold (NUL, lone surrogates)."""

import re
from itertools import accumulate

from rest_framework import parsers
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.utils import json

MAX_DEPTH = 32
TOO_DEEP = f"JSON nested deeper than {MAX_DEPTH} levels."
NULL_CHARACTER = "Null characters are not allowed."
SURROGATE_CHARACTER = "Lone surrogate characters are not allowed."

_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
_SURROGATE = re.compile("[\ud800-\udfff]")


def too_deep(text: str) -> bool:
    """Whether arrays and objects nest deeper than MAX_DEPTH in `text` (JSON, well-formed or
    not), found without recursion: brackets inside strings are skipped, the rest counted."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return False
    steps = map(_STEP.__getitem__, _BRACKET.findall(_STRING.sub("", text)))
    return max(accumulate(steps), default=0) > MAX_DEPTH


def bad_text(value: str) -> str | None:
    """Why `value` cannot be stored or answered (a NUL, a lone surrogate), or None."""
    if "\x00" in value:
        return NULL_CHARACTER
    if _SURROGATE.search(value):
        return SURROGATE_CHARACTER
    return None


def first_bad_text(data) -> str | None:
    """The first reason any string in `data` (keys included) is refused, walked without
    recursion."""
    pending = [data]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            reason = bad_text(item)
            if reason is not None:
                return reason
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return None


def check_text(data) -> None:
    """Refuse `data` naming the top-level field whose value holds a bad string."""
    if not isinstance(data, dict):
        reason = first_bad_text(data)
        if reason is not None:
            raise ValidationError({"non_field_errors": [reason]})
        return
    for key, value in data.items():
        reason = bad_text(key)
        if reason is not None:
            raise ValidationError({"non_field_errors": [reason]})
        reason = first_bad_text(value)
        if reason is not None:
            raise ValidationError({key: [reason]})


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, safe against hostile bodies (its RecursionError was a 500)."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding") or "utf-8"
        try:
            text = stream.read().decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        if too_deep(text):
            raise ParseError(TOO_DEEP)
        try:
            data = json.loads(text, parse_constant=json.strict_constant if self.strict else None)
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        check_text(data)
        return data
