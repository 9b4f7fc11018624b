"""The engine's statements at 1,000,000 projects, read with EXPLAIN ANALYZE on PostgreSQL: every
grant table is reached through an index, and a page reads a page's worth of grants, however
many rows the tables hold. (Plans, not timings: the timings are `make bench`'s.)"""

import json

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from permissions.engine import sql
from permissions.registry import tables_for
from projects.models import Invoice, Project
from tests.accounts.factories import ProgrammaticUserFactory
from tests.conftest import postgres_only
from tests.projects.conftest import fresh_client

pytestmark = [pytest.mark.django_db, postgres_only]

PROJECTS = 1_000_000
GRANTED = 5_000  # view_project: half to the user, half to its group
CONTAINERS = 2_500  # view_invoice on a project: half to the user, half to its group
PER_CONTAINER = 20
OTHERS = 200  # other users holding grants, 1,000 each
GRANT_TABLES = {
    "projects_projectuserobjectpermission", "projects_projectgroupobjectpermission",
    "projects_invoiceuserobjectpermission", "projects_invoicegroupobjectpermission",
}
BIG_TABLES = GRANT_TABLES | {"projects_project", "projects_invoice"}
INDEXED = {"Index Only Scan", "Index Scan", "Bitmap Heap Scan"}  # a bitmap of an index


def permission_id(codename: str) -> int:
    return Permission.objects.get(content_type__app_label="projects", codename=codename).pk


def run(statement: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


@pytest.fixture
def scale():
    """The bench's shape, seeded in a few seconds with generate_series."""
    user = ProgrammaticUserFactory(username="scale-sync")
    role = Group.objects.create(name="scale readers")
    user.groups.add(role)
    others = [ProgrammaticUserFactory() for _ in range(OTHERS)]
    view_project, view_invoice = permission_id("view_project"), permission_id("view_invoice")
    run("INSERT INTO projects_project (code, name, client, status, budget, created_at) "
        "SELECT 'P' || g, 'Project ' || g, 'ACME', 'active', 1000, now() "
        "FROM generate_series(1, %s) g", [PROJECTS])
    first = Project.objects.order_by("pk").values_list("pk", flat=True).first()
    # The user's projects are spread over the whole table; the invoices sit in the first ones.
    step = PROJECTS // GRANTED
    run("INSERT INTO projects_invoice (project_id, number, amount, currency, issued_on, status) "
        "SELECT %s + (g / %s) * %s, 'I' || g, 10, 'EUR', '2026-01-01', 'issued' "
        "FROM generate_series(0, %s) g",
        [first, PER_CONTAINER, step, CONTAINERS * PER_CONTAINER - 1])
    run("INSERT INTO projects_invoice (project_id, number, amount, currency, issued_on, status) "
        "SELECT %s + g, 'J' || g, 10, 'EUR', '2026-01-01', 'issued' "
        "FROM generate_series(1, %s, 5) g", [first, PROJECTS - 1])
    for table, holder, column, start, permission, count in (
        ("projects_projectuserobjectpermission", user.pk, "user_id", 0, view_project,
         GRANTED // 2),
        ("projects_projectgroupobjectpermission", role.pk, "group_id", GRANTED // 2,
         view_project, GRANTED // 2),
        ("projects_projectuserobjectpermission", user.pk, "user_id", 0, view_invoice,
         CONTAINERS // 2),
        ("projects_projectgroupobjectpermission", role.pk, "group_id", CONTAINERS // 2,
         view_invoice, CONTAINERS // 2),
    ):
        run(f"INSERT INTO {table} ({column}, permission_id, content_object_id) "  # noqa: S608
            "SELECT %s, %s, %s + (%s + g) * %s FROM generate_series(0, %s) g",
            [holder, permission, first, start, step, count - 1])
    run("INSERT INTO projects_projectuserobjectpermission (user_id, permission_id, "
        "content_object_id) SELECT u, %s, %s + (u * 7919 + g * 997) %% %s "
        "FROM unnest(%s::bigint[]) u, generate_series(0, 999) g ON CONFLICT DO NOTHING",
        [view_project, first, PROJECTS, [o.pk for o in others]])
    invoices = (Invoice.objects.order_by("pk").values_list("pk", flat=True).first(),
                Invoice.objects.count())
    run("INSERT INTO projects_invoiceuserobjectpermission (user_id, permission_id, "
        "content_object_id) SELECT u, %s, %s + (u * 7919 + g * 997) %% %s "
        "FROM unnest(%s::bigint[]) u, generate_series(0, 249) g ON CONFLICT DO NOTHING",
        [view_invoice, invoices[0], invoices[1], [o.pk for o in others]])
    strangers = Group.objects.create(name="strangers")
    run("INSERT INTO projects_invoicegroupobjectpermission (group_id, permission_id, "
        "content_object_id) SELECT %s, %s, %s + g * 7 FROM generate_series(0, 9999) g",
        [strangers.pk, view_invoice, invoices[0]])
    run("ANALYZE")
    return user


def explain(statement: str, params=None) -> dict:
    """The plan of `statement` (a captured one has its values inlined: no parameters)."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}", params)
        found = cursor.fetchone()[0]
    return (json.loads(found) if isinstance(found, str) else found)[0]["Plan"]


def nodes(node: dict):
    yield node
    for child in node.get("Plans", []):
        yield from nodes(child)


def scans(node: dict) -> dict[str, list[dict]]:
    """{table: [scan nodes]} of every table the plan reads."""
    found: dict[str, list[dict]] = {}
    for each in nodes(node):
        if "Relation Name" in each:
            found.setdefault(each["Relation Name"], []).append(each)
    return found


def assert_indexed(node: dict, *, page_rows: int | None = None) -> dict[str, list[dict]]:
    """No big table is read sequentially; each grant table through an index (a page: at most
    `page_rows` entries per scan). Small tables (permissions, memberships) may be."""
    found = scans(node)
    for table, reads in found.items():
        for read in reads:
            assert table not in BIG_TABLES or read["Node Type"] != "Seq Scan", (table, read)
            if table in GRANT_TABLES:
                assert read["Node Type"] in INDEXED, (table, read)
                if page_rows is not None:
                    assert read["Actual Rows"] <= page_rows, (table, read)
    return found


def page_statement(client, path: str, table: str) -> str:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return next(q["sql"] for q in captured.captured_queries
                if q["sql"].startswith(f'SELECT "{table}"."id"'))


def test_the_engines_plans_at_a_million_projects(scale):
    client = fresh_client(scale)

    first_page = explain(page_statement(client, "/api/v1/projects/?page_size=50",
                                        "projects_project"))
    read = assert_indexed(first_page, page_rows=51)
    assert {"projects_projectuserobjectpermission", "projects_projectgroupobjectpermission",
            "projects_project"} <= set(read)
    assert first_page["Actual Rows"] == 50 + 1

    following = client.get("/api/v1/projects/?page_size=50").json()["next"]
    assert_indexed(explain(page_statement(client, following, "projects_project")),
                   page_rows=51)

    # The user's invoices are the table's oldest: the walk from the newest falls short, and
    # the page is read through the permitted projects' (project, id) index instead.
    invoices = explain(page_statement(client, "/api/v1/invoices/?page_size=50",
                                      "projects_invoice"))
    read = assert_indexed(invoices)
    assert "projects_invoice_project_id" in {r.get("Index Name") for r in
                                             read["projects_invoice"]}
    assert invoices["Actual Rows"] == 51
    rows_read = sum(r["Actual Rows"] * r["Actual Loops"] for r in read["projects_invoice"])
    assert rows_read < 20_000  # of 250,000: the window, one per project, a page per project

    searched = explain(page_statement(client, "/api/v1/projects/?page_size=50&search=Project",
                                      "projects_project"))
    assert_indexed(searched)

    project = Project.objects.filter(projectuserobjectpermission__user=scale).first()
    detail = explain(page_statement(client, f"/api/v1/projects/{project.pk}/",
                                    "projects_project"))
    assert detail["Actual Rows"] == 1
    assert_indexed(detail, page_rows=1)

    invoice = Invoice.objects.filter(project=project).first()
    statement = sql.object_permissions(tables_for(Invoice))
    values = {"user": scale.pk, "object": invoice.pk, "container": project.pk}
    assert_indexed(explain(statement.text, statement.params(values)), page_rows=5)

    statement = sql.model_permissions()
    assert_indexed(explain(statement.text, statement.params({"user": scale.pk})))
