"""The admin's account pages in the escalation matrix: programmatic users and people."""

from permissions import exceptions as ex
from tests.permissions.escalation.cells import (
    DELETION,
    DENIED,
    DIRECT,
    MODEL_GROUP,
    MORE_PRIVILEGED,
    NEW_ACCOUNT,
    NO_SUCH_ACTION,
    OBJ_GROUP,
    SELF,
    Cell,
    NotApplicable,
    browser,
    granted,
    groups_pk,
    joined,
    new_user_keys,
    person_form,
    pk_of,
    refused_for_all,
    robot_form,
)
from tests.permissions.escalation.world import ANY, MODEL

NEW_PASSWORD = "Taken-over-2026!"

PU_ADD = "admin/accounts/programmaticuser/add/"
PU_CHANGE = "admin/accounts/programmaticuser/<path:object_id>/change/"
PU_DELETE = "admin/accounts/programmaticuser/<path:object_id>/delete/"
PU_LIST = "admin/accounts/programmaticuser/"
PERSON_CHANGE = "admin/accounts/person/<path:object_id>/change/"
PERSON_PASSWORD = "admin/accounts/person/<id>/password/"
PERSON_DELETE = "admin/accounts/person/<path:object_id>/delete/"
PERSON_LIST = "admin/accounts/person/"

NO_PERMISSION_FIELD = NotApplicable(
    "the form has no permission field: grants go through the Object permissions pages and the "
    "permissions API")
PASSWORD_ONLY = NotApplicable("sets a password: it gives no permission to anyone")


# Programmatic users -----------------------------------------------------------------------------

def _add_robot_in(group: str) -> Cell:
    return Cell(
        act=lambda w, a: browser(a).post("/admin/accounts/programmaticuser/add/", {
            "username": "new-robot", "contact_email": "owner@example.com",
            "groups": groups_pk(w, group)}),
        ok=302,
        stored=lambda w, a: new_user_keys("new-robot", group),
        events=lambda w, a: [
            ("user.created", "new-robot", {"category": "programmatic",
                                           "contact_email": "owner@example.com",
                                           "groups": [group]}),
            joined("new-robot", group)],
        refused={"lacker": (200, ex.GROUPS_NOT_GRANTABLE.format(names=group)),
                 "staff": DENIED},
    )


def _robot_joins(group: str) -> Cell:
    return Cell(
        act=lambda w, a: browser(a).post(
            f"/admin/accounts/programmaticuser/{w.robot.pk}/change/",
            robot_form(w.robot, groups=groups_pk(w, "Integrations", group))),
        ok=302,
        stored=lambda w, a: {("added", ("member", "robot", group))},
        events=lambda w, a: [joined("robot", group)],
        refused={"lacker": (200, ex.GROUPS_NOT_GRANTABLE.format(names=group)),
                 "staff": DENIED},
    )


def _deactivate_vip_robot() -> Cell:
    return Cell(
        act=lambda w, a: browser(a).post(
            f"/admin/accounts/programmaticuser/{w.vip_robot.pk}/change/",
            robot_form(w.vip_robot, is_active="")),
        ok=302,
        stored=lambda w, a: {("changed", ("user", "vip-robot", "is_active")),
                             ("changed", ("token", "vip-robot", "vip", w.vip_token.pk))},
        events=lambda w, a: [("user.deactivated", "vip-robot", {}),
                             ("token.revoked", "vip-robot", ANY)],
        refused={"lacker": DENIED, "staff": DENIED},
    )


# People -----------------------------------------------------------------------------------------

def _person_joins(group: str) -> Cell:
    return Cell(
        act=lambda w, a: browser(a).post(f"/admin/accounts/person/{w.pat.pk}/change/",
                                         person_form(w.pat, groups=groups_pk(w, group))),
        ok=302,
        stored=lambda w, a: {("added", ("member", "pat", group))},
        events=lambda w, a: [joined("pat", group)],
        refused={"lacker": (200, ex.GROUPS_NOT_GRANTABLE.format(names=group)),
                 "staff": DENIED},
    )


def _person_gets_model_permission() -> Cell:
    return Cell(
        act=lambda w, a: browser(a).post(f"/admin/accounts/person/{w.pat.pk}/change/",
                                         person_form(w.pat, user_permissions=[pk_of(MODEL)])),
        ok=302,
        stored=lambda w, a: {("added", ("perm", "pat", MODEL))},
        events=lambda w, a: [granted("pat", MODEL)],
        refused={"lacker": (200, ex.NOT_GRANTABLE.format(permission=MODEL)), "staff": DENIED},
    )


def _joins_log_readers_herself() -> Cell:
    return Cell(
        act=lambda w, a: browser(a).post(
            f"/admin/accounts/person/{a.pk}/change/",
            person_form(a, groups=[*a.groups.values_list("pk", flat=True),
                                   *groups_pk(w, "Log readers")])),
        ok=302,
        stored=lambda w, a: {("added", ("member", a.username, "Log readers"))},
        events=lambda w, a: [joined(a.username, "Log readers")],
        refused={"lacker": (200, ex.GROUPS_NOT_GRANTABLE.format(names="Log readers")),
                 "staff": DENIED},
    )


def _email_of_audrey() -> Cell:
    return Cell(
        act=lambda w, a: browser(a).post(f"/admin/accounts/person/{w.audrey.pk}/change/",
                                         person_form(w.audrey, email="mallory@example.com")),
        ok=302,
        stored=lambda w, a: {("changed", ("user", "audrey", "email"))},
        events=lambda w, a: [("user.updated", "audrey", {"email": "mallory@example.com"})],
        refused={"lacker": DENIED, "staff": DENIED},
    )


def _password_of(who) -> Cell:
    """`who(world, actor)`: whose password the actor sets."""
    return Cell(
        act=lambda w, a: browser(a).post(f"/admin/accounts/person/{who(w, a).pk}/password/", {
            "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}),
        ok=302,
        stored=lambda w, a: {("changed", ("user", who(w, a).username, "password"))},
        events=lambda w, a: [("user.updated", who(w, a).username, {"password": "changed"})],
        refused={"lacker": DENIED, "staff": DENIED},
    )


def _own_password() -> Cell:
    cell = _password_of(lambda w, a: a)
    return Cell(act=cell.act, ok=cell.ok, stored=cell.stored, events=cell.events,
                refused={"staff": DENIED}, allowed=frozenset({"holder", "lacker"}))


ACCOUNT_PAGES = {
    PU_ADD: {
        OBJ_GROUP: _add_robot_in("Project team"),
        MODEL_GROUP: _add_robot_in("Log readers"),
        DIRECT: NO_PERMISSION_FIELD,
        SELF: NEW_ACCOUNT,
        MORE_PRIVILEGED: NEW_ACCOUNT,
    },
    PU_CHANGE: {
        OBJ_GROUP: _robot_joins("Project team"),
        MODEL_GROUP: _robot_joins("Log readers"),
        DIRECT: NO_PERMISSION_FIELD,
        SELF: refused_for_all(
            lambda w, a: browser(a).post(f"/admin/accounts/programmaticuser/{a.pk}/change/",
                                         robot_form(w.robot)),
            holder=(302, None), lacker=(302, None), staff=DENIED),
        MORE_PRIVILEGED: _deactivate_vip_robot(),
    },
    PU_DELETE: {
        OBJ_GROUP: DELETION, MODEL_GROUP: DELETION, DIRECT: DELETION, SELF: DELETION,
        MORE_PRIVILEGED: refused_for_all(
            lambda w, a: browser(a).post(
                f"/admin/accounts/programmaticuser/{w.vip_robot.pk}/delete/", {"post": "yes"}),
            holder=DENIED, lacker=DENIED, staff=DENIED),
    },
    PU_LIST: {
        OBJ_GROUP: DELETION, MODEL_GROUP: DELETION, DIRECT: DELETION, SELF: DELETION,
        MORE_PRIVILEGED: refused_for_all(
            lambda w, a: browser(a).post("/admin/accounts/programmaticuser/", {
                "action": "delete_selected", "_selected_action": [w.vip_robot.pk],
                "post": "yes"}),
            # stan holds audit.view_auditevent: he reads the list as auditors do, read-only.
            holder=NO_SUCH_ACTION, lacker=NO_SUCH_ACTION, staff=NO_SUCH_ACTION),
    },
    PERSON_LIST: {
        OBJ_GROUP: DELETION, MODEL_GROUP: DELETION, DIRECT: DELETION, SELF: DELETION,
        MORE_PRIVILEGED: refused_for_all(
            lambda w, a: browser(a).post("/admin/accounts/person/", {
                "action": "delete_selected", "_selected_action": [w.audrey.pk],
                "post": "yes"}),
            holder=NO_SUCH_ACTION, lacker=NO_SUCH_ACTION, staff=DENIED),
    },
    PERSON_CHANGE: {
        OBJ_GROUP: _person_joins("Project team"),
        MODEL_GROUP: _person_joins("Log readers"),
        DIRECT: _person_gets_model_permission(),
        SELF: _joins_log_readers_herself(),
        MORE_PRIVILEGED: _email_of_audrey(),
    },
    PERSON_PASSWORD: {
        OBJ_GROUP: PASSWORD_ONLY, MODEL_GROUP: PASSWORD_ONLY, DIRECT: PASSWORD_ONLY,
        SELF: _own_password(),
        MORE_PRIVILEGED: _password_of(lambda w, a: w.audrey),
    },
    PERSON_DELETE: {
        OBJ_GROUP: DELETION, MODEL_GROUP: DELETION, DIRECT: DELETION, SELF: DELETION,
        MORE_PRIVILEGED: refused_for_all(
            lambda w, a: browser(a).post(f"/admin/accounts/person/{w.audrey.pk}/delete/",
                                         {"post": "yes"}),
            holder=DENIED, lacker=DENIED, staff=DENIED),
    },
}
