"""The test suite's one way past the append-only trigger (DESIGN rule 16).

Django's test flush (TransactionTestCase, pytest-django's `transactional_db`, `live_server`)
empties every table with one TRUNCATE, which the trigger refuses. `allow_flush()` makes the
flush run `SET LOCAL audit.allow_maintenance = 'on'` first, inside the flush's own transaction;
the trigger lets TRUNCATE (and nothing else) through when that setting is on. Use it from the
test suite only:

    @pytest.fixture(scope="session", autouse=True)
    def _audit_allows_test_flush():
        with allow_flush():
            yield
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db.backends.base.operations import BaseDatabaseOperations

ALLOW_MAINTENANCE_SQL = "SET LOCAL audit.allow_maintenance = 'on';"

_original = BaseDatabaseOperations.execute_sql_flush
_depth = 0


def _execute_sql_flush(self, sql_list):
    if self.connection.vendor == "postgresql" and sql_list:
        sql_list = [ALLOW_MAINTENANCE_SQL, *sql_list]
    return _original(self, sql_list)


@contextmanager
def allow_flush() -> Iterator[None]:
    """While active, Django's flush may TRUNCATE the audit tables on PostgreSQL (re-entrant)."""
    global _depth
    if _depth == 0:
        BaseDatabaseOperations.execute_sql_flush = _execute_sql_flush
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if _depth == 0:
            BaseDatabaseOperations.execute_sql_flush = _original
