"""Reuse detection (GitLab's token families): a rotated-out token presented after its grace
period is a copy someone should not hold. Its whole family is revoked, and the accountable contact
e-mailed once per detection (DESIGN rule 12; TOKEN_REUSE_DETECTION turns it off)."""

import logging

from django.db import transaction
from django.utils import timezone

from tokens.models import ApiToken
from tokens.notifications import notify_reuse_detected
from tokens.revocation import family_of, revoke_family

logger = logging.getLogger(__name__)

REUSE_REASON = "reuse_detected"


@transaction.atomic
def _revoke_family_of(token: ApiToken, request) -> list[ApiToken]:
    return revoke_family(family=family_of(token), actor=None, reason=REUSE_REASON,
                         now=timezone.now(), request=request, details={"presented": token.pk})


def token_family_revoke_on_reuse(*, token: ApiToken, ip: str | None = None,
                                 request=None) -> list[ApiToken]:
    """Revoke every working token of the family of `token` (rotated out, presented after its
    grace); the tokens revoked.

    The family's lock makes concurrent presentations queue up: the first revokes and mails, the
    others find nothing left to revoke and send nothing. The mail goes once the revocation has
    committed; a mail that fails is logged and changes nothing else.
    """
    revoked = _revoke_family_of(token, request)
    if revoked:
        try:
            notify_reuse_detected(presented=token, revoked=revoked, ip=ip)
        except Exception:  # any mail backend's error: the revocation stands, the failure is logged
            logger.exception("Could not e-mail the contact of %s that the family of token %s was "
                             "revoked (reuse detected).", token.user.username, token.pk)
    return revoked
