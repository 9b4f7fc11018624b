"""Small typed readers for settings taken from the environment.

Each raises ImproperlyConfigured with a sentence naming the variable when its value is bad.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from common.rates import RATE_FORMAT, parse_rate

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false, yes/no), not {raw!r}.")


def env_int(name: str, default: int, *, minimum: int | None = None,
            maximum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}.")
    if maximum is not None and value > maximum:
        raise ImproperlyConfigured(f"{name} must be at most {maximum}, not {value}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_rate(name: str, default: str | None) -> str | None:
    """A rate such as `30/minute` (per second, minute, hour or day); unset or empty: `default`."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        parse_rate(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be {RATE_FORMAT}, not {raw!r}.") from None
    return raw


def env_secret(name: str, *, debug: bool, dev_value: str) -> str:
    """A secret that production must set; development gets a fixed value and a warning."""
    value = os.environ.get(name, "")
    if value:
        return value
    if not debug:
        raise ImproperlyConfigured(
            f"{name} is not set. Set the {name} environment variable "
            "(a long random string) or set DEBUG=1 for development."
        )
    import warnings

    warnings.warn(f"{name} is not set: using an insecure development value.", stacklevel=2)
    return dev_value
