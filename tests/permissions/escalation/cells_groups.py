"""The admin's group (role) pages in the escalation matrix."""

from permissions import exceptions as ex
from tests.permissions.escalation.cells import (
    DENIED,
    DIRECT,
    MODEL_GROUP,
    MORE_PRIVILEGED,
    NO_SUCH_ACTION,
    OBJ_GROUP,
    SELF,
    Cell,
    NotApplicable,
    browser,
    granted,
    left,
    obj_key,
    own_group,
    pk_of,
    revoked,
)
from tests.permissions.escalation.world import MODEL

GROUP_ADD = "admin/auth/group/add/"
GROUP_CHANGE = "admin/auth/group/<path:object_id>/change/"
GROUP_DELETE = "admin/auth/group/<path:object_id>/delete/"
GROUP_LIST = "admin/auth/group/"

OBJECT_PERMISSIONS_ELSEWHERE = NotApplicable(
    "a group's object permissions are given on the Object permissions pages")
NO_DIRECT = NotApplicable("a group has no account of its own to grant to")


# Groups -----------------------------------------------------------------------------------------

def _group_gets_model_permission(group: str, *, lacker=None, setup=None) -> Cell:
    return Cell(
        act=lambda w, a: browser(a).post(f"/admin/auth/group/{w.group(group).pk}/change/", {
            "permissions": [*w.group(group).permissions.values_list("pk", flat=True),
                            pk_of(MODEL)]}),
        ok=302,
        stored=lambda w, a: {("added", ("group_perm", group, MODEL))},
        events=lambda w, a: [granted(group, MODEL)],
        refused={"lacker": lacker or (200, ex.GROUP_PERMISSIONS_NOT_GRANTABLE.format(
            names=MODEL)), "staff": DENIED},
        setup=setup,
    )


def _auditors_get_view_project() -> Cell:
    common = "projects.view_project"
    return Cell(
        act=lambda w, a: browser(a).post(f"/admin/auth/group/{w.group('Auditors').pk}/change/", {
            "permissions": [pk_of("audit.view_auditevent"), pk_of("tokens.view_apitoken"),
                            pk_of(common)]}),
        ok=302,
        stored=lambda w, a: {("added", ("group_perm", "Auditors", common))},
        events=lambda w, a: [granted("Auditors", common)],
        refused={"lacker": DENIED, "staff": DENIED},
    )


def _ref(obj) -> dict:
    return {"type": obj._meta.label_lower, "id": obj.pk}


def _deleted(group: str, stored, events) -> Cell:
    return Cell(
        act=lambda w, a: browser(a).post(f"/admin/auth/group/{w.group(group).pk}/delete/",
                                         {"post": "yes"}),
        ok=302, stored=stored, events=events, refused={"lacker": DENIED, "staff": DENIED},
    )


def _own_group_deleted(*, bulk: bool) -> Cell:
    def act(w, a):
        pk = w.group("Mine").pk
        if bulk:
            return browser(a).post("/admin/auth/group/", {
                "action": "delete_selected", "_selected_action": [pk], "post": "yes"})
        return browser(a).post(f"/admin/auth/group/{pk}/delete/", {"post": "yes"})

    return Cell(
        act=act, ok=302,
        stored=lambda w, a: {("removed", ("group", "Mine")),
                             ("removed", ("member", a.username, "Mine"))},
        events=lambda w, a: [left(a.username, "Mine")],
        refused={"staff": NO_SUCH_ACTION if bulk else DENIED},
        allowed=frozenset({"holder", "lacker"}), setup=own_group,
    )


def _deleted_in_bulk(cell: Cell, group: str, *, staff) -> Cell:
    return Cell(
        act=lambda w, a: browser(a).post("/admin/auth/group/", {
            "action": "delete_selected", "_selected_action": [w.group(group).pk],
            "post": "yes"}),
        ok=302, stored=cell.stored, events=cell.events,
        refused={"lacker": DENIED, "staff": staff},
    )


DELETE_PROJECT_TEAM = _deleted(
    "Project team",
    stored=lambda w, a: {("removed", ("group", "Project team")),
                         ("removed", obj_key("Project team", w.project, "delete_project",
                                             group=True)),
                         ("removed", obj_key("Project team", w.invoice, "delete_invoice",
                                             group=True))},
    events=lambda w, a: [revoked("Project team", "projects.delete_invoice", _ref(w.invoice)),
                         revoked("Project team", "projects.delete_project", _ref(w.project))])
DELETE_LOG_READERS = _deleted(
    "Log readers",
    stored=lambda w, a: {("removed", ("group", "Log readers")),
                         ("removed", ("group_perm", "Log readers", MODEL))},
    events=lambda w, a: [revoked("Log readers", MODEL)])
DELETE_AUDITORS = _deleted(
    "Auditors",
    stored=lambda w, a: {("removed", ("group", "Auditors")),
                         ("removed", ("member", "audrey", "Auditors")),
                         ("removed", ("group_perm", "Auditors", MODEL)),
                         ("removed", ("group_perm", "Auditors", "tokens.view_apitoken"))},
    events=lambda w, a: [left("audrey", "Auditors"), revoked("Auditors", MODEL),
                         revoked("Auditors", "tokens.view_apitoken")])


GROUP_PAGES = {
    GROUP_ADD: {
        OBJ_GROUP: OBJECT_PERMISSIONS_ELSEWHERE,
        MODEL_GROUP: Cell(
            act=lambda w, a: browser(a).post("/admin/auth/group/add/", {
                "name": "New role", "permissions": [pk_of(MODEL)]}),
            ok=302,
            stored=lambda w, a: {("added", ("group", "New role")),
                                 ("added", ("group_perm", "New role", MODEL))},
            events=lambda w, a: [granted("New role", MODEL)],
            refused={"lacker": (200, ex.GROUP_PERMISSIONS_NOT_GRANTABLE.format(names=MODEL)),
                     "staff": DENIED}),
        DIRECT: NO_DIRECT,
        SELF: NotApplicable("a new group has no members, the actor included"),
        MORE_PRIVILEGED: NotApplicable("a new group has no members to take over"),
    },
    GROUP_CHANGE: {
        OBJ_GROUP: OBJECT_PERMISSIONS_ELSEWHERE,
        MODEL_GROUP: _group_gets_model_permission("Integrations"),
        DIRECT: NO_DIRECT,
        SELF: _group_gets_model_permission("Mine", setup=own_group),
        MORE_PRIVILEGED: _auditors_get_view_project(),
    },
    GROUP_DELETE: {
        OBJ_GROUP: DELETE_PROJECT_TEAM,
        MODEL_GROUP: DELETE_LOG_READERS,
        DIRECT: NO_DIRECT,
        SELF: _own_group_deleted(bulk=False),
        MORE_PRIVILEGED: DELETE_AUDITORS,
    },
    GROUP_LIST: {
        OBJ_GROUP: _deleted_in_bulk(DELETE_PROJECT_TEAM, "Project team", staff=NO_SUCH_ACTION),
        MODEL_GROUP: _deleted_in_bulk(DELETE_LOG_READERS, "Log readers", staff=NO_SUCH_ACTION),
        DIRECT: NO_DIRECT,
        SELF: _own_group_deleted(bulk=True),
        MORE_PRIVILEGED: _deleted_in_bulk(DELETE_AUDITORS, "Auditors", staff=NO_SUCH_ACTION),
    },
}
