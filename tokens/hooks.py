"""What the tokens app plugs into accounts (see accounts/hooks.py)."""

from tokens import services
from tokens.serializers import IssuedTokenSerializer

INITIAL_TOKEN_NAME = "initial"


def issue_initial_token(*, user, actor, request=None) -> dict:
    """A new programmatic user's first token, shaped as `POST .../tokens/` returns it."""
    issued = services.token_issue(actor=actor, user=user, name=INITIAL_TOKEN_NAME,
                                  request=request)
    return IssuedTokenSerializer(issued).data


def revoke_tokens_on_deactivation(*, user, actor, request=None) -> None:
    services.tokens_revoke_for_user(user=user, actor=actor, request=request)
