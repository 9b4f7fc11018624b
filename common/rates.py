"""Request rates written `N/unit` (`30/minute`): the form of every rate setting and of a token's
`rate_limit`. Plain Python, so the settings module can check its values when it loads."""

import re
from dataclasses import dataclass

UNIT_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_ALIASES = {"s": "second", "sec": "second", "m": "minute", "min": "minute", "h": "hour",
            "d": "day", **{unit: unit for unit in UNIT_SECONDS}}
_RATE = re.compile(r"([1-9][0-9]{0,8})/([a-z]+)")
RATE_FORMAT = "a number of requests per second, minute, hour or day, such as 30/minute"


@dataclass(frozen=True)
class Rate:
    """`count` requests per `seconds`-long window."""

    count: int
    unit: str

    @property
    def seconds(self) -> int:
        return UNIT_SECONDS[self.unit]

    def __str__(self) -> str:
        return f"{self.count}/{self.unit}"


def parse_rate(text: str) -> Rate:
    """`text` as a Rate; ValueError (with RATE_FORMAT) when it is not one."""
    match = _RATE.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None or match.group(2) not in _ALIASES:
        raise ValueError(RATE_FORMAT)
    return Rate(count=int(match.group(1)), unit=_ALIASES[match.group(2)])
