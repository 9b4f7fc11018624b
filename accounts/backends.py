"""Session login for personal users only (DESIGN rule 2)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from audit.models import AuditEvent
from audit.services import record


class PersonalOnlyModelBackend(ModelBackend):
    """Django's ModelBackend, refusing programmatic users exactly like a wrong password.

    The password is hashed in every branch (unknown user, programmatic user, wrong password), so
    the refusal costs the same time as a wrong password (see CVE-2024-39329).
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        user_model = get_user_model()
        if username is None:
            username = kwargs.get(user_model.USERNAME_FIELD)
        if username is None or password is None:
            return None
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
        return super().user_can_authenticate(user) and not getattr(user, "is_programmatic", False)
