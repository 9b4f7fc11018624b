"""manage.py migrate, as the tables' owner, then the application role's privileges.

Django's own `migrate`, connected with MIGRATE_DATABASE_URL's credentials when it is set (the
owner role); afterwards, on PostgreSQL, the role of DATABASE_URL is granted what the product
needs (audit.roles): so privileges follow every migration, new tables included.
"""

from django.conf import settings
from django.core.management.commands import migrate
from django.db import DEFAULT_DB_ALIAS, connections

from audit.roles import current_role, grant_application_role

OWNER_FIELDS = ("USER", "PASSWORD", "HOST", "PORT", "OPTIONS")


class Command(migrate.Command):
    help = (migrate.Command.help + " Connects as MIGRATE_DATABASE_URL's role (the owner) when "
            "set, then grants DATABASE_URL's role the application's privileges.")

    def handle(self, *args, **options):
        alias = options["database"]
        connection = connections[alias]
        application_role = connection.settings_dict.get("USER") or ""
        owner = getattr(settings, "MIGRATE_DATABASE", None)
        saved = connection.settings_dict
        if owner and alias == DEFAULT_DB_ALIAS:
            connection.close()
            credentials = {k: owner[k] for k in OWNER_FIELDS if k in owner}
            connection.settings_dict = {**saved, **credentials}
        try:
            super().handle(*args, **options)
            if connection.vendor == "postgresql" and not options["plan"]:
                self.grant(connection, application_role, options["verbosity"])
        finally:
            if connection.settings_dict is not saved:
                connection.close()
                connection.settings_dict = saved

    def grant(self, connection, role: str, verbosity: int) -> None:
        owner = current_role(connection)
        if not role or role == owner:
            if verbosity >= 1 and owner:
                self.stdout.write(
                    f"The application connects as {owner}, the tables' owner: set "
                    "MIGRATE_DATABASE_URL to the owner and DATABASE_URL to an application role "
                    "(README: Deployment)."
                )
            return
        grant_application_role(connection, role)
        if verbosity >= 1:
            self.stdout.write(
                f"Granted {role} INSERT and SELECT on the audit tables and read/write on every "
                f"other table and sequence (migrations ran as {owner})."
            )
