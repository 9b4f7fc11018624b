"""manage.py revoke_token TOKEN_ID [--reason R]"""

from django.core.management.base import BaseCommand, CommandError

from tokens import services
from tokens.exceptions import TokenConflict
from tokens.models import ApiToken


class Command(BaseCommand):
    help = "Revoke an API token at once."

    def add_arguments(self, parser):
        parser.add_argument("token_id", type=int)
        parser.add_argument("--reason", default="revoked from the command line")

    def handle(self, *args, token_id, reason, **options):
        token = ApiToken.objects.select_related("user").filter(pk=token_id).first()
        if token is None:
            raise CommandError(f"No token with id {token_id}.")
        if len(reason) > 200:
            raise CommandError("The reason must be at most 200 characters.")
        try:
            token = services.token_revoke(actor=None, token=token, reason=reason)
        except TokenConflict as conflict:
            raise CommandError(conflict.message) from None
        self.stderr.write(f"Revoked token {token.pk} {token.name!r} ({token.hint}…) of "
                          f"{token.user.username}.")
