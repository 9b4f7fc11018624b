"""manage.py list_tokens [--user USERNAME] [--status S] [--json]

Tokens as a table (or JSON, as the API lists them) on stdout; never a plaintext or digest.
"""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.models import User
from tokens.models import ApiToken
from tokens.selectors import STATUS_FILTERS, with_status_filter
from tokens.serializers import ApiTokenSerializer

COLUMNS = ("id", "user", "name", "hint", "status", "expires", "last used")


def _when(value) -> str:
    return "never" if value is None else f"{timezone.localtime(value):%Y-%m-%d %H:%M}"


class Command(BaseCommand):
    help = "List API tokens (never their secrets): a table, or JSON with --json."

    def add_arguments(self, parser):
        parser.add_argument("--user", help="Only this programmatic user's tokens.")
        parser.add_argument(
            "--status", choices=STATUS_FILTERS,
            help="Only tokens with this status; expiring: active ones expiring within 14 days; "
                 "never_used: working ones never used; needs_attention: either.")
        parser.add_argument("--json", action="store_true", dest="as_json",
                            help="JSON, each token as GET /api/v1/tokens/{id}/ shows it.")

    def handle(self, *args, user, status, as_json, **options):
        tokens = ApiToken.objects.select_related("user", "replaced_by").order_by("id")
        if user is not None:
            owner = User.objects.filter(username__iexact=user).first()
            if owner is None:
                raise CommandError(f"No user named {user!r}.")
            tokens = tokens.filter(user=owner)
        tokens = with_status_filter(tokens, status)
        if as_json:
            self.stdout.write(json.dumps(ApiTokenSerializer(tokens, many=True).data, indent=2))
            return
        rows = [(str(t.pk), t.user.username, t.name, t.hint + "…", t.status,
                 _when(t.expires_at), _when(t.last_used_at)) for t in tokens]
        widths = [max([len(c)] + [len(row[i]) for row in rows]) for i, c in enumerate(COLUMNS)]
        for row in [COLUMNS, *rows]:
            self.stdout.write("  ".join(cell.ljust(width) for cell, width in
                                        zip(row, widths, strict=True)).rstrip())
        self.stderr.write(f"{len(rows)} token{'s' if len(rows) != 1 else ''}.")
