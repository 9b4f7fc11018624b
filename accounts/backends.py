"""Session login for personal users only (DESIGN rule 2). Permissions are not answered here:
`permissions.backends.PermissionBackend` does that, from the permission engine."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import BaseBackend
from django.core.exceptions import PermissionDenied

from accounts import lockout
from audit.models import AuditEvent
from audit.services import record


class PersonalOnlyModelBackend(BaseBackend):
    """Django's ModelBackend login, refusing programmatic users exactly like a wrong password,
    and every password login past the login limit (`accounts.lockout`).

    The password is hashed in every branch (unknown user, programmatic user, wrong password,
    locked out), so the refusal costs the same time as a wrong password (see CVE-2024-39329).
    The class keeps its name: sessions store the path of the backend that logged them in.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        user_model = get_user_model()
        if username is None:
            username = kwargs.get(user_model.USERNAME_FIELD)
        if username is None or password is None:
            return None
        attempt = lockout.begin(request, username)
        if attempt.refused:
            user_model().set_password(password)
            raise PermissionDenied(lockout.LOCKED_MESSAGE)  # no other backend may try either
        user = self._authenticate(request, username, password)
        attempt.end(succeeded=user is not None)
        return user

    def _authenticate(self, request, username, password):
        user_model = get_user_model()
        try:
            user = user_model._default_manager.get_by_natural_key(username)
        except user_model.DoesNotExist:
            user_model().set_password(password)
            return None
        if user.is_programmatic:
            user_model().set_password(password)
            record(
                AuditEvent.Event.LOGIN_REFUSED, actor=user, target=user, request=request,
                details={"reason": "programmatic user"},
            )
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def user_can_authenticate(self, user) -> bool:
        """Active personal users only (ModelBackend refuses the inactive)."""
        return getattr(user, "is_active", True) and not getattr(user, "is_programmatic", False)

    def get_user(self, user_id):
        user_model = get_user_model()
        try:
            user = user_model._default_manager.get(pk=user_id)
        except user_model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
