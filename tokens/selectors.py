"""Reads of tokens for people: what needs a configurator's attention, lists by status, what a
token reaches."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from common.errors import Invalid
from permissions import engine
from permissions.engine.scope import Scope
from permissions.registry import protected_models
from tokens.models import ApiToken

EXPIRING_DAYS = 14
PREVIEW_OBJECTS = 5  # the first objects `token_reach` names per model
MAX_EXPIRING_DAYS = 365
EXPIRING = "expiring"
NEVER_USED = "never_used"
NEEDS_ATTENTION = "needs_attention"  # the admin's "needs attention" lists, both at once
ATTENTION = (EXPIRING, NEVER_USED)
STATUS_FILTERS = (*ApiToken.Status.values, EXPIRING, NEVER_USED, NEEDS_ATTENTION)
BAD_STATUS_FILTER = "Give one or more of {choices}, separated by commas."
BAD_EXPIRING_WITHIN = f"Give a whole number of days from 1 to {MAX_EXPIRING_DAYS}."
EXPIRING_WITHIN_ALONE = "expiring_within goes with status=expiring or status=needs_attention."


def expiring_soon(now=None, days: int = EXPIRING_DAYS):
    """Active tokens (neither suspended nor already rotated) that expire within `days`."""
    now = now or timezone.now()
    return ApiToken.objects.expiring_between(now, now + timedelta(days=days))


def never_used(now=None):
    """Tokens that still work and have never authenticated a request."""
    return ApiToken.objects.never_used(now or timezone.now())


def parse_expiring_within(raw: str | None) -> int | None:
    """`expiring_within` as days (1..365), None when absent; Invalid otherwise."""
    if raw is None:
        return None
    text = raw.strip()
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_EXPIRING_DAYS:
        raise Invalid.field("expiring_within", BAD_EXPIRING_WITHIN)
    return int(text)


def with_status_filter(queryset, status: str | None, expiring_within: str | None = None,
                       now=None):
    """`queryset` narrowed by `?status=` (statuses, `expiring`, `never_used`, and
    `needs_attention` = both of those, as the admin's "needs attention" filter lists them;
    comma-separated: any of them) and `?expiring_within=` days (with `expiring` or
    `needs_attention`; 14 without it); Invalid on a bad value."""
    days = parse_expiring_within(expiring_within)
    if status is None:
        if days is not None:
            raise Invalid.field("expiring_within", EXPIRING_WITHIN_ALONE)
        return queryset
    wanted = [part.strip() for part in status.split(",")]
    if not wanted or any(part not in STATUS_FILTERS for part in wanted):
        raise Invalid.field("status", BAD_STATUS_FILTER.format(choices=", ".join(STATUS_FILTERS)))
    if days is not None and not {EXPIRING, NEEDS_ATTENTION} & set(wanted):
        raise Invalid.field("expiring_within", EXPIRING_WITHIN_ALONE)
    now = now or timezone.now()
    matching = queryset.none()
    for part in dict.fromkeys(wanted):
        if part in (EXPIRING, NEEDS_ATTENTION):
            end = now + timedelta(days=days or EXPIRING_DAYS)
            matching = matching | queryset.expiring_between(now, end)
        if part in (NEVER_USED, NEEDS_ATTENTION):
            matching = matching | queryset.never_used(now)
        if part not in (EXPIRING, NEVER_USED, NEEDS_ATTENTION):
            matching = matching | queryset.with_status(part, now)
    return matching


def token_reach(user, scope: Scope) -> dict:
    """What a request of `user` within `scope` reaches now, as the engine answers it: the
    model-wide permissions it may use, and per protected model the objects it may view (a
    count and the first few). The admin's preview of a token before it is issued, and its
    page after."""
    subject = get_user_model()._base_manager.get(pk=user.pk)  # a request's own user object
    engine.bind_scope(subject, scope)
    models = []
    for label, tables in sorted(protected_models().items()):
        rows = engine.permitted(tables.model._default_manager.order_by("pk"), subject)
        count = rows.count()
        models.append({"label": label, "name": tables.model._meta.verbose_name_plural,
                       "count": count,
                       "first": [str(obj) for obj in rows[:PREVIEW_OBJECTS]] if count else []})
    return {"global": sorted(engine.model_permissions(subject)), "models": models,
            "more": PREVIEW_OBJECTS}
