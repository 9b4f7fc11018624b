"""What the tokens app plugs into accounts (see accounts/hooks.py)."""

from tokens import services
from tokens.serializers import IssuedTokenSerializer

INITIAL_TOKEN_NAME = "initial"


def issue_initial_token(*, user, actor, request=None) -> services.IssuedToken:
    """A new programmatic user's first token."""
    return services.token_issue(actor=actor, user=user, name=INITIAL_TOKEN_NAME, request=request)


def represent_issued_token(issued: services.IssuedToken, context: dict) -> dict:
    """The API's shape of an issued token (as `POST .../tokens/` returns it)."""
    return IssuedTokenSerializer(issued, context=context).data


def revoke_tokens_on_deactivation(*, user, actor, request=None) -> None:
    services.tokens_revoke_for_user(user=user, actor=actor, request=request)
