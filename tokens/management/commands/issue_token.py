"""manage.py issue_token USERNAME [--name N] [--expires-in-days N] [--read-only] [--allow-ip C]
[--rate-limit N/unit] [--grant "APP.CODENAME [APP.MODEL:PK]"]...

The token alone on stdout (one line, for scripts); everything else on stderr.
"""

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from common.errors import ProductError
from tokens import services
from tokens.grants import parse_grant

GRANT_FORMAT = ('give "app_label.codename" or "app_label.codename app_label.model:pk", for '
                'example "projects.view_invoice projects.project:12".')


class Command(BaseCommand):
    help = "Issue an API token for a programmatic user and print it (once) on stdout."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="cli", help="Token name (default: cli).")
        parser.add_argument("--description", default="")
        parser.add_argument("--expires-in-days", type=int, default=None,
                            help="Lifetime in days (default: TOKEN_DEFAULT_LIFETIME_DAYS).")
        parser.add_argument("--read-only", action="store_true",
                            help="Only GET, HEAD and OPTIONS.")
        parser.add_argument("--allow-ip", action="append", default=[], dest="allowed_ips",
                            metavar="CIDR", help="Allowed caller network; repeat for several.")
        parser.add_argument("--rate-limit", default=None, metavar="N/UNIT",
                            help="Requests allowed per second, minute, hour or day, e.g. "
                                 "100/minute (default: TOKEN_RATE, if set).")
        parser.add_argument("--grant", action="append", default=[], dest="grants",
                            metavar='"APP.CODENAME [APP.MODEL:PK]"',
                            help="Narrow the token to this grant (held by the user), e.g. "
                                 '"projects.view_invoice projects.project:12"; repeat for '
                                 "several (default: all of the user's permissions).")

    def handle(self, *args, username, name, description, expires_in_days, read_only,
               allowed_ips, rate_limit, grants, **options):
        user = User.objects.filter(username__iexact=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        if not name.strip() or len(name) > 100:
            raise CommandError("The token name must be 1 to 100 characters.")
        try:
            permissions = [parse_grant(text) for text in grants]
        except ValueError as error:
            raise CommandError(f"--grant {error}: {GRANT_FORMAT}") from None
        try:
            issued = services.token_issue(
                actor=None, user=user, name=name.strip(), description=description,
                expires_in_days=expires_in_days, read_only=read_only, allowed_ips=allowed_ips,
                rate_limit=rate_limit, permissions=permissions,
            )
        except ProductError as error:
            raise CommandError(f"Cannot issue the token: {error.one_line()}") from None
        token = issued.token
        self.stderr.write(
            f"Issued token {token.pk} {token.name!r} ({token.hint}…) for {user.username}, "
            f"expires {token.expires_at:%Y-%m-%d %H:%M} UTC. It is shown once:"
        )
        self.stdout.write(issued.plaintext)
