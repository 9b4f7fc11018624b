"""Deploy checks of the audit log's set-up (`manage.py check --deploy`)."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.db import DatabaseError, connections

from audit.keys import InvalidKey, load_private_key
from audit.roles import owned_audit_tables
from audit.storage import STORAGE_ALIAS


@register(Tags.security, deploy=True)
def check_signing_key(app_configs, **kwargs) -> list:
    """The digests' signing key is an Ed25519 private key, and digests have a storage."""
    errors = []
    try:
        load_private_key(getattr(settings, "AUDIT_SIGNING_KEY", "") or "")
    except InvalidKey as exc:
        errors.append(Error(
            f"AUDIT_SIGNING_KEY {exc}.",
            hint="Set AUDIT_SIGNING_KEY or AUDIT_SIGNING_KEY_FILE (README: Deployment).",
            id="audit.E001",
        ))
    if STORAGE_ALIAS not in settings.STORAGES:
        errors.append(Error(
            f'STORAGES has no "{STORAGE_ALIAS}" entry: signed audit digests have nowhere to go.',
            id="audit.E002",
        ))
    return errors


@register(Tags.security, deploy=True)
def check_application_role(app_configs, **kwargs) -> list:
    """On PostgreSQL, the application's role must not own the audit tables."""
    connection = connections["default"]
    if connection.vendor != "postgresql":
        return []
    try:
        owned = owned_audit_tables(connection)
    except DatabaseError:
        return []  # an unreachable database is not this check's finding
    if not owned:
        return []
    return [Warning(
        f"The application's database role owns the audit tables ({', '.join(owned)}): it could "
        "alter them, drop their append-only trigger or rewrite them.",
        hint="Run migrations as the owner (MIGRATE_DATABASE_URL) and the application as a role "
             "that may only INSERT and SELECT them (README: Deployment).",
        id="audit.W001",
    )]
