"""The API's write paths in the escalation matrix (route as `get_resolver()` names it)."""

from accounts.permissions import CanConfigureUsers
from accounts.serializers import NOT_WRITABLE
from permissions import exceptions as ex
from tests.permissions.escalation.cells import (
    DIRECT,
    MODEL_GROUP,
    MORE_PRIVILEGED,
    NEW_ACCOUNT,
    OBJ_GROUP,
    SELF,
    TOKEN_ONLY,
    Cell,
    NotApplicable,
    api,
    granted,
    joined,
    new_user_keys,
    obj_key,
    refused_for_all,
    revoked,
)
from tests.permissions.escalation.world import ANY, MODEL

CONFIGURATOR_API = CanConfigureUsers.message
CONFIGURATOR_PERM = "You need the accounts.configure_users permission."
ISSUER = "You need the tokens.issue_token permission."
NEW = {"username": "new-robot", "contact_email": "owner@example.com"}

ROBOTS = "api/v1/^programmatic-users/$"
ROBOT = "api/v1/^programmatic-users/(?P<pk>[0-9]+)/$"
GRANTS = "api/v1/programmatic-users/<int:user_id>/permissions/"
TOKENS = "api/v1/programmatic-users/<int:user_id>/tokens/"
ROTATE = "api/v1/^tokens/(?P<pk>[0-9]+)/rotate/$"


def _create_in(group: str) -> Cell:
    return Cell(
        act=lambda w, a: api(a).post("/api/v1/programmatic-users/?include_token=true",
                                     {**NEW, "groups": [group]}, format="json"),
        ok=201,
        stored=lambda w, a: new_user_keys("new-robot", group) | {
            ("added", ("token", "new-robot", "initial", ANY))},
        events=lambda w, a: [
            ("user.created", "new-robot", {"category": "programmatic",
                                           "contact_email": "owner@example.com",
                                           "groups": [group]}),
            joined("new-robot", group),
            ("token.issued", "new-robot", ANY)],
        refused={"lacker": (403, ex.GROUPS_NOT_GRANTABLE.format(names=group)),
                 "staff": (403, CONFIGURATOR_API)},
    )


def _patch_groups(group: str) -> Cell:
    return Cell(
        act=lambda w, a: api(a).patch(f"/api/v1/programmatic-users/{w.robot.pk}/",
                                      {"groups": ["Integrations", group]}, format="json"),
        ok=200,
        stored=lambda w, a: {("added", ("member", "robot", group))},
        events=lambda w, a: [joined("robot", group)],
        refused={"lacker": (403, ex.GROUPS_NOT_GRANTABLE.format(names=group)),
                 "staff": (403, CONFIGURATOR_API)},
    )


def _deactivate_vip() -> Cell:
    return Cell(
        act=lambda w, a: api(a).patch(f"/api/v1/programmatic-users/{w.vip_robot.pk}/",
                                      {"is_active": False}, format="json"),
        ok=200,
        stored=lambda w, a: {("changed", ("user", "vip-robot", "is_active")),
                             ("changed", ("token", "vip-robot", "vip", w.vip_token.pk))},
        events=lambda w, a: [("user.deactivated", "vip-robot", {}),
                             ("token.revoked", "vip-robot", ANY)],
        refused={"lacker": (403, ex.MORE_PRIVILEGED.format(username="vip-robot")),
                 "staff": (403, CONFIGURATOR_API)},
    )


def _grant_on_project() -> Cell:
    return Cell(
        act=lambda w, a: api(a).post(
            f"/api/v1/programmatic-users/{w.robot.pk}/permissions/",
            {"permission": "projects.delete_project",
             "object": {"type": "projects.project", "id": w.project.pk}}, format="json"),
        ok=201,
        stored=lambda w, a: {("added", obj_key("robot", w.project, "delete_project"))},
        events=lambda w, a: [granted("robot", "projects.delete_project",
                                     w.obj_ref(w.project))],
        refused={"lacker": (403, ex.NOT_GRANTABLE.format(permission="projects.delete_project")),
                 "staff": (403, CONFIGURATOR_PERM)},
    )


def _revoke_from_vip() -> Cell:
    return Cell(
        act=lambda w, a: api(a).delete(f"/api/v1/programmatic-users/{w.vip_robot.pk}/permissions/",
                                       {"permission": MODEL}, format="json"),
        ok=204,
        stored=lambda w, a: {("removed", ("perm", "vip-robot", MODEL))},
        events=lambda w, a: [revoked("vip-robot", MODEL)],
        refused={"lacker": (403, ex.MORE_PRIVILEGED.format(username="vip-robot")),
                 "staff": (403, CONFIGURATOR_PERM)},
    )


def _issue_for_vip() -> Cell:
    return Cell(
        act=lambda w, a: api(a).post(f"/api/v1/programmatic-users/{w.vip_robot.pk}/tokens/",
                                     {"name": "taken-over"}, format="json"),
        ok=201,
        stored=lambda w, a: {("added", ("token", "vip-robot", "taken-over", ANY))},
        events=lambda w, a: [("token.issued", "vip-robot", ANY)],
        refused={"lacker": (403, ex.MORE_PRIVILEGED.format(username="vip-robot")),
                 "staff": (403, ISSUER)},
    )


def _rotate_vip() -> Cell:
    return Cell(
        act=lambda w, a: api(a).post(f"/api/v1/tokens/{w.vip_token.pk}/rotate/",
                                     {"grace_hours": 1}, format="json"),
        ok=201,
        stored=lambda w, a: {("changed", ("token", "vip-robot", "vip", w.vip_token.pk)),
                             ("added", ("token", "vip-robot", "vip", ANY))},
        events=lambda w, a: [("token.rotated", "vip-robot", ANY),
                             ("token.issued", "vip-robot", ANY)],
        refused={"lacker": (403, ex.MORE_PRIVILEGED.format(username="vip-robot")),
                 "staff": (403, ISSUER)},
    )


NO_GROUPS_HERE = NotApplicable(
    "grants to the user itself; groups are given through PATCH programmatic-users/{id}/")

API_MATRIX = {
    ROBOTS: {
        OBJ_GROUP: _create_in("Project team"),
        MODEL_GROUP: _create_in("Log readers"),
        DIRECT: refused_for_all(
            lambda w, a: api(a).post("/api/v1/programmatic-users/",
                                     {**NEW, "user_permissions": [MODEL]}, format="json"),
            holder=(400, NOT_WRITABLE), lacker=(400, NOT_WRITABLE),
            staff=(403, CONFIGURATOR_API)),
        SELF: NEW_ACCOUNT,
        MORE_PRIVILEGED: NEW_ACCOUNT,
    },
    ROBOT: {
        OBJ_GROUP: _patch_groups("Project team"),
        MODEL_GROUP: _patch_groups("Log readers"),
        DIRECT: refused_for_all(
            lambda w, a: api(a).patch(f"/api/v1/programmatic-users/{w.robot.pk}/",
                                      {"user_permissions": [MODEL]}, format="json"),
            holder=(400, NOT_WRITABLE), lacker=(400, NOT_WRITABLE),
            staff=(403, CONFIGURATOR_API)),
        SELF: refused_for_all(
            lambda w, a: api(a).patch(f"/api/v1/programmatic-users/{a.pk}/",
                                      {"groups": ["Log readers"]}, format="json"),
            holder=(404, None), lacker=(404, None), staff=(403, CONFIGURATOR_API)),
        MORE_PRIVILEGED: _deactivate_vip(),
    },
    GRANTS: {
        OBJ_GROUP: NO_GROUPS_HERE,
        MODEL_GROUP: NO_GROUPS_HERE,
        DIRECT: _grant_on_project(),
        SELF: refused_for_all(
            lambda w, a: api(a).post(f"/api/v1/programmatic-users/{a.pk}/permissions/",
                                     {"permission": MODEL}, format="json"),
            holder=(404, None), lacker=(404, None), staff=(403, CONFIGURATOR_PERM)),
        MORE_PRIVILEGED: _revoke_from_vip(),
    },
    TOKENS: {
        OBJ_GROUP: TOKEN_ONLY,
        MODEL_GROUP: TOKEN_ONLY,
        DIRECT: TOKEN_ONLY,
        SELF: refused_for_all(
            lambda w, a: api(a).post(f"/api/v1/programmatic-users/{a.pk}/tokens/",
                                     {"name": "mine"}, format="json"),
            holder=(400, None), lacker=(400, None), staff=(403, ISSUER)),
        MORE_PRIVILEGED: _issue_for_vip(),
    },
    ROTATE: {
        OBJ_GROUP: TOKEN_ONLY,
        MODEL_GROUP: TOKEN_ONLY,
        DIRECT: TOKEN_ONLY,
        SELF: NotApplicable("a person has no token; a token rotating itself is me/token/rotate/"),
        MORE_PRIVILEGED: _rotate_vip(),
    },
}
