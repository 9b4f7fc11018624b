"""manage.py verify_audit_log: check the log against its seals and signed digests."""

from django.core.management.base import BaseCommand, CommandError

from audit.verification import verify_log


class Command(BaseCommand):
    help = ("Verify the audit log against its seals and the signed digests (read-only); exit 1 "
            "naming the first event or digest that disagrees.")

    def handle(self, *args, **options):
        verdict = verify_log()
        if not verdict.ok:
            raise CommandError(verdict.summary(), returncode=1)
        self.stderr.write(verdict.summary())
