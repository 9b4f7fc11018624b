"""Small typed readers for settings taken from the environment.

Each raises ImproperlyConfigured with a sentence naming the variable when its value is bad.
"""

import os
import sys
from pathlib import Path

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
    dev_warning(f"{name} is not set: using an insecure development value.")
    return dev_value


def dev_warning(message: str) -> None:
    """One line on stderr, when the settings load (a development default is in use)."""
    sys.stderr.write(f"warning: {message}\n")


def env_signing_key(name: str, *, file_name: str, debug: bool, dev_path: Path) -> str:
    """An Ed25519 private key in PEM, from `name` or from the file `file_name` points at.

    Production must set one of them; a malformed or non-Ed25519 key stops every entry point.
    With `debug` on and neither set, a development key is generated once into `dev_path`.
    """
    from audit.keys import InvalidKey, load_private_key

    value, path = os.environ.get(name, ""), os.environ.get(file_name, "")
    if value and path:
        raise ImproperlyConfigured(f"Set {name} or {file_name}, not both.")
    source = name
    if path:
        source = f"{file_name} ({path})"
        try:
            value = Path(path).read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or "not a PEM text file"
            raise ImproperlyConfigured(f"{file_name}: cannot read {path}: {reason}.") from None
    if not value:
        if not debug:
            raise ImproperlyConfigured(
                f"{name} is not set. Set {name} to an Ed25519 private key in PEM "
                f"(openssl genpkey -algorithm ed25519), or {file_name} to a file holding one, "
                "or set DEBUG=1 for development."
            )
        return _development_key(name, dev_path)
    try:
        load_private_key(value)
    except InvalidKey as exc:
        raise ImproperlyConfigured(f"{source} {exc}.") from None
    return value


def _development_key(name: str, path: Path) -> str:
    """The development key in `path`, generated the first time (atomically, mode 0600)."""
    from audit.keys import InvalidKey, generate_pem, load_private_key

    generated = False
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(generate_pem())
        try:
            os.link(temporary, path)  # fails if another process got there first: keep theirs
            generated = True
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    value = path.read_text(encoding="ascii")
    try:
        load_private_key(value)
    except InvalidKey as exc:
        raise ImproperlyConfigured(f"The development key {path} {exc}: delete it.") from None
    state = "generated now" if generated else "not for production"
    dev_warning(f"{name} is not set: signing audit digests with the development key in {path} "
                f"({state}).")
    return value


def env_scanning_keys(name: str) -> dict[str, str]:
    """GitHub's `public_keys` JSON document, inline or in the file the variable names, as
    {key_identifier: PEM}; unset or empty: {} (nothing configured). A document that cannot be
    read or holds no usable ECDSA P-256 key stops every entry point."""
    from tokens.scanning import KeysError, parse_keys

    raw = os.environ.get(name, "").strip()
    if not raw:
        return {}
    source = name
    if not raw.startswith("{"):
        source = f"{name} ({raw})"
        try:
            raw = Path(raw).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or "not a UTF-8 text file"
            raise ImproperlyConfigured(
                f"{name} is neither a JSON document nor a readable file: cannot read {raw}: "
                f"{reason}.") from None
    try:
        return parse_keys(raw)
    except KeysError as exc:
        raise ImproperlyConfigured(
            f"{source} {exc}: give GitHub's secret-scanning public_keys document "
            '({"public_keys": [{"key_identifier": ..., "key": "-----BEGIN PUBLIC KEY-----...", '
            '"is_current": true}]}), inline or as a path to a file holding it.') from None
