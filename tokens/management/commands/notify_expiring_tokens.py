"""manage.py notify_expiring_tokens [--days 14]"""

from django.core.management.base import BaseCommand, CommandError

from tokens.notifications import tokens_notify_expiring


class Command(BaseCommand):
    help = "E-mail each accountable contact about their tokens expiring soon (once per expiry)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=14, help="Window in days (1 to 365).")

    def handle(self, *args, days, **options):
        if not 1 <= days <= 365:
            raise CommandError("--days must be a whole number from 1 to 365.")
        sent = tokens_notify_expiring(days=days)
        self.stderr.write(f"Notified {sent.contacts} contacts about {sent.tokens} tokens.")
