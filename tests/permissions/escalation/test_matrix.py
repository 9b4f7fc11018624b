"""No escalation by any path (DESIGN rule 8): every write path of the URLconf x the five
escalation cases x three actors, asserting the status, exactly what was stored and exactly the
audit events; and the URLconf's write paths are all in the matrix or explained."""

import pytest

from tests.permissions.escalation.cells import CASES, Cell, NotApplicable
from tests.permissions.escalation.matrix import (
    MATRIX,
    NOT_A_PERMISSION_PATH,
    cells,
    write_routes,
)
from tests.permissions.escalation.world import (
    _same,
    build_world,
    diff,
    event_ids,
    events_since,
    matches,
    shows,
    state,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return build_world()


def _events(events) -> list[tuple]:
    return [(e.event, e.target_repr, e.details) for e in events]


def _in_order(expected: list, actual: list) -> bool:
    return len(expected) == len(actual) and all(map(_same, expected, actual))


@pytest.mark.parametrize("route, case, role", cells(),
                         ids=[" | ".join(cell) for cell in cells()])
def test_no_escalation(world, route, case, role):
    cell: Cell = MATRIX[route][case]
    actor = world.actors[role]
    if cell.setup is not None:
        cell.setup(world, actor)
    before, seen = state(), event_ids()

    response = cell.act(world, actor)

    stored, events = diff(before, state()), _events(events_since(seen))
    if role in cell.allowed:
        assert response.status_code == cell.ok, response.content[:2000]
        assert matches(cell.stored(world, actor), stored), stored
        assert _in_order(cell.events(world, actor), events), events
        return
    status, message = cell.refused[role]
    assert response.status_code == status, response.content[:2000]
    assert stored == set()
    denied = [("access.denied", "", {})] if status == 403 else []
    assert events == denied
    if message is not None:
        assert shows(response, message), response.content[:2000]


def test_every_write_url_is_in_the_matrix_or_explained():
    routes = set(write_routes())
    unexplained = routes - set(MATRIX) - set(NOT_A_PERMISSION_PATH)
    assert unexplained == set(), "add these to the escalation matrix (or explain why not)"
    assert set(MATRIX) | set(NOT_A_PERMISSION_PATH) <= routes, "stale entries"
    assert not set(MATRIX) & set(NOT_A_PERMISSION_PATH)
    assert all(reason.strip() for reason in NOT_A_PERMISSION_PATH.values())


def test_every_path_of_the_matrix_answers_every_case():
    for route, by_case in MATRIX.items():
        assert set(by_case) == set(CASES), route
        assert all(isinstance(cell, Cell | NotApplicable) for cell in by_case.values()), route
        assert any(isinstance(cell, Cell) for cell in by_case.values()), route


def test_the_walk_finds_the_known_write_methods():
    routes = write_routes()
    assert routes["api/v1/^programmatic-users/(?P<pk>[0-9]+)/$"] == {"patch"}
    assert routes["api/v1/programmatic-users/<int:user_id>/permissions/"] == {"post", "delete"}
    assert "api/v1/me/" not in routes and "api/v1/audit-events/" not in routes
    assert routes["admin/accounts/person/<id>/password/"] == {"post", "put", "patch", "delete"}
