"""Leaked tokens: reported by anyone (`revoke-leaked/`) or by a secret-scanning partner.

A matched token is revoked with every live token of its rotation family (reason `reported
leaked`), in one transaction per token, and its accountable contact is e-mailed once that has
committed (only when something was newly revoked: a partner may report the same token again).
Whether a plaintext matched is never told to an anonymous reporter.
"""

import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from audit.models import AuditEvent
from audit.sanitize import capped
from audit.services import record
from tokens import crypto
from tokens.models import ApiToken
from tokens.notifications import notify_leak_revoked
from tokens.revocation import family_of, lock_family, revoke_family, revoke_row

logger = logging.getLogger(__name__)
Event = AuditEvent.Event

LEAK_REASON = "reported leaked"
SOURCE_LENGTH = 500  # what is kept of a reported location


@dataclass
class LeakOutcome:
    """What one reported plaintext did: the token it matched (if any) and the tokens revoked."""

    token: ApiToken | None = None
    revoked: list[ApiToken] = field(default_factory=list)

    @property
    def matched(self) -> bool:
        return self.token is not None


@transaction.atomic
def _revoke_reported(token: ApiToken, *, request, details: dict) -> LeakOutcome:
    root = family_of(token)
    lock_family(root)
    token = (ApiToken.objects.select_for_update(of=("self",)).select_related("user")
             .get(pk=token.pk))
    now = timezone.now()
    revoked = []
    if token.revoked_at is None:
        revoke_row(token, actor=None, reason=LEAK_REASON, now=now, request=request,
                   details={**details, "family": root})
        revoked.append(token)
    revoked += revoke_family(family=root, actor=None, reason=LEAK_REASON, now=now,
                             request=request, details=details)
    record(Event.TOKEN_LEAK_REPORTED, token=token, target=token.user, request=request,
           details={"matched": True, "revoked": token in revoked, **details})
    return LeakOutcome(token=token, revoked=revoked)


def _mail(outcome: LeakOutcome, source: str | None) -> None:
    if not outcome.revoked:
        return
    try:
        notify_leak_revoked(reported=outcome.token, revoked=outcome.revoked, source=source)
    except Exception:  # any mail backend's error: the revocation stands, the failure is logged
        logger.exception("Could not e-mail the contact of %s that token %s was revoked as "
                         "leaked.", outcome.token.user.username, outcome.token.pk)


def token_report_leak(*, plaintext: str, request=None) -> bool:
    """Revoke a token anyone found leaked, and every live token of its rotation family, then
    e-mail its contact; whether it matched (never told to the reporter)."""
    digest = crypto.lookup_digest(plaintext)
    token = None if digest is None else ApiToken.objects.filter(digest=digest).first()
    if token is None:
        record(Event.TOKEN_LEAK_REPORTED, request=request, details={"matched": False})
        return False
    _mail(_revoke_reported(token, request=request, details={}), source=None)
    return True


@dataclass(frozen=True)
class ScanningReport:
    """One item of a secret-scanning alert: the plaintext found, its type and where."""

    token: str
    type: str
    url: str
    source: str


def tokens_report_scanned(*, reports: list[ScanningReport], partner: str,
                          request=None) -> list[bool]:
    """Revoke every reported token that is ours (with its family) and e-mail each contact;
    for each report, whether it matched one of our tokens, whatever that token's state.

    One lookup for the whole alert; each matched token in its own transaction, so one that fails
    leaves the others revoked (the partner sends the alert again and what is already revoked
    stays so). The unmatched ones are counted in one event, their plaintexts kept nowhere.
    """
    digests = [crypto.lookup_digest(report.token) for report in reports]
    found = {token.digest: token for token in ApiToken.objects.select_related("user")
             .filter(digest__in={digest for digest in digests if digest is not None})}
    matched, done = [], set()
    for report, digest in zip(reports, digests, strict=True):
        token = found.get(digest) if digest is not None else None
        matched.append(token is not None)
        if token is None or token.pk in done:
            continue
        done.add(token.pk)
        source = capped(report.url, SOURCE_LENGTH)
        details = {"source": source, "reported_by": partner,
                   "location": capped(report.source, 50)}
        _mail(_revoke_reported(token, request=request, details=details), source=source)
    unmatched = matched.count(False)
    if unmatched:
        record(Event.TOKEN_LEAK_REPORTED, request=request,
               details={"matched": False, "count": unmatched, "reported_by": partner})
    return matched
