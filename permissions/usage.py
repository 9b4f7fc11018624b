"""Least-privilege advice: each permission a user holds, and how its tokens used it lately.

AWS's Access Advisor for our users: a grant never exercised in the window is a candidate for
revocation. Events record which permissions a request exercised, not on which object, so an
object grant counts as used when its permission was used; a grant on a container (an invoice
permission on a project) is an object grant of the contained model's permission.
"""

from datetime import timedelta

from django.utils import timezone

from audit.stats import permission_uses
from permissions.selectors import full_name, stored_grants

DEFAULT_DAYS = 90
MAX_DAYS = 365
ORGANIZATION = "organization"
OBJECT = "object"


def permission_usage(user, *, days: int = DEFAULT_DAYS, now=None) -> dict:
    """{"days", "since", "permissions": [{permission, scope, objects, sources, uses,
    last_used_at, unused}]}, unused first, then by name."""
    now = now or timezone.now()
    since = now - timedelta(days=days)
    grants = stored_grants(user)
    uses = permission_uses(actor_id=user.pk, since=since)
    rows = []
    for name, sources in grants.global_perms.items():
        rows.append(_row(name, ORGANIZATION, [], sources, uses))
    by_name: dict[str, dict] = {}
    for label, by_pk in grants.objects.items():
        for pk, perms in by_pk.items():
            for codename, sources in perms.items():
                entry = by_name.setdefault(full_name(label, codename),
                                           {"objects": [], "sources": []})
                entry["objects"].append({"type": label, "id": pk})
                entry["sources"].extend(s for s in sources if s not in entry["sources"])
    for name, entry in by_name.items():
        objects = sorted(entry["objects"], key=lambda o: (o["type"], o["id"]))
        rows.append(_row(name, OBJECT, objects, entry["sources"], uses))
    rows.sort(key=lambda row: (not row["unused"], row["permission"], row["scope"]))
    return {"days": days, "since": since, "permissions": rows}


def _row(name: str, scope: str, objects: list, sources: list, uses: dict) -> dict:
    count, last = uses.get(name, (0, None))
    return {"permission": name, "scope": scope, "objects": objects, "sources": sorted(sources),
            "uses": count, "last_used_at": last, "unused": count == 0}
