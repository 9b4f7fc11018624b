"""manage.py seal_audit_log: append seals over every committed, not yet sealed event."""

from django.core.management.base import BaseCommand, CommandError

from audit.sealing import DEFAULT_BATCH_SIZE, seal_pending


class Command(BaseCommand):
    help = "Seal every audit event not yet sealed (safe alongside traffic and other sealers)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE,
                            help="Events per seal (default %(default)s).")
        parser.add_argument("--wait", type=float, default=30.0,
                            help="Seconds to wait for open transactions (default %(default)s).")

    def handle(self, *args, batch_size, wait, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be a positive integer.")
        result = seal_pending(batch_size=batch_size, wait_seconds=max(wait, 0.0))
        self.stderr.write(result.summary())
