"""The admin's write paths in the escalation matrix (route as `get_resolver()` names it)."""

from permissions import exceptions as ex
from tests.permissions.escalation.cells import (
    DIRECT,
    MODEL_GROUP,
    MORE_PRIVILEGED,
    OBJ_GROUP,
    SELF,
    TOKENS_INLINE,
    Cell,
    NotApplicable,
    browser,
    granted,
    groups_pk,
    joined,
    left,
    new_user_keys,
    obj_key,
    own_group,
    person_form,
    pk_of,
    refused_for_all,
    revoked,
    robot_form,
)
from tests.permissions.escalation.world import ANY, MODEL
from tokens.admin import NONCES

NEW_PASSWORD = "Taken-over-2026!"
DENIED = (403, None)
NO_SUCH_ACTION = (200, None)  # the changelist offers no delete action: it is shown again

PU_ADD = "admin/accounts/programmaticuser/add/"
PU_CHANGE = "admin/accounts/programmaticuser/<path:object_id>/change/"
PU_DELETE = "admin/accounts/programmaticuser/<path:object_id>/delete/"
PERSON_CHANGE = "admin/accounts/person/<path:object_id>/change/"
PERSON_PASSWORD = "admin/accounts/person/<id>/password/"
PERSON_DELETE = "admin/accounts/person/<path:object_id>/delete/"
PU_LIST = "admin/accounts/programmaticuser/"
PERSON_LIST = "admin/accounts/person/"
GROUP_ADD = "admin/auth/group/add/"
GROUP_CHANGE = "admin/auth/group/<path:object_id>/change/"
GROUP_DELETE = "admin/auth/group/<path:object_id>/delete/"
GROUP_LIST = "admin/auth/group/"
TOKEN_ISSUE = "admin/tokens/apitoken/issue/<int:user_id>/"
TOKEN_ROTATE = "admin/tokens/apitoken/<int:token_id>/rotate/"


def _manage(model: str, kind: str) -> str:
    holder = "user_id" if kind == "user" else "group_id"
    return f"admin/projects/{model}/<object_pk>/permissions/{kind}-manage/<{holder}>/"


# Programmatic users -----------------------------------------------------------------------------

def _add_robot_in(group: str) -> Cell:
    return Cell(
        act=lambda w, a: browser(a).post("/admin/accounts/programmaticuser/add/", {
            "username": "new-robot", "contact_email": "owner@example.com",
            "groups": groups_pk(w, group), **TOKENS_INLINE}),
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


# Guardian's object-permission pages -----------------------------------------------------------

def _user_manage(target_obj, who, codenames, *, added: str, lacker) -> Cell:
    """`who(world, actor)` gets `codenames` on `target_obj(world)` (`added` is the new one)."""
    def url(w, a):
        obj = target_obj(w)
        return (f"/admin/projects/{obj._meta.model_name}/{obj.pk}/permissions/user-manage/"
                f"{who(w, a).pk}/")

    return Cell(
        act=lambda w, a: browser(a).post(url(w, a), {"permissions": codenames}),
        ok=302,
        stored=lambda w, a: {("added", obj_key(who(w, a).username, target_obj(w), added))},
        events=lambda w, a: [granted(who(w, a).username, f"projects.{added}",
                                     w.obj_ref(target_obj(w)))],
        refused={"lacker": (200, lacker), "staff": (200, ex.NOT_A_CONFIGURATOR)},
    )


def _group_manage(target_obj, group: str, codenames, *, added: str, lacker, setup=None) -> Cell:
    def url(w, a):
        obj = target_obj(w)
        return (f"/admin/projects/{obj._meta.model_name}/{obj.pk}/permissions/group-manage/"
                f"{w.group(group).pk}/")

    return Cell(
        act=lambda w, a: browser(a).post(url(w, a), {"permissions": codenames}),
        ok=302,
        stored=lambda w, a: {("added", obj_key(group, target_obj(w), added, group=True))},
        events=lambda w, a: [granted(group, f"projects.{added}", w.obj_ref(target_obj(w)))],
        refused={"lacker": (200, lacker), "staff": (200, ex.NOT_A_CONFIGURATOR)},
        setup=setup,
    )


def _object_pages(model: str, target_obj, delete: str, view: str) -> dict:
    """The user and group object-permission pages of projects or invoices."""
    user_page, group_page = _manage(model, "user"), _manage(model, "group")
    not_grantable = ex.NOT_GRANTABLE.format(permission=f"projects.{delete}")
    group_not_grantable = ex.GROUP_PERMISSIONS_NOT_GRANTABLE.format(names=f"projects.{delete}")
    vip_holds = ["delete_project"] if model == "project" else []
    return {
        user_page: {
            OBJ_GROUP: ON_A_USER,
            MODEL_GROUP: ON_A_USER,
            DIRECT: _user_manage(target_obj, lambda w, a: w.robot, [delete], added=delete,
                                 lacker=not_grantable),
            SELF: _user_manage(target_obj, lambda w, a: a, [delete], added=delete,
                               lacker=not_grantable),
            MORE_PRIVILEGED: _user_manage(
                target_obj, lambda w, a: w.vip_robot, [*vip_holds, view], added=view,
                lacker=ex.MORE_PRIVILEGED.format(username="vip-robot")),
        },
        group_page: {
            OBJ_GROUP: _group_manage(target_obj, "Integrations", [delete], added=delete,
                                     lacker=group_not_grantable),
            MODEL_GROUP: OBJECT_PAGE,
            DIRECT: ON_A_GROUP,
            SELF: _group_manage(target_obj, "Mine", [delete], added=delete,
                                lacker=group_not_grantable, setup=own_group),
            MORE_PRIVILEGED: _group_manage(
                target_obj, "Auditors", [view], added=view,
                lacker=ex.MEMBER_MORE_PRIVILEGED.format(username="audrey")),
        },
    }


# Tokens -----------------------------------------------------------------------------------------

def _issue_in_admin(w, a):
    client = browser(a)
    session = client.session  # as if the issue form had been shown: its single-use nonce
    session[NONCES] = ["form-nonce"]
    session.save()
    return client.post(f"/admin/tokens/apitoken/issue/{w.vip_robot.pk}/",
                       {"name": "taken-over", "expires_in_days": 30, "nonce": "form-nonce"})


ISSUE_FOR_VIP = Cell(
    act=_issue_in_admin, ok=200,
    stored=lambda w, a: {("added", ("token", "vip-robot", "taken-over", ANY))},
    events=lambda w, a: [("token.issued", "vip-robot", ANY)],
    refused={"lacker": (200, ex.MORE_PRIVILEGED.format(username="vip-robot")),
             "staff": DENIED},
)
ROTATE_VIP = Cell(
    act=lambda w, a: browser(a).post(f"/admin/tokens/apitoken/{w.vip_token.pk}/rotate/",
                                     {"grace_hours": 1}),
    ok=200,
    stored=lambda w, a: {("changed", ("token", "vip-robot", "vip", w.vip_token.pk)),
                         ("added", ("token", "vip-robot", "vip", ANY))},
    events=lambda w, a: [("token.rotated", "vip-robot", ANY), ("token.issued", "vip-robot", ANY)],
    refused={"lacker": (302, None), "staff": DENIED},
)


NEW_ACCOUNT = NotApplicable("creates a new account: it is nobody's self and holds nothing yet")
NO_PERMISSION_FIELD = NotApplicable(
    "the form has no permission field: grants go through the Object permissions pages and the "
    "permissions API")
ON_A_USER = NotApplicable("the page grants to one user; the group page is its twin")
ON_A_GROUP = NotApplicable("the page grants to one group; the user page is its twin")
OBJECT_PAGE = NotApplicable("the page grants object permissions only")
OBJECT_PERMISSIONS_ELSEWHERE = NotApplicable(
    "a group's object permissions are given on the Object permissions pages")
NO_DIRECT = NotApplicable("a group has no account of its own to grant to")
DELETION = NotApplicable("deleting takes away; deleting an account is for superusers only")
TOKEN_ONLY = NotApplicable("issues or rotates a token: it gives no permission to anyone")
PASSWORD_ONLY = NotApplicable("sets a password: it gives no permission to anyone")

ADMIN_MATRIX = {
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
            holder=NO_SUCH_ACTION, lacker=NO_SUCH_ACTION, staff=DENIED),
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
    **_object_pages("project", lambda w: w.project, "delete_project", "view_project"),
    **_object_pages("invoice", lambda w: w.invoice, "delete_invoice", "view_invoice"),
    TOKEN_ISSUE: {
        OBJ_GROUP: TOKEN_ONLY, MODEL_GROUP: TOKEN_ONLY, DIRECT: TOKEN_ONLY,
        SELF: refused_for_all(
            lambda w, a: browser(a).post(f"/admin/tokens/apitoken/issue/{a.pk}/",
                                         {"name": "mine", "expires_in_days": 30}),
            holder=(404, None), lacker=(404, None), staff=DENIED),
        MORE_PRIVILEGED: ISSUE_FOR_VIP,
    },
    TOKEN_ROTATE: {
        OBJ_GROUP: TOKEN_ONLY, MODEL_GROUP: TOKEN_ONLY, DIRECT: TOKEN_ONLY,
        SELF: NotApplicable("a person has no token; a token rotating itself is me/token/rotate/"),
        MORE_PRIVILEGED: ROTATE_VIP,
    },
}
