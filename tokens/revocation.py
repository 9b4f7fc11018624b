"""Revoking tokens, one or a whole rotation family, each with its `token.revoked` event.

A family is every token with the same `family` (the id of its rotation chain's first token, one
indexed query). Whatever adds a token to a family (rotation) or revokes a family locks that first
token's row before anything else, so the two queue up: a family revocation that waited sees the
rotation's new token, and a rotation that waited finds its token revoked (DESIGN rule 12).
Callers run these inside their own transaction.
"""

from audit.models import AuditEvent
from audit.services import record
from tokens.models import ApiToken

DEFAULT_REVOKE_REASON = "revoked"


def actor_snapshot(actor) -> tuple:
    """The user to keep as `*_by` and its username, or (None, "") for no one (a command, a
    reporter, the system)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None, ""
    return actor, actor.get_username()


def revoke_row(token: ApiToken, *, actor, reason: str, now, request=None,
               details: dict | None = None) -> None:
    """Revoke `token` (locked by the caller) and record its `token.revoked`."""
    revoked_by, revoked_by_username = actor_snapshot(actor)
    token.revoked_at = now
    token.revoked_by = revoked_by
    token.revoked_by_username = revoked_by_username
    token.revoked_reason = (reason or DEFAULT_REVOKE_REASON)[:200]
    token.save(update_fields=["revoked_at", "revoked_by", "revoked_by_username",
                              "revoked_reason"])
    record(AuditEvent.Event.TOKEN_REVOKED, actor=actor, token=token, target=token.user,
           request=request, details={"reason": token.revoked_reason, **(details or {})})


def family_of(token: ApiToken) -> int:
    """The id of `token`'s family."""
    return token.family_id or token.pk


def lock_family(family: int) -> None:
    """Hold the family's lock (its first token's row) until the transaction ends."""
    list(ApiToken.objects.select_for_update().filter(pk=family).values_list("pk", flat=True))


def revoke_family(*, family: int, actor, reason: str, now, request=None,
                  details: dict | None = None) -> list[ApiToken]:
    """Revoke every live token of `family` (suspended ones too); the tokens revoked, in id order."""
    lock_family(family)
    members = list(
        ApiToken.objects.select_for_update(of=("self",)).select_related("user")
        .in_family(family).live(now).order_by("id")
    )
    for member in members:
        revoke_row(member, actor=actor, reason=reason, now=now, request=request,
                   details={**(details or {}), "family": family})
    return members
