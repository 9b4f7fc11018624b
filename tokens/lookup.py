"""The "whose token is this?" lookup: an auditor holding a token found in a log or a ticket learns
whose it is, without revoking it. Each lookup of a well-formed token is an audit event
(`token.looked_up`), naming the token when it matched and never holding the plaintext."""

from django.db import transaction

from audit.models import AuditEvent
from audit.services import record
from common.errors import Invalid
from tokens import crypto
from tokens.models import ApiToken

NOT_A_TOKEN = "This is not a token of this server's format (or it was mistyped)."


@transaction.atomic
def token_lookup(*, actor, plaintext: str, request=None) -> ApiToken | None:
    """The token `plaintext` is, with its user, or None when it is none of ours; Invalid for a
    string that is not a token at all (malformed, bad checksum: never looked up)."""
    digest = crypto.lookup_digest(plaintext)
    if digest is None:
        raise Invalid.field("token", NOT_A_TOKEN, code="malformed_token")
    token = ApiToken.objects.select_related("user").filter(digest=digest).first()
    record(AuditEvent.Event.TOKEN_LOOKED_UP, actor=actor, token=token,
           target=None if token is None else token.user, request=request,
           details={"matched": token is not None})
    return token
