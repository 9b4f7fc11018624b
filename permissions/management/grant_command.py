"""What grant_permission and revoke_permission share: their arguments and their lookups."""

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from permissions.lookups import find_object, object_ref

OBJECT_FORMAT = "--object must look like app_label.model:pk, for example projects.project:12."


class GrantCommand(BaseCommand):
    """USERNAME APP.CODENAME [--object APP.MODEL:PK], acting as the system."""

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("permission", help="app_label.codename, e.g. projects.view_project")
        parser.add_argument("--object", dest="object_label", metavar="APP.MODEL:PK",
                            help="On this object only, e.g. projects.project:12")

    def user(self, username: str) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        return user

    def target(self, object_label: str | None):
        """The object named by --object, or None (organisation-wide)."""
        if object_label is None:
            return None
        type_label, sep, pk = object_label.partition(":")
        if not sep or not type_label or not pk:
            raise CommandError(OBJECT_FORMAT)
        return find_object(type_label, pk)

    @staticmethod
    def where(obj) -> str:
        if obj is None:
            return "organisation-wide"
        return f"on {object_ref(obj)['type']} #{obj.pk} ({obj})"
