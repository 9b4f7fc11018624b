"""The configurators' roles/ and people/ API in the escalation matrix (the group admin's and the
People admin's twins: the same services, so the same refusals)."""

from accounts.permissions import CanConfigureUsers
from accounts.serializers import NOT_WRITABLE
from accounts.services.people import OWN_DEACTIVATION
from permissions import exceptions as ex
from tests.permissions.escalation.cells import (
    DIRECT,
    MODEL_GROUP,
    MORE_PRIVILEGED,
    NEW_ACCOUNT,
    OBJ_GROUP,
    SELF,
    Cell,
    NotApplicable,
    api,
    granted,
    joined,
    new_user_keys,
    own_group,
    refused_for_all,
)
from tests.permissions.escalation.world import MODEL

ROLES = "api/v1/^roles/$"
ROLE = "api/v1/^roles/(?P<pk>[0-9]+)/$"
PEOPLE = "api/v1/^people/$"
DEACTIVATE = "api/v1/^people/(?P<pk>[0-9]+)/deactivate/$"

CONFIGURATOR_API = CanConfigureUsers.message
MODEL_WIDE_ONLY = NotApplicable(
    "the roles API names model-wide permissions only; a role's object permissions are given on "
    "the admin's Object permissions pages")
NO_DIRECT = NotApplicable("a role has no account of its own to grant to")
TAKES_AWAY = NotApplicable("deactivating takes access away; it gives no permission to anyone")


def _role_gets_model_permission(group: str, *, setup=None) -> Cell:
    return Cell(
        act=lambda w, a: api(a).patch(f"/api/v1/roles/{w.group(group).pk}/",
                                      {"permissions": [MODEL]}, format="json"),
        ok=200,
        stored=lambda w, a: {("added", ("group_perm", group, MODEL))},
        events=lambda w, a: [granted(group, MODEL)],
        refused={"lacker": (403, ex.GROUP_PERMISSIONS_NOT_GRANTABLE.format(names=MODEL)),
                 "staff": (403, ex.NOT_A_CONFIGURATOR)},
        setup=setup,
    )


def _auditors_get_view_project() -> Cell:
    common = "projects.view_project"
    return Cell(
        act=lambda w, a: api(a).patch(
            f"/api/v1/roles/{w.group('Auditors').pk}/",
            {"permissions": [MODEL, "tokens.view_apitoken", common]}, format="json"),
        ok=200,
        stored=lambda w, a: {("added", ("group_perm", "Auditors", common))},
        events=lambda w, a: [granted("Auditors", common)],
        refused={"lacker": (403, ex.MEMBER_MORE_PRIVILEGED.format(username="audrey")),
                 "staff": (403, ex.NOT_A_CONFIGURATOR)},
    )


def _person_created_in(group: str) -> Cell:
    return Cell(
        act=lambda w, a: api(a).post("/api/v1/people/", {"username": "new-person",
                                                         "groups": [group]}, format="json"),
        ok=201,
        stored=lambda w, a: new_user_keys("new-person", group),
        events=lambda w, a: [
            ("user.created", "new-person", {"category": "personal", "password": "disabled",
                                            "groups": [group]}),
            joined("new-person", group)],
        refused={"lacker": (403, ex.GROUPS_NOT_GRANTABLE.format(names=group)),
                 "staff": (403, CONFIGURATOR_API)},
    )


def _deactivate_audrey() -> Cell:
    return Cell(
        act=lambda w, a: api(a).post(f"/api/v1/people/{w.audrey.pk}/deactivate/"),
        ok=200,
        stored=lambda w, a: {("changed", ("user", "audrey", "is_active"))},
        events=lambda w, a: [("user.deactivated", "audrey", {})],
        refused={"lacker": (403, ex.MORE_PRIVILEGED.format(username="audrey")),
                 "staff": (403, CONFIGURATOR_API)},
    )


ROLES_AND_PEOPLE_API = {
    ROLES: {
        OBJ_GROUP: MODEL_WIDE_ONLY,
        MODEL_GROUP: Cell(
            act=lambda w, a: api(a).post("/api/v1/roles/", {"name": "New role",
                                                            "permissions": [MODEL]},
                                         format="json"),
            ok=201,
            stored=lambda w, a: {("added", ("group", "New role")),
                                 ("added", ("group_perm", "New role", MODEL))},
            events=lambda w, a: [granted("New role", MODEL)],
            refused={"lacker": (403, ex.GROUP_PERMISSIONS_NOT_GRANTABLE.format(names=MODEL)),
                     "staff": (403, ex.NOT_A_CONFIGURATOR)}),
        DIRECT: NO_DIRECT,
        SELF: NotApplicable("a new role has no members, the actor included"),
        MORE_PRIVILEGED: NotApplicable("a new role has no members to take over"),
    },
    ROLE: {
        OBJ_GROUP: MODEL_WIDE_ONLY,
        MODEL_GROUP: _role_gets_model_permission("Integrations"),
        DIRECT: NO_DIRECT,
        SELF: _role_gets_model_permission("Mine", setup=own_group),
        MORE_PRIVILEGED: _auditors_get_view_project(),
    },
    PEOPLE: {
        OBJ_GROUP: _person_created_in("Project team"),
        MODEL_GROUP: _person_created_in("Log readers"),
        DIRECT: refused_for_all(
            lambda w, a: api(a).post("/api/v1/people/", {"username": "new-person",
                                                         "user_permissions": [MODEL]},
                                     format="json"),
            holder=(400, NOT_WRITABLE), lacker=(400, NOT_WRITABLE),
            staff=(403, CONFIGURATOR_API)),
        SELF: NEW_ACCOUNT,
        MORE_PRIVILEGED: NEW_ACCOUNT,
    },
    DEACTIVATE: {
        OBJ_GROUP: TAKES_AWAY,
        MODEL_GROUP: TAKES_AWAY,
        DIRECT: TAKES_AWAY,
        SELF: refused_for_all(
            lambda w, a: api(a).post(f"/api/v1/people/{a.pk}/deactivate/"),
            holder=(400, OWN_DEACTIVATION), lacker=(400, OWN_DEACTIVATION),
            staff=(403, CONFIGURATOR_API)),
        MORE_PRIVILEGED: _deactivate_audrey(),
    },
}
