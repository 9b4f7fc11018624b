"""manage.py create_programmatic_user USERNAME --contact-email E [--description D] [--group G]..."""

from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts import services
from accounts.models import User
from common.errors import ProductError


class Command(BaseCommand):
    help = "Create a programmatic user (no password, cannot log into the UI)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--contact-email", required=True,
                            help="E-mail of the accountable person (required).")
        parser.add_argument("--description", default="")
        parser.add_argument("--group", action="append", default=[], dest="groups",
                            help="Group (role) name; repeat for several.")
        parser.add_argument("--with-token", action="store_true",
                            help="Also issue a first token and print it alone on stdout.")

    def handle(self, *args, username, contact_email, description, groups, with_token, **opts):
        if User.objects.filter(username__iexact=username).exists():
            raise CommandError(f"A user named {username!r} already exists.")
        found = {g.name: g for g in Group.objects.filter(name__in=groups)}
        missing = [name for name in groups if name not in found]
        if missing:
            raise CommandError(f"Unknown group: {', '.join(missing)}.")
        try:
            with transaction.atomic():
                user = services.programmatic_user_create(
                    actor=None, username=username, contact_email=contact_email,
                    description=description, groups=[found[n] for n in dict.fromkeys(groups)],
                )
                token = None
                if with_token:
                    token = services.issue_initial_token(actor=None, user=user)
        except ProductError as exc:
            raise CommandError(f"Invalid programmatic user: {exc.one_line()}") from None
        self.stderr.write(f"Created programmatic user {user.username} (id {user.pk}).")
        if token is not None:
            self.stderr.write(f"Token {token.token.hint}… expires "
                              f"{token.token.expires_at.isoformat()}:")
            self.stdout.write(token.plaintext)
