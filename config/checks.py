"""Deploy checks of the product's own secrets (`manage.py check --deploy`)."""

from django.conf import settings
from django.core.checks import Error, Tags, register

TOKEN_HASH_KEY_MIN_LENGTH = 32
DEVELOPMENT_PREFIX = "dev-insecure-"  # what config.settings uses when DEBUG is on


@register(Tags.security, deploy=True)
def check_token_hash_key(app_configs, **kwargs) -> list:
    """TOKEN_HASH_KEY is long enough and not the development value."""
    value = getattr(settings, "TOKEN_HASH_KEY", "") or ""
    problems = []
    if len(value) < TOKEN_HASH_KEY_MIN_LENGTH:
        problems.append(f"it has {len(value)} characters, fewer than {TOKEN_HASH_KEY_MIN_LENGTH}")
    if value.startswith(DEVELOPMENT_PREFIX):
        problems.append("it is the development value")
    if not problems:
        return []
    return [Error(
        f"TOKEN_HASH_KEY is too weak: {'; '.join(problems)}.",
        hint="Generate one with python3 -c 'import secrets; print(secrets.token_urlsafe(48))' "
             "(changing it invalidates every token).",
        id="config.E001",
    )]
