"""verify_audit_export: an auditor checks a JSON Lines export offline, with the public key only.

The export, the digests and the public key are fetched through the API as an auditor would;
then the file is tampered with line by line and each change is named.
"""

import json
import os
import random
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from audit import chain
from audit.conf import audit_settings
from audit.keys import SigningKey, generate_pem
from audit.models import AuditEvent
from audit.offline import content_of
from audit.services import build_event, record
from tests.accounts.factories import PersonFactory, ProgrammaticUserFactory, group
from tests.audit.conftest import (
    event_with_id,
    make_events,
    request_stub,
    run_command,
    seal,
    tamper,
    token_stub,
)
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
Event = AuditEvent.Event


def odd_events() -> list[AuditEvent]:
    """Events with every kind of value the canonical content must carry through an export."""
    robot = ProgrammaticUserFactory(username="erp-sync")
    details = {"reason": "line\nbreak\u2028 \"quoted\" é ü 漢", "n": 1.5, "big": 2**62,
               "small": -0.000123, "list": [1, "x", None, True, False], "nested": {"k": {}}}
    events = [
        record(Event.TOKEN_USED, actor=robot, token=token_stub(7, "pgu_abcd"),
               request=request_stub("/api/v1/projects/12/", ip="2001:db8::1"), status=200,
               details=details),
        record(Event.PERMISSION_GRANTED, actor=PersonFactory(username="alice"),
               target={"type": "projects.project", "id": "12", "repr": "ATLAS <b>"}),
        record(Event.AUTH_FAILED, request=request_stub(user_agent=""),
               details={"reason": "unknown"}, status=401),
        record(Event.TOKEN_LEAK_REPORTED),
    ]
    lopsided = build_event(Event.LOGIN_REFUSED, details={})
    lopsided.actor_category = "programmatic"  # a category alone, no id or name
    lopsided.token_hint = "pgu_zzzz"  # a hint without a token id
    lopsided.target_id = "9"  # an id without a type
    lopsided.occurred_at = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    lopsided.save(force_insert=True)
    events.append(lopsided)
    return events


@pytest.fixture
def auditor_client(db):
    auditor = PersonFactory(username="auditor")
    auditor.groups.add(group("Auditors"))
    return client_for(auditor)


class Fetched:
    """What an auditor fetched: digests (first), then the export, and the public key."""

    def __init__(self, client, folder: Path):
        self.folder = folder
        self.digests = folder / "digests"
        self.digests.mkdir()
        url = "/api/v1/audit-events/digests/?page_size=2"
        self.names = []
        while url:
            page = client.get(url).json()
            for item in page["results"]:
                self.names.append(item["name"])
                path = self.digests / item["name"]
                path.parent.mkdir(exist_ok=True)
                path.write_text(json.dumps(item, indent=2))  # as saved from the API
            url = page["next"]
        self.public_key = folder / "audit.pem"
        self.public_key.write_text(client.get("/api/v1/audit-events/public-key/").content.decode())
        response = client.get("/api/v1/audit-events/export/?format=jsonl")
        self.lines = b"".join(response.streaming_content).decode().splitlines(keepends=True)
        self.export = folder / "audit.jsonl"
        self.write(self.lines)

    def write(self, lines) -> None:
        self.export.write_text("".join(lines))

    def items(self) -> list[dict]:
        return [json.loads(line) for line in self.lines]

    def write_items(self, items) -> None:
        self.write(json.dumps(item) + "\n" for item in items)

    def line_of(self, event_id: int) -> int:
        return next(n for n, item in enumerate(self.items(), 1) if item["id"] == event_id)

    def verify(self) -> tuple[int, str]:
        return run_command("verify_audit_export", str(self.export), "--digests",
                           str(self.digests), "--public-key", str(self.public_key))


@pytest.fixture
def fetched(auditor_client, tmp_path):
    events = odd_events() + make_events(3)
    seal(batch_size=3)
    unsealed = make_events(2)
    result = Fetched(auditor_client, tmp_path)
    result.events, result.unsealed = events, unsealed
    return result


def test_the_jsonl_export_carries_every_covered_column_losslessly(fetched):
    rows = {row[0]: chain.canonical_content(row)
            for row in AuditEvent.objects.values_list(*chain.ROW_FIELDS)}
    exported = dict(content_of(item) for item in fetched.items())
    assert exported == rows
    lopsided = next(i for i in fetched.items() if i["event"] == "login.refused")
    assert lopsided["actor"] == {"id": None, "username": "", "category": "programmatic"}
    assert lopsided["token"] == {"id": None, "hint": "pgu_zzzz"}
    assert lopsided["target"] == {"type": "", "id": "9", "repr": ""}


def test_an_intact_export_verifies_offline(fetched):
    sealed_up_to = fetched.events[-1].id
    assert len(fetched.names) == 3
    assert fetched.verify() == (0, (
        f"export intact: 8 events on 10 lines checked against 3 digests signed by key "
        f"{audit_settings.signing_key.id}, sealed up to event {sealed_up_to}, 2 not yet sealed"))


def test_the_order_of_the_lines_does_not_matter(fetched):
    lines = list(fetched.lines)
    random.Random(15).shuffle(lines)
    fetched.write(lines)
    assert fetched.verify()[0] == 0


def test_an_edited_unsealed_event_is_counted_as_not_yet_sealed(fetched):
    items = fetched.items()
    items[0]["status"] = 599  # the newest event: not sealed yet, nothing can vouch for it
    assert items[0]["id"] == fetched.unsealed[-1].id
    fetched.write_items(items)
    code, message = fetched.verify()
    assert code == 0 and message.endswith("2 not yet sealed")


def edit(field, value):
    def change(item):
        item[field] = value
    return change


TAMPERING = {
    "an edited status": edit("status", 500),
    "an edited detail": lambda item: item["details"].update(n=2.5),
    "an edited actor name": lambda item: item["actor"].update(username="someone-else"),
    "an actor removed": edit("actor", None),
    "a reformatted time": lambda item: item.update(
        occurred_at=item["occurred_at"].replace("Z", "+00:00")),
}


@pytest.mark.parametrize("kind", sorted(TAMPERING))
def test_an_edited_sealed_line_is_named(fetched, kind):
    target = fetched.events[0]
    items = fetched.items()
    TAMPERING[kind](next(i for i in items if i["id"] == target.id))
    fetched.write_items(items)
    assert fetched.verify() == (1, (
        f"export broken at line {fetched.line_of(target.id)}: event {target.id} content "
        f"altered (sealed in digest {fetched.names[0]})"))


@pytest.mark.parametrize("which", [0, 4, -1])
def test_a_deleted_sealed_line_is_named(fetched, which):
    """The oldest event, one in the middle, and the newest sealed one."""
    target = fetched.events[which]
    digest = fetched.names[[0, 0, 0, 1, 1, 1, 2, 2][which]]
    fetched.write_items(i for i in fetched.items() if i["id"] != target.id)
    assert fetched.verify() == (1, (
        f"export broken at event {target.id}: missing from the export (sealed in digest "
        f"{digest})"))


def test_a_line_inserted_before_the_first_digest_is_named(auditor_client, tmp_path):
    dropped, _ = make_events(2)
    tamper("DELETE FROM audit_auditevent WHERE id = %s", [dropped.id])  # as if rolled back
    seal()
    fetched = Fetched(auditor_client, tmp_path)
    items = fetched.items()
    items.append(dict(items[0], id=dropped.id))
    fetched.write_items(items)
    assert fetched.verify() == (1, (
        "export broken at line 2: an event was inserted before the first digest, which starts "
        "the chain"))


def test_a_line_inserted_into_a_gap_of_the_sealed_range_is_named(auditor_client, tmp_path):
    first = make_events(1)[0]
    event_with_id(first.id + 5)  # ids first+1..first+4 rolled back: a legitimate gap
    seal()
    fetched = Fetched(auditor_client, tmp_path)
    items = fetched.items()
    items.append(dict(items[0], id=first.id + 2))
    fetched.write_items(items)
    assert fetched.verify() == (1, (
        f"export broken at line 3: event {first.id + 2} is in no digest's list (inserted)"))


def test_reordered_events_are_named(fetched):
    a, b = fetched.events[1].id, fetched.events[2].id
    items = fetched.items()
    for item in items:
        if item["id"] in (a, b):
            item["id"] = b if item["id"] == a else a
    fetched.write_items(items)
    assert fetched.verify() == (1, (
        f"export broken at line {fetched.line_of(b)}: event {a} holds the content sealed as "
        f"event {b} (reordered)"))


def test_a_duplicated_line_is_named(fetched):
    lines = [*fetched.lines, fetched.lines[3]]
    fetched.write(lines)
    event_id = json.loads(fetched.lines[3])["id"]
    assert fetched.verify() == (1, (
        f"export broken at line {len(lines)}: event {event_id} appears twice (also on line 4)"))


def test_a_truncated_export_is_named(fetched):
    text = "".join(fetched.lines)
    fetched.export.write_text(text[: len(text) - 40])
    assert fetched.verify() == (1, f"export broken at line {len(fetched.lines)}: not valid JSON")


def test_an_export_cut_to_its_newest_lines_is_named(fetched):
    fetched.write(fetched.lines[:6])
    oldest_missing = fetched.events[0].id
    assert fetched.verify() == (1, (
        f"export broken at event {oldest_missing}: missing from the export (sealed in digest "
        f"{fetched.names[0]})"))


def test_a_filtered_export_is_not_a_sealed_range(fetched, auditor_client):
    response = auditor_client.get("/api/v1/audit-events/export/?format=jsonl&event=token.used")
    fetched.write(b"".join(response.streaming_content).decode().splitlines(keepends=True))
    code, message = fetched.verify()
    assert code == 1
    assert message.endswith(f"missing from the export (sealed in digest {fetched.names[0]})")


def test_a_line_that_is_not_an_event_is_named(fetched):
    items = fetched.items()
    del items[2]["user_agent"]
    fetched.write_items(items)
    assert fetched.verify() == (1, "export broken at line 3: not an exported audit event "
                                   "(unexpected fields)")


# --- the digests, offline -----------------------------------------------------------------

def digest_file(fetched, index: int) -> Path:
    return fetched.digests / fetched.names[index]


def test_a_deleted_digest_breaks_the_chain(fetched):
    digest_file(fetched, 1).unlink()
    assert fetched.verify() == (1, (
        f"export broken at digest {fetched.names[2]}: does not follow the "
        "digest before it (a digest was removed or altered)"))


def test_a_deleted_first_digest_breaks_the_chain(fetched):
    digest_file(fetched, 0).unlink()
    assert fetched.verify() == (1, (
        f"export broken at digest {fetched.names[1]}: does not start the "
        "chain, and no digest before it was found"))


def test_a_forged_digest_is_named(fetched):
    path = digest_file(fetched, 1)
    document = json.loads(path.read_text())
    document["event_digests"][0][1] = "0" * 16
    path.write_text(json.dumps(document))
    assert fetched.verify() == (1, (
        f"export broken at digest {fetched.names[1]}: signature does not verify (forged or "
        "altered)"))


def test_another_public_key_is_named(fetched):
    other = SigningKey(generate_pem())
    fetched.public_key.write_text(other.public_pem)
    assert fetched.verify() == (1, (
        f"export broken at digest {fetched.names[0]}: signed by another key (key id "
        f"{audit_settings.signing_key.id}, this log's key is {other.id})"))


def test_bad_arguments_are_one_line_errors(fetched, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run_command("verify_audit_export", str(fetched.export), "--digests", str(empty),
                       "--public-key", str(fetched.public_key)) == (
        1, f"--digests {empty} holds no digest (*.json): nothing to verify against.")
    assert run_command("verify_audit_export", str(fetched.export), "--digests",
                       str(fetched.digests), "--public-key", str(fetched.export)) == (
        1, f"the public key {fetched.export} is not a PEM public key.")
    assert run_command("verify_audit_export", str(tmp_path / "none.jsonl"), "--digests",
                       str(fetched.digests), "--public-key", str(fetched.public_key)) == (
        1, f"cannot read the export {tmp_path / 'none.jsonl'}: No such file or directory.")


# --- no database, no server -----------------------------------------------------------------

def test_the_check_touches_no_database(fetched, django_db_blocker):
    """With database access blocked (any cursor raises), it still verifies: and sends nothing."""
    captured = [CaptureQueriesContext(connection) for connection in connections.all()]
    for context in captured:
        context.__enter__()
    try:
        with django_db_blocker.block():
            assert fetched.verify()[0] == 0
    finally:
        for context in captured:
            context.__exit__(None, None, None)
    assert [len(context) for context in captured] == [0] * len(captured)


def test_the_check_runs_with_the_database_unreachable(fetched):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL"}}
    env.update(DEBUG="1", DATABASE_URL="postgres://nobody@127.0.0.1:1/unreachable")
    result = subprocess.run(
        [sys.executable, "manage.py", "verify_audit_export", str(fetched.export), "--digests",
         str(fetched.digests), "--public-key", str(fetched.public_key)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[-1].startswith("export intact: 8 events on 10 lines")


@pytest.mark.parametrize("command", ["verify_audit_log", "seal_audit_log"])
def test_the_database_commands_say_in_one_line_that_the_database_is_unreachable(command):
    """verify_audit_log needs the database: unreachable, it exits 2 (nothing checked, nothing
    found broken) with one line, never a traceback; seal_audit_log exits 1 the same way."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL"}}
    env.update(DEBUG="1", DATABASE_URL="postgres://nobody@127.0.0.1:1/unreachable",
               DATABASE_CONNECT_TIMEOUT="2")
    result = subprocess.run([sys.executable, "manage.py", command], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    expected = {"verify_audit_log": (2, "CommandError: verification not possible: the database "
                                        "is unavailable ("),
                "seal_audit_log": (1, "CommandError: sealing failed: the database is "
                                      "unavailable (")}[command]
    assert (result.returncode, result.stdout) == (expected[0], "")
    # The development settings' one-line warnings come first; then the command's one line.
    lines = [line for line in result.stderr.splitlines() if not line.startswith("warning: ")]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(expected[1]), result.stderr
