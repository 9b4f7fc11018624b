"""manage.py deactivate_user USERNAME

Deactivates a person or a programmatic user through the accounts services, acting as the system:
`user.deactivated` is recorded, and a programmatic user's working tokens are revoked (each a
`token.revoked`, reason `user deactivated`). One line on stderr; exit 1 with one line for an
unknown or already inactive user.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts import services
from accounts.models import User
from common.errors import ProductError


class Command(BaseCommand):
    help = "Deactivate a person or a programmatic user (a programmatic user's tokens are revoked)."

    def add_arguments(self, parser):
        parser.add_argument("username", help="The username (any case).")

    def handle(self, *args, username, **options):
        try:
            with transaction.atomic():  # the row stays locked from the check to the change
                user = (User.objects.accounts().select_for_update()
                        .filter(username__iexact=username).first())
                if user is None:
                    raise CommandError(f"No user named {username!r}.")
                if not user.is_active:
                    raise CommandError(f"User {user.username} is already inactive.")
                if user.is_programmatic:
                    services.programmatic_user_update(actor=None, user=user, is_active=False)
                else:
                    services.person_update(actor=None, person=user, is_active=False)
        except ProductError as error:
            raise CommandError(f"Cannot deactivate {user.username}: {error.one_line()}") from None
        if user.is_programmatic:
            self.stderr.write(f"Deactivated programmatic user {user.username} (id {user.pk}); "
                              "its tokens are revoked.")
        else:
            self.stderr.write(f"Deactivated person {user.username} (id {user.pk}).")
