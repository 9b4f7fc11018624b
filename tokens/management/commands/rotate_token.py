"""manage.py rotate_token TOKEN_ID [--grace-hours N]

The new token alone on stdout (one line, for scripts); everything else on stderr.
"""

from django.core.management.base import BaseCommand, CommandError

from common.errors import ProductError
from tokens import services
from tokens.conf import DEFAULT_GRACE_HOURS, MAX_GRACE_HOURS
from tokens.models import ApiToken


class Command(BaseCommand):
    help = "Rotate an API token: print the new one (once); the old one works for the grace period."

    def add_arguments(self, parser):
        parser.add_argument("token_id", type=int)
        parser.add_argument("--grace-hours", type=int, default=DEFAULT_GRACE_HOURS,
                            help=f"How long the old token keeps working (0 to {MAX_GRACE_HOURS}, "
                                 "default %(default)s).")

    def handle(self, *args, token_id, grace_hours, **options):
        token = ApiToken.objects.select_related("user").filter(pk=token_id).first()
        if token is None:
            raise CommandError(f"No token with id {token_id}.")
        try:
            issued = services.token_rotate(actor=None, token=token, grace_hours=grace_hours)
        except ProductError as error:
            raise CommandError(f"Cannot rotate the token: {error.one_line()}") from None
        new = issued.token
        old_until = f"{token.pk} works until {new.rotated_from.expires_at:%Y-%m-%d %H:%M} UTC"
        self.stderr.write(
            f"Rotated token {token.pk} {token.name!r} of {token.user.username}: the old token "
            f"{old_until}; the new token {new.pk} ({new.hint}…) expires "
            f"{new.expires_at:%Y-%m-%d %H:%M} UTC. It is shown once:"
        )
        self.stdout.write(issued.plaintext)
