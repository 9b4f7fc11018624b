"""One module builds permission SQL (issue 17): identifiers are quoted only in the engine's
statement builder (its `Table`), and in the audit log's and the token lookup's own statements
(which read no permission)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ["accounts", "audit", "common", "config", "demo", "permissions", "projects", "tokens"]


def not_a_permission_read(path: str) -> bool:
    """The audit log's own statements (its app imports no other) and the token lookup."""
    return path.startswith("audit/") or path == "tokens/querysets.py"


def test_identifiers_are_quoted_only_in_the_engines_statement_builder():
    quoting = {
        str(path.relative_to(ROOT))
        for app in APPS for path in (ROOT / app).rglob("*.py")
        if "quote_name" in path.read_text() or "_meta.db_table" in path.read_text()
    }
    assert {path for path in quoting if not not_a_permission_read(path)} == {
        "permissions/engine/sql/base.py"}
