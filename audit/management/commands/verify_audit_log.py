"""manage.py verify_audit_log: check the log against its seals and signed digests."""

from django.core.management.base import BaseCommand, CommandError

from audit.verification import verify_log
from common.http import DATABASE_ERRORS


class Command(BaseCommand):
    help = ("Verify the audit log against its seals and the signed digests (read-only); exit 1 "
            "naming the first event or digest that disagrees.")

    def handle(self, *args, **options):
        try:
            verdict = verify_log()
        except DATABASE_ERRORS as exc:
            # Checked from a timer or a shell: an outage is one line, not a traceback. Exit 2,
            # not 1: nothing was found broken, nothing could be checked.
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise CommandError(f"verification not possible: the database is unavailable "
                               f"({reason}); nothing was checked", returncode=2) from None
        if not verdict.ok:
            raise CommandError(verdict.summary(), returncode=1)
        self.stderr.write(verdict.summary())
