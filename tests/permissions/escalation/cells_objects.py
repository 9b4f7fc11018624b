"""The admin's object-permission pages (guardian's, on projects and invoices) and token pages
in the escalation matrix."""

from permissions import exceptions as ex
from tests.permissions.escalation.cells import (
    DENIED,
    DIRECT,
    MODEL_GROUP,
    MORE_PRIVILEGED,
    OBJ_GROUP,
    SELF,
    TOKEN_ONLY,
    Cell,
    NotApplicable,
    browser,
    granted,
    obj_key,
    own_group,
    refused_for_all,
)
from tests.permissions.escalation.world import ANY
from tokens.admin import NONCES

TOKEN_ISSUE = "admin/tokens/apitoken/issue/<int:user_id>/"
TOKEN_ROTATE = "admin/tokens/apitoken/<int:token_id>/rotate/"

ON_A_USER = NotApplicable("the page grants to one user; the group page is its twin")
ON_A_GROUP = NotApplicable("the page grants to one group; the user page is its twin")
OBJECT_PAGE = NotApplicable("the page grants object permissions only")


def _manage(model: str, kind: str) -> str:
    holder = "user_id" if kind == "user" else "group_id"
    return f"admin/projects/{model}/<object_pk>/permissions/{kind}-manage/<{holder}>/"


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


OBJECT_AND_TOKEN_PAGES = {
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
