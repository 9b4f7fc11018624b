"""E-mails to accountable contacts: tokens that expire soon (once per expiry), a token family
revoked because a replaced token was used again (once per detection), a token revoked because it
was reported leaked (once per revocation). Never a secret in a mail."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from audit.models import AuditEvent
from audit.selectors import expiry_notices
from audit.services import record
from tokens.models import ApiToken

SUBJECT = "API tokens expiring within {days} days"
REUSE_SUBJECT = "API tokens of {username} revoked: a replaced token was used again"
LEAK_SUBJECT = "API tokens of {username} revoked: a token was reported leaked"


@dataclass(frozen=True)
class Sent:
    contacts: int
    tokens: int


def _body(tokens: list[ApiToken], days: int) -> str:
    lines = [
        f"These API tokens you are the accountable contact for expire within {days} days.",
        "Rotate them (the integration keeps working through the grace period) or let them "
        "expire if they are no longer needed.",
        "",
    ]
    for token in tokens:
        lines.append(f"- {token.name} ({token.hint}…) of {token.user.username}: expires "
                     f"{token.expires_at:%Y-%m-%d %H:%M} UTC")
    return "\n".join(lines) + "\n"


def tokens_notify_expiring(*, days: int, now=None) -> Sent:
    """One e-mail per contact listing their active tokens expiring within `days`.

    A token already rotated (in its grace period: its successor is what matters) or suspended
    needs no rotation and is not listed. A token is notified once per expiry date. The
    mail cannot be part of a transaction: it is sent first, then its events are recorded, so a
    crash in between may repeat a notice but never loses one.
    """
    now = now or timezone.now()
    tokens = list(
        ApiToken.objects.expiring_between(now, now + timedelta(days=days))
        .filter(user__is_active=True).select_related("user").order_by("expires_at", "id")
    )
    done = expiry_notices(token.pk for token in tokens)
    by_contact: dict[str, list[ApiToken]] = defaultdict(list)
    for token in tokens:
        if (token.pk, token.expires_at.isoformat()) not in done:
            by_contact[token.user.contact_email].append(token)
    for contact, pending in sorted(by_contact.items()):
        send_mail(SUBJECT.format(days=days), _body(pending, days),
                  settings.DEFAULT_FROM_EMAIL, [contact])
        with transaction.atomic():
            for token in pending:
                record(AuditEvent.Event.TOKEN_EXPIRY_NOTIFIED, token=token, target=token.user,
                       details={"expires_at": token.expires_at.isoformat(), "contact": contact,
                                "window_days": days})
    return Sent(contacts=len(by_contact), tokens=sum(len(v) for v in by_contact.values()))


def notify_reuse_detected(*, presented: ApiToken, revoked: list[ApiToken], ip: str | None,
                          now=None) -> None:
    """Tell the accountable contact that `presented`, rotated out, came back after its grace
    period and that the tokens of its family listed were revoked. Never a secret in the mail."""
    now = now or timezone.now()
    user = presented.user
    lines = [
        f"The API token {presented.name} ({presented.hint}…) of the programmatic user "
        f"{user.username} was replaced by rotation, and was presented again after its grace "
        f"period ended: on {now:%Y-%m-%d %H:%M} UTC from {ip or 'an unknown address'}.",
        "Whoever presented it holds a copy of a token that should no longer exist, so every token "
        "derived from the same original by rotation was revoked at once:",
        "",
        *(f"- {token.name} ({token.hint}…), token {token.pk}" for token in revoked),
        "",
        "The integration stops working with these tokens. Find where the old token was copied "
        "(logs, scripts, CI variables, another machine), then ask a token configurator to issue "
        "a new token. The audit log lists these revocations with the reason reuse_detected.",
    ]
    send_mail(REUSE_SUBJECT.format(username=user.username), "\n".join(lines) + "\n",
              settings.DEFAULT_FROM_EMAIL, [user.contact_email])


def notify_leak_revoked(*, reported: ApiToken, revoked: list[ApiToken], source: str | None,
                        now=None) -> None:
    """Tell the accountable contact that `reported` was reported leaked (found at `source`, when
    a secret-scanning partner says where) and that the tokens listed were revoked."""
    now = now or timezone.now()
    user = reported.user
    where = f" It was found at {source}." if source else ""
    lines = [
        f"The API token {reported.name} ({reported.hint}…) of the programmatic user "
        f"{user.username} was reported leaked on {now:%Y-%m-%d %H:%M} UTC.{where}",
        "Anyone who found it could have used it, so it was revoked at once, with every token "
        "derived from the same original by rotation:",
        "",
        *(f"- {token.name} ({token.hint}…), token {token.pk}" for token in revoked),
        "",
        "The integration stops working with these tokens. Remove the token from where it was "
        "exposed, check the audit log for its use, then ask a token configurator to issue a new "
        "token. The audit log lists these revocations with the reason reported leaked.",
    ]
    send_mail(LEAK_SUBJECT.format(username=user.username), "\n".join(lines) + "\n",
              settings.DEFAULT_FROM_EMAIL, [user.contact_email])
