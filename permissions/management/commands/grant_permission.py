"""manage.py grant_permission USERNAME APP.CODENAME [--object APP.MODEL:PK]"""

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from common.errors import ProductError
from permissions import services
from permissions.lookups import find_object, object_ref

OBJECT_FORMAT = "--object must look like app_label.model:pk, for example projects.project:12."


class Command(BaseCommand):
    help = "Grant a permission to a user, organisation-wide or on one object (as the system)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("permission", help="app_label.codename, e.g. projects.view_project")
        parser.add_argument("--object", dest="object_label", metavar="APP.MODEL:PK",
                            help="Grant on this object only, e.g. projects.project:12")

    def handle(self, *args, username, permission, object_label, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        try:
            obj = None
            if object_label is not None:
                type_label, sep, pk = object_label.partition(":")
                if not sep or not type_label or not pk:
                    raise CommandError(OBJECT_FORMAT)
                obj = find_object(type_label, pk)
            created = services.permission_grant(actor=None, user=user, permission=permission,
                                                obj=obj, via="command")
        except ProductError as exc:
            raise CommandError(exc.messages[0]) from None
        where = "organisation-wide"
        if obj is not None:
            where = f"on {object_ref(obj)['type']} #{obj.pk} ({obj})"
        state = "Granted" if created else "Already held:"
        self.stderr.write(f"{state} {permission} to {user.username} {where}.")
