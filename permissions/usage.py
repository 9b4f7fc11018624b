"""Least-privilege advice: each grant a user holds, and how its tokens used it lately.

AWS's Access Advisor for our users: a grant never exercised in the window is a candidate for
revocation. Only real use counts: a request that succeeded (2xx/3xx) with the permission. A
request refused for it (403) or answered 404 is listed apart, under `refused`: it points to a
grant the integration lacks, not to one it needs to keep.

An object grant counts the uses on its object only: requests that checked the permission on that
object, or on an object it contains (a grant of `view_invoice` on a project is used by reading an
invoice of the project), and requests that checked it on no one object (a list reads through
every grant of its permission). An organisation-wide grant counts every use of its permission.
"""

from datetime import timedelta

from django.utils import timezone

from audit.stats import ANY, REFUSED, USED, permission_outcomes
from permissions.selectors import full_name, stored_grants

DEFAULT_DAYS = 90
MAX_DAYS = 365
ORGANIZATION = "organization"
OBJECT = "object"


def permission_usage(user, *, days: int = DEFAULT_DAYS, now=None) -> dict:
    """{"days", "since", "permissions": [{permission, scope, objects, sources, uses,
    last_used_at, unused}], "refused": [{permission, refusals, last_refused_at, objects}]}.

    One row per organisation-wide permission and one per object grant (`objects` holds that
    object), unused first, then by name; refused permissions by name.
    """
    now = now or timezone.now()
    since = now - timedelta(days=days)
    grants = stored_grants(user)
    outcomes = permission_outcomes(actor_id=user.pk, since=since)
    rows = []
    for name, sources in grants.global_perms.items():
        rows.append(_row(name, ORGANIZATION, None, sources, [outcomes.get((name, USED, ANY))]))
    for label, by_pk in grants.objects.items():
        for pk, perms in by_pk.items():
            for codename, sources in perms.items():
                name = full_name(label, codename)
                found = [outcomes.get((name, USED, f"{label}:{pk}")),
                         outcomes.get((name, USED, None))]
                rows.append(_row(name, OBJECT, {"type": label, "id": pk}, sources, found))
    rows.sort(key=lambda row: (not row["unused"], row["permission"], row["scope"],
                               [(o["type"], o["id"]) for o in row["objects"]]))
    return {"days": days, "since": since, "permissions": rows, "refused": _refused(outcomes)}


def _row(name: str, scope: str, obj: dict | None, sources: list, found: list) -> dict:
    found = [item for item in found if item is not None]
    uses = sum(count for count, _ in found)
    last = max((at for _, at in found), default=None)
    return {"permission": name, "scope": scope, "objects": [obj] if obj else [],
            "sources": sorted(sources), "uses": uses, "last_used_at": last, "unused": uses == 0}


def _refused(outcomes: dict) -> list[dict]:
    refused = {}
    for (name, outcome, on), (count, last) in outcomes.items():
        if outcome != REFUSED:
            continue
        entry = refused.setdefault(name, {"permission": name, "refusals": 0,
                                          "last_refused_at": None, "objects": []})
        if on == ANY:
            entry["refusals"], entry["last_refused_at"] = count, last
        elif on is not None:
            label, _, pk = on.rpartition(":")
            entry["objects"].append({"type": label, "id": int(pk)})
    for entry in refused.values():
        entry["objects"].sort(key=lambda o: (o["type"], o["id"]))
    return sorted(refused.values(), key=lambda entry: entry["permission"])
