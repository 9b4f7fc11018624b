"""manage.py grant_permission USERNAME APP.CODENAME [--object APP.MODEL:PK]"""

from django.core.management.base import CommandError

from common.errors import ProductError
from permissions import services
from permissions.management.grant_command import GrantCommand


class Command(GrantCommand):
    help = "Grant a permission to a user, organisation-wide or on one object (as the system)."

    def handle(self, *args, username, permission, object_label, **options):
        user = self.user(username)
        try:
            obj = self.target(object_label)
            created = services.permission_grant(actor=None, user=user, permission=permission,
                                                obj=obj, via="command")
        except ProductError as exc:
            raise CommandError(exc.messages[0]) from None
        state = "Granted" if created else "Already held:"
        self.stderr.write(f"{state} {permission} to {user.username} {self.where(obj)}.")
