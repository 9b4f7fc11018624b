"""Suspend and resume a token (AWS's inactive/active switch), each with its audit event.

A suspended token answers the same 401 as any failed token (`auth.failed` reason `suspended`)
until it is resumed; its expiry runs on meanwhile, and it can still be revoked (alone or with its
family). It cannot be rotated: resume it first. Switching a credential off or on gives no
permission and hands over no secret, so any token configurator may, like revoking.
"""

from django.db import transaction
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import record
from tokens.exceptions import NOT_SUSPENDABLE, NOT_SUSPENDED, TokenConflict
from tokens.models import ApiToken
from tokens.revocation import family_of, lock_family


def _locked(token: ApiToken) -> ApiToken:
    """The token afresh, its family's lock and its row held (the order rotation takes them)."""
    lock_family(family_of(token))
    return (ApiToken.objects.select_for_update(of=("self",)).select_related("user")
            .get(pk=token.pk))


@transaction.atomic
def token_suspend(*, actor, token: ApiToken, request=None) -> ApiToken:
    """Switch a working token off until it is resumed; a conflict unless it is active or
    rotating (in its grace)."""
    token = _locked(token)
    now = timezone.now()
    if token.status_at(now) not in (ApiToken.Status.ACTIVE, ApiToken.Status.ROTATING):
        raise TokenConflict(NOT_SUSPENDABLE)
    token.suspended_at = now
    token.save(update_fields=["suspended_at"])
    record(AuditEvent.Event.TOKEN_SUSPENDED, actor=actor, token=token, target=token.user,
           request=request, details={"expires_at": token.expires_at.isoformat()})
    return token


@transaction.atomic
def token_resume(*, actor, token: ApiToken, request=None) -> ApiToken:
    """Switch a suspended token back on, with the expiry it always had; a conflict unless it is
    suspended now (a suspended token that expired or was revoked meanwhile stays so)."""
    token = _locked(token)
    now = timezone.now()
    if token.status_at(now) != ApiToken.Status.SUSPENDED:
        raise TokenConflict(NOT_SUSPENDED)
    suspended_at = token.suspended_at
    token.suspended_at = None
    token.save(update_fields=["suspended_at"])
    record(AuditEvent.Event.TOKEN_RESUMED, actor=actor, token=token, target=token.user,
           request=request, details={"suspended_at": suspended_at.isoformat(),
                                     "expires_at": token.expires_at.isoformat()})
    return token
