from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TokensConfig(AppConfig):
    name = "tokens"
    # Not "API tokens": the breadcrumb would read "API tokens › API tokens".
    verbose_name = _("Tokens")

    def ready(self):
        from accounts import hooks as account_hooks
        from tokens import hooks, schema  # noqa: F401  (registers the OpenAPI Bearer scheme)

        account_hooks.on_deactivation(hooks.revoke_tokens_on_deactivation)
        account_hooks.set_initial_token_issuer(hooks.issue_initial_token,
                                               represent=hooks.represent_issued_token)
