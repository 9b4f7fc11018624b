"""Scale data for the benchmark, written fast: COPY for the big tables, services for tokens.

`base()` creates the people, the programmatic users, the bench token, the DRF baseline key and an
auditor token; `projects()` grows the project table to a size, granting `granted` of them to the
bench user (half directly, half through a group) and `view_invoice` on `containers` of those
(container scope, half and half again), each with `PER_CONTAINER` invoices; every other project
gets one invoice, created with it (so the bench user's invoices are the oldest ones), and a
second token of the bench user is narrowed to some of them; `audit_events()` appends log rows.
"""

import io
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.contrib.auth.models import Group, Permission
from django.db import connection

from accounts.models import User
from audit.models import AuditEvent
from permissions.services import permission_grant
from projects.models import Project, ProjectGroupObjectPermission, ProjectUserObjectPermission
from tokens import services as token_services

BENCH_USER = "bench-sync"
PER_CONTAINER = 20
NARROWED_PROJECTS, NARROWED_CONTAINERS = 90, 5
AUDIT_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
AUDIT_STEP = timedelta(seconds=3)  # seeded event n occurs at AUDIT_EPOCH + n × AUDIT_STEP, n ≥ 1


@dataclass
class Fixture:
    token: str
    token_id: int
    user_id: int
    group_id: int
    drf_key: str
    auditor_token: str
    audit_since: str = ""
    export_until: str = ""
    changeable_project: int = 0
    projects: int = 0
    granted: int = 0
    containers: int = 0
    per_container: int = PER_CONTAINER
    plain_key: str = ""
    narrowed_token: str = ""  # the bench user's token narrowed to NARROWED_PROJECTS grants
    narrowed_token_id: int = 0
    narrowed_grants: int = 0
    wrk_counts: dict = field(default_factory=dict)

    def skip_usage_events(self) -> None:
        """Events written outside the counted phases (other settings, the worker kill) do not
        count towards the next phase's check."""
        self.wrk_counts["stored"] = self._stored()

    def _stored(self) -> int:
        return AuditEvent.objects.filter(
            event="token.used", token_id__in=[self.token_id, self.narrowed_token_id]).count()

    def check_usage_events(self, report, phase: str) -> None:
        """Every Bearer request of the phase left its token.used event (durability check)."""
        bearer_requests = sum(
            result.requests for (row_phase, name), row in report.rows.items()
            if row_phase == phase and "DRF" not in name for result in row.rounds
        )
        stored = self._stored()
        previous = self.wrk_counts.get("stored", 0)
        self.wrk_counts["stored"] = stored
        report.extras.append(
            f"{phase}: wrk counted {bearer_requests:,} completed Bearer requests in the timed "
            f"runs; the log holds {stored - previous:,} new token.used events for the bench "
            "tokens (the difference is the warm-up runs and requests cut off at the end of a "
            "run, which wrk does not count but the server answered)."
        )


def _copy(table: str, columns: list[str], rows) -> None:
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(r"\N" if value is None else str(value) for value in row) + "\n")
    buffer.seek(0)
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        while chunk := buffer.read(1 << 20):
            copy.write(chunk)


def base(*, users: int) -> Fixture:
    """People, `users` programmatic users, the bench token, the DRF key, the auditor token."""
    from rest_framework.authtoken.models import Token

    person = User.objects.create(username="bench-person", category="personal", is_staff=True)
    _copy("accounts_user",
          ["username", "password", "category", "description", "contact_email", "first_name",
           "last_name", "email", "is_staff", "is_superuser", "is_active", "date_joined"],
          ((f"robot{n:05d}", "!", "programmatic", "bench", "owner@example.com", "", "", "",
            "f", "f", "t", "2026-01-01 00:00:00+00") for n in range(users)))
    robot = User.objects.create(username=BENCH_USER, category="programmatic",
                                contact_email="owner@example.com", description="bench")
    robot.set_unusable_password()
    robot.save()
    group = Group.objects.create(name="bench project readers")
    robot.groups.add(group)
    issued = token_services.token_issue(actor=None, user=robot, name="bench", expires_in_days=30)
    auditor = User.objects.create(username="bench-auditor", category="programmatic",
                                  contact_email="owner@example.com")
    permission_grant(actor=None, user=auditor, permission="audit.view_auditevent")
    auditor_token = token_services.token_issue(actor=None, user=auditor, name="bench",
                                               expires_in_days=30)
    drf_key = Token.objects.create(user=person).key
    return Fixture(token=issued.plaintext, token_id=issued.token.pk, user_id=robot.pk,
                   group_id=group.pk, drf_key=drf_key, auditor_token=auditor_token.plaintext)


def projects(fixture: Fixture, *, total: int, granted: int, containers: int) -> None:
    """Grow the project table to `total` rows; the first `granted` are the bench user's, and
    it reads the invoices of the first `containers` of them through grants on the projects."""
    start = fixture.projects
    if total > start:
        before = Project.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        _copy("projects_project", ["code", "name", "client", "status", "budget", "created_at"],
              ((f"P{n:08d}", f"Project {n}", "ACME", "active", "1000.00",
                "2026-01-01 00:00:00+00") for n in range(start, total)))
        fixture.projects = total
        if not fixture.granted:
            _grant(fixture, granted=granted, containers=containers)
        with connection.cursor() as cursor:
            cursor.execute(  # one invoice for every new project the bench user cannot see
                "INSERT INTO projects_invoice (project_id, number, amount, currency, issued_on, "
                "status) SELECT id, 'J' || id, 100, 'EUR', '2026-01-01', 'issued' "
                "FROM projects_project WHERE id > %s AND id NOT IN "
                "(SELECT content_object_id FROM projects_projectuserobjectpermission "
                "WHERE user_id = %s) AND id NOT IN (SELECT content_object_id "
                "FROM projects_projectgroupobjectpermission WHERE group_id = %s)",
                [before, fixture.user_id, fixture.group_id])
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # as autovacuum leaves a live database


def _grant(fixture: Fixture, *, granted: int, containers: int) -> None:
    ids = list(Project.objects.order_by("id").values_list("id", flat=True)[:granted])
    view, change, view_invoice = (
        Permission.objects.get(content_type__app_label="projects", codename=codename)
        for codename in ("view_project", "change_project", "view_invoice"))
    direct, by_group = ids[: len(ids) // 2], ids[len(ids) // 2:]
    ProjectUserObjectPermission.objects.bulk_create(
        [ProjectUserObjectPermission(user_id=fixture.user_id, permission=view,
                                     content_object_id=pk) for pk in direct], batch_size=5000)
    ProjectGroupObjectPermission.objects.bulk_create(
        [ProjectGroupObjectPermission(group_id=fixture.group_id, permission=view,
                                      content_object_id=pk) for pk in by_group], batch_size=5000)
    ProjectUserObjectPermission.objects.create(user_id=fixture.user_id, permission=change,
                                               content_object_id=ids[0])
    held = ids[:containers]
    ProjectUserObjectPermission.objects.bulk_create(
        [ProjectUserObjectPermission(user_id=fixture.user_id, permission=view_invoice,
                                     content_object_id=pk) for pk in held[: len(held) // 2]],
        batch_size=5000)
    ProjectGroupObjectPermission.objects.bulk_create(
        [ProjectGroupObjectPermission(group_id=fixture.group_id, permission=view_invoice,
                                      content_object_id=pk) for pk in held[len(held) // 2:]],
        batch_size=5000)
    _copy("projects_invoice", ["project_id", "number", "amount", "currency", "issued_on",
                               "status"],
          ((pk, f"I{pk}-{n:02d}", "100.00", "EUR", "2026-01-01", "issued")
           for pk in held for n in range(PER_CONTAINER)))
    fixture.changeable_project = ids[0]
    fixture.granted = len(ids)
    fixture.containers = len(held)
    _narrowed_token(fixture, ids, held)


def _narrowed_token(fixture: Fixture, ids: list[int], held: list[int]) -> None:
    """A second token of the bench user, narrowed to view_project on the first
    NARROWED_PROJECTS of its projects, view_invoice on the first NARROWED_CONTAINERS of its
    containers and change_project on the changeable one: near the list's cap of 100."""
    def on(permission: str, pk: int) -> dict:
        return {"permission": permission, "object": {"type": "projects.project", "id": pk}}

    grants = ([on("projects.view_project", pk) for pk in ids[:NARROWED_PROJECTS]]
              + [on("projects.view_invoice", pk) for pk in held[:NARROWED_CONTAINERS]]
              + [on("projects.change_project", ids[0])])
    robot = User.objects.get(pk=fixture.user_id)
    issued = token_services.token_issue(actor=None, user=robot, name="bench narrowed",
                                        expires_in_days=30, permissions=grants)
    fixture.narrowed_token, fixture.narrowed_token_id = issued.plaintext, issued.token.pk
    fixture.narrowed_grants = len(issued.token.permissions)


def audit_events(fixture: Fixture, *, total: int, export_rows: int) -> None:
    """`total` token.used events, one per AUDIT_STEP after 2026-01-01, every 50th by the bench
    token; the export measured covers the first `export_rows` of them."""
    columns = ["occurred_at", "event", "actor_id", "actor_username", "actor_category",
               "token_id", "token_hint", "target_type", "target_id", "target_repr", "ip",
               "user_agent", "request_id", "method", "path", "status", "details"]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO audit_auditevent ({', '.join(columns)}) "  # noqa: S608 (constants)
            "SELECT %s::timestamptz + g * %s::interval, 'token.used', "
            "CASE WHEN g %% 50 = 0 THEN %s ELSE 100000 + g %% 997 END, "
            "CASE WHEN g %% 50 = 0 THEN %s ELSE 'robot' || (g %% 997) END, 'programmatic', "
            "CASE WHEN g %% 50 = 0 THEN %s ELSE 100000 + g %% 1999 END, 'pgu_bench', "
            "'', '', '', '10.0.0.1', 'bench', md5(g::text), 'GET', '/api/v1/projects/', 200, "
            "'{\"permissions\": [\"projects.view_project\"]}'::jsonb "
            "FROM generate_series(1, %s) g",
            [AUDIT_EPOCH, AUDIT_STEP, fixture.user_id, BENCH_USER, fixture.token_id, total],
        )
        cursor.execute("VACUUM ANALYZE audit_auditevent")
    fixture.audit_since = _iso(AUDIT_EPOCH + total * AUDIT_STEP - timedelta(days=7))
    fixture.export_until = _iso(export_until(total=total, rows=export_rows))


def export_until(*, total: int, rows: int) -> datetime:
    """The exclusive `until` whose export holds the first `rows` of `total` seeded events."""
    return AUDIT_EPOCH + min(total, rows) * AUDIT_STEP + timedelta(seconds=1)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
