"""manage.py seal_audit_log: seal every committed, not yet sealed event, with signed digests."""

from django.core.management.base import BaseCommand, CommandError

from audit.exceptions import DigestWriteFailed, SealRefused
from audit.sealing import DEFAULT_BATCH_SIZE, seal_pending
from common.http import DATABASE_ERRORS


class Command(BaseCommand):
    help = ("Seal every audit event not yet sealed and write each seal's signed digest (safe "
            "alongside traffic and other sealers). Refuses, sealing nothing, when the database's "
            "seals do not continue the last digest.")

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE,
                            help="Events per seal (default %(default)s).")
        parser.add_argument("--wait", type=float, default=30.0,
                            help="Seconds to wait for open transactions (default %(default)s).")

    def handle(self, *args, batch_size, wait, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be a positive integer.")
        try:
            result = seal_pending(batch_size=batch_size, wait_seconds=max(wait, 0.0))
        except SealRefused as exc:
            raise CommandError(f"sealing refused: {exc}; run verify_audit_log",
                               returncode=1) from None
        except DigestWriteFailed as exc:
            raise CommandError(f"sealing failed: {exc}; its seal was rolled back",
                               returncode=1) from None
        except DATABASE_ERRORS as exc:
            # A timer runs this every minute: an outage is one line, and the next run catches up.
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise CommandError(f"sealing failed: the database is unavailable ({reason}); "
                               "nothing was sealed, the next run seals it", returncode=1) from None
        self.stderr.write(result.summary())
