"""manage.py revoke_token TOKEN_ID [--reason R] [--family]"""

from django.core.management.base import BaseCommand, CommandError

from tokens import services
from tokens.exceptions import TokenConflict
from tokens.models import ApiToken


class Command(BaseCommand):
    help = "Revoke an API token at once."

    def add_arguments(self, parser):
        parser.add_argument("token_id", type=int)
        parser.add_argument("--reason", default="revoked from the command line")
        parser.add_argument("--family", action="store_true",
                            help="Also revoke every other working token of its rotation family.")

    def handle(self, *args, token_id, reason, family, **options):
        token = ApiToken.objects.select_related("user").filter(pk=token_id).first()
        if token is None:
            raise CommandError(f"No token with id {token_id}.")
        if len(reason) > 200:
            raise CommandError("The reason must be at most 200 characters.")
        try:
            if family:
                revoked = services.token_family_revoke(actor=None, token=token, reason=reason)
            else:
                revoked = [services.token_revoke(actor=None, token=token, reason=reason)]
        except TokenConflict as conflict:
            raise CommandError(conflict.message) from None
        if family:
            self.stderr.write(f"Revoked {len(revoked)} tokens of the family of token {token.pk} "
                              f"{token.name!r} ({token.hint}…) of {token.user.username}: "
                              f"{', '.join(str(member.pk) for member in revoked)}.")
        else:
            self.stderr.write(f"Revoked token {token.pk} {token.name!r} ({token.hint}…) of "
                              f"{token.user.username}.")
