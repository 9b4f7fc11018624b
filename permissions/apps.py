from django.apps import AppConfig


class PermissionsConfig(AppConfig):
    name = "permissions"
    verbose_name = "Permissions"

    def ready(self):
        from accounts import hooks
        from permissions import policy

        hooks.set_escalation_guard(policy)
