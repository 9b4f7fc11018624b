"""manage.py revoke_permission USERNAME APP.CODENAME [--object APP.MODEL:PK]"""

from django.core.management.base import CommandError

from common.errors import ProductError
from permissions import services
from permissions.management.grant_command import GrantCommand


class Command(GrantCommand):
    help = "Take back a permission a user holds directly, organisation-wide or on one object."

    def handle(self, *args, username, permission, object_label, **options):
        user = self.user(username)
        try:
            obj = self.target(object_label)
            services.permission_revoke(actor=None, user=user, permission=permission, obj=obj,
                                       via="command")
        except ProductError as exc:
            raise CommandError(exc.messages[0]) from None
        self.stderr.write(f"Revoked {permission} from {user.username} {self.where(obj)}.")
