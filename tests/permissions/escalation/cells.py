"""One cell of the escalation matrix (a write path x an escalation case), and the helpers the
cells share: clients, the forms the admin posts, the events a grant records."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import Permission

from tests.conftest import browser_for, client_for
from tests.permissions.escalation.world import ROLES, World

# The five escalation cases (columns of the matrix).
OBJ_GROUP = "object grant through a group"
MODEL_GROUP = "model-wide grant through a group"
DIRECT = "direct grant"
SELF = "self-edit"
MORE_PRIVILEGED = "credentials of a more privileged account"
CASES = (OBJ_GROUP, MODEL_GROUP, DIRECT, SELF, MORE_PRIVILEGED)


@dataclass(frozen=True)
class Cell:
    """What `act(world, actor)` does for each role.

    Allowed roles get status `ok`, store exactly `stored(world, actor)` (see `world.diff`) and
    record exactly `events(world, actor)`; every other role gets `refused[role]` = (status,
    message the response shows, or None), stores nothing and records nothing but the
    `access.denied` of a 403.
    """

    act: Callable
    ok: int
    stored: Callable
    events: Callable
    refused: dict
    allowed: frozenset = frozenset({"holder"})
    setup: Callable | None = None

    def __post_init__(self):
        assert set(self.refused) | set(self.allowed) == set(ROLES), self
        assert not set(self.refused) & set(self.allowed), self


@dataclass(frozen=True)
class NotApplicable:
    """A case the path cannot express, and why."""

    reason: str


DENIED = (403, None)
NO_SUCH_ACTION = (200, None)  # a changelist without the delete action shows itself again
NEW_ACCOUNT = NotApplicable("creates a new account: it is nobody's self and holds nothing yet")
DELETION = NotApplicable("deleting takes away; deleting an account is for superusers only")
TOKEN_ONLY = NotApplicable("issues or rotates a token: it gives no permission to anyone")


def refused_for_all(act, *, holder, lacker, staff) -> Cell:
    """A case the path refuses to everyone but superusers."""
    return Cell(act=act, ok=0, stored=lambda w, a: set(), events=lambda w, a: [],
                refused={"holder": holder, "lacker": lacker, "staff": staff},
                allowed=frozenset())


def api(actor):
    return client_for(actor)


def browser(actor):
    return browser_for(actor)


def pk_of(name: str) -> int:
    app_label, codename = name.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename).pk


def person_form(user, **overrides) -> dict:
    """What the People change form posts when nothing but `overrides` changes."""
    data = {"username": user.username, "first_name": user.first_name,
            "last_name": user.last_name, "email": user.email,
            "is_active": "on" if user.is_active else "", "is_staff": "on" if user.is_staff else "",
            "groups": [g.pk for g in user.groups.all()],
            "user_permissions": [p.pk for p in user.user_permissions.all()]}
    data.update(overrides)
    return {key: value for key, value in data.items() if value not in ("", [])}


def robot_form(user, **overrides) -> dict:
    """What the programmatic user's change form posts when nothing but `overrides` changes."""
    data = {"description": user.description, "contact_email": user.contact_email,
            "is_active": "on" if user.is_active else "",
            "groups": [g.pk for g in user.groups.all()]}
    data.update(overrides)
    return {key: value for key, value in data.items() if value not in ("", [])}


def groups_pk(world: World, *names: str) -> list[int]:
    return [world.group(name).pk for name in names]


def joined(target: str, group: str) -> tuple:
    return ("permission.granted", target, {"group": group})


def left(target: str, group: str) -> tuple:
    return ("permission.revoked", target, {"group": group})


def granted(target: str, permission: str, ref: dict | None = None) -> tuple:
    return ("permission.granted", target, {"permission": permission, "object": ref})


def revoked(target: str, permission: str, ref: dict | None = None) -> tuple:
    return ("permission.revoked", target, {"permission": permission, "object": ref})


def obj_key(who: str, obj, codename: str, *, group: bool = False) -> tuple:
    return ("group_obj" if group else "user_obj", who, obj._meta.label_lower, obj.pk, codename)


def new_user_keys(username: str, *groups: str) -> set:
    return {("added", ("user", username))} | {
        ("added", ("member", username, name)) for name in groups}


def own_group(world: World, actor) -> None:
    """Setup of a self-edit on a group: "Mine", whose only member is the actor."""
    from django.contrib.auth.models import Group

    Group.objects.create(name="Mine").user_set.add(actor)
