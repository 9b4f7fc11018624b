"""The admin index's "is anything wrong?" panel, for configurators and auditors.

Each figure links to the filtered list behind it; each is shown only to those who may open that
list.
"""

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import selectors as audit_selectors
from audit.models import AuditEvent
from audit.sealing import last_seal
from audit.verification import verify_log
from tokens import selectors as token_selectors

RECENT_SEALS = 20
TOKEN_READERS = ("tokens.view_apitoken", "tokens.issue_token")
AUDITORS = "audit.view_auditevent"


@dataclass(frozen=True)
class Figure:
    label: str
    count: int
    url: str
    warn: bool = False


def _url(name: str, **query) -> str:
    return reverse(name) + ("?" + urlencode(query) if query else "")


def _token_figures(now) -> list[Figure]:
    expiring = token_selectors.expiring_soon(now).count()
    unused = token_selectors.never_used(now).count()
    tokens = "admin:tokens_apitoken_changelist"
    return [
        Figure(_("tokens expire within {days} days").format(days=token_selectors.EXPIRING_DAYS),
               expiring, _url(tokens, attention="expiring"), warn=expiring > 0),
        Figure(_("tokens never used"), unused, _url(tokens, attention="never_used")),
    ]


def _audit_figures(now) -> list[Figure]:
    events = "admin:audit_auditevent_changelist"
    figures = []
    for reason, count in audit_selectors.failures_by_reason(now - timedelta(hours=24)):
        figures.append(Figure(_("failed authentications ({reason}), last 24 h").format(
                                  reason=reason.replace("_", " ")),
                              count, _url(events, event__exact=AuditEvent.Event.AUTH_FAILED,
                                          reason=reason, period="24h"), warn=True))
    if not figures:
        figures.append(Figure(_("failed authentications, last 24 h"), 0,
                              _url(events, event__exact=AuditEvent.Event.AUTH_FAILED,
                                   period="24h")))
    leaks = audit_selectors.count_since(AuditEvent.Event.TOKEN_LEAK_REPORTED,
                                        now - timedelta(days=7))
    figures.append(Figure(_("leak reports, last 7 days"), leaks,
                          _url(events, event__exact=AuditEvent.Event.TOKEN_LEAK_REPORTED,
                               period="7d"), warn=leaks > 0))
    return figures


def integrity_sentence() -> tuple[bool, str]:
    """The integrity verdict in plain words, and whether the log is intact."""
    verdict = verify_log(recent_seals=RECENT_SEALS)
    if not verdict.ok:
        if verdict.broken_event_id:
            sentence = _("The audit log is broken at event {event}: {problem}.")
        else:
            sentence = _("The audit log is broken at its seals: {problem}.")
        # The verifier's own finding (`problem`) stays as it found it (English).
        return False, sentence.format(event=verdict.broken_event_id, problem=verdict.problem)
    seal = last_seal()
    if seal is None:
        return True, _("Nothing is sealed yet; {unsealed} await sealing.").format(
            unsealed=verdict.unsealed)
    when = timezone.localtime(seal.sealed_at).strftime("%Y-%m-%d %H:%M")
    if verdict.partial:
        sentence = _("The {events} events of the last {seals} seals are intact and sealed up to "
                     "{when}; {unsealed} await sealing.")
    else:
        sentence = _("All {events} events are intact and sealed up to {when}; {unsealed} await "
                     "sealing.")
    return True, sentence.format(events=verdict.events_checked, seals=verdict.seals_checked,
                                 when=when, unsealed=verdict.unsealed)


def dashboard(user) -> dict | None:
    """What the admin index shows `user` above the list of pages (None: nothing for them)."""
    if not (user.is_active and user.is_staff):
        return None
    now = timezone.now()
    panel: dict = {}
    if any(user.has_perm(permission) for permission in TOKEN_READERS):
        panel["tokens"] = _token_figures(now)
    if user.has_perm(AUDITORS):
        panel["audit"] = _audit_figures(now)
        panel["intact"], panel["integrity"] = integrity_sentence()
        panel["integrity_url"] = reverse("admin:audit_auditevent_changelist")
    return panel or None
