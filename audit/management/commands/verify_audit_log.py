"""manage.py verify_audit_log: check the sealed log; exit 1 naming the first broken event."""

from django.core.management.base import BaseCommand, CommandError

from audit.verification import verify_log


class Command(BaseCommand):
    help = "Verify the audit log's hash chain (read-only)."

    def handle(self, *args, **options):
        verdict = verify_log()
        if not verdict.ok:
            raise CommandError(verdict.summary(), returncode=1)
        self.stderr.write(verdict.summary())
