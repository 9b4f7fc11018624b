"""A token's list of grants (`permissions`), checked when it is issued (Invalid otherwise).

Each grant has the shape the permissions API accepts: {"permission": "app_label.codename"},
optionally with "object": {"type": "app_label.model", "id": N}. A token may name only what its
user holds at issue time (model-wide, on the object, or on its container); later changes to the
user's permissions are read per request (`permissions.engine.scope`). The issue service calls
`normalize_permissions` whether the API, the admin or the command asked (and the admin's preview
calls it too), so a bad list is refused with the same message wherever it comes from.
"""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from common.errors import Invalid, ProductError
from permissions import engine
from permissions.exceptions import NO_SUCH_OBJECT
from permissions.lookups import find_object, find_permission

MAX_GRANTS = 100
FIELD = "permissions"
NOT_A_LIST = ('Give a list of grants such as {"permission": "projects.view_project"}, each '
              'optionally with "object": {"type": "projects.project", "id": 3}.')
BAD_GRANT = ('Grant {index}: use {{"permission": "app_label.codename"}}, optionally with '
             '"object": {{"type": "app_label.model", "id": N}}.')
TOO_MANY_GRANTS = f"A token carries at most {MAX_GRANTS} grants."
NAMED = "{grant}: {message}"
NOT_HELD = _("{username} does not hold this, so its token cannot carry it.")


def describe(grant: dict) -> str:
    """A grant as the messages and the admin show it: "projects.view_project" or
    "projects.view_project on projects.project #3"."""
    obj = grant.get("object")
    if obj is None:
        return str(grant["permission"])
    return f"{grant['permission']} on {obj['type']} #{obj['id']}"


def parse_grant(text: str) -> dict:
    """A grant from its one-line form, "projects.view_project" or "projects.view_invoice
    projects.project:12" (the admin's form and the command line); ValueError if malformed."""
    words = text.split()
    if len(words) == 1:
        return {"permission": words[0]}
    if len(words) == 2 and words[1].count(":") == 1:
        label, _, pk = words[1].partition(":")
        if label and pk.isascii() and pk.isdigit() and len(pk) < 19:
            return {"permission": words[0], "object": {"type": label, "id": int(pk)}}
    raise ValueError(text)


def _shape(index: int, item) -> dict:
    """{"permission": str, "object": {"type": str, "id": int}?}, or Invalid."""
    bad = Invalid.field(FIELD, BAD_GRANT.format(index=index + 1))
    if not isinstance(item, dict) or set(item) - {"permission", "object"}:
        raise bad
    permission, obj = item.get("permission"), item.get("object")
    if not isinstance(permission, str) or len(permission) > 255:
        raise bad
    if obj is None:
        return {"permission": permission}
    if not isinstance(obj, dict) or set(obj) != {"type", "id"} or not isinstance(
            obj["type"], str) or isinstance(obj["id"], bool) or not isinstance(obj["id"], int):
        raise bad
    return {"permission": permission, "object": {"type": obj["type"], "id": obj["id"]}}


def _check(grant: dict, *, holder, actor) -> dict:
    """The grant, its object's type as the engine names it, once it is known to name a
    permission and an object that exist, and `holder` to hold it."""
    ref = grant.get("object")
    try:
        obj = None if ref is None else find_object(ref["type"], ref["id"])
        find_permission(grant["permission"], obj=obj)
    except ProductError as error:
        raise _named(grant, error.messages[0]) from None
    if obj is not None:
        grant = {"permission": grant["permission"],
                 "object": {"type": obj._meta.label_lower, "id": obj.pk}}
    if engine.has_model_permission(holder, grant["permission"]):
        return grant
    if obj is not None and engine.has_object_permission(holder, grant["permission"], obj):
        return grant
    if obj is not None and actor is not None and not engine.permitted(
            type(obj)._default_manager.filter(pk=obj.pk), actor, one=True).exists():
        # Neither the user holds it nor the actor may see it: the answer of a missing object,
        # so the list is no way to learn which objects exist.
        raise _named(grant, NO_SUCH_OBJECT)
    raise _named(grant, NOT_HELD.format(username=holder.get_username()))


def _named(grant: dict, message: str) -> Invalid:
    return Invalid.field(FIELD, NAMED.format(grant=describe(grant)[:300], message=message))


def normalize_permissions(values, *, user, actor=None) -> list[dict]:
    """The list checked and in canonical form (duplicates dropped, sorted); empty: the token
    is not narrowed. `user` is the token's holder, `actor` who issues it (None: the system)."""
    if values is None or (isinstance(values, list | tuple) and not values):
        return []
    if not isinstance(values, list | tuple):
        raise Invalid.field(FIELD, NOT_A_LIST)
    if len(values) > MAX_GRANTS:
        raise Invalid.field(FIELD, TOO_MANY_GRANTS)
    grants = [_shape(index, item) for index, item in enumerate(values)]
    # The holder's permissions as stored, whatever the request has bound to its user object.
    holder = get_user_model()._base_manager.get(pk=user.pk)
    checked = [_check(grant, holder=holder, actor=actor) for grant in grants]
    unique = {describe(grant): grant for grant in checked}
    return [unique[key] for key in sorted(unique)]
