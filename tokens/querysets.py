"""Reads of tokens, named for intent."""

import functools

from django.db import connections, models
from django.utils import timezone


class ApiTokenQuerySet(models.QuerySet):
    def authenticating(self, digest: str):
        """The token with `digest` and its user, or None: the one indexed query of
        authentication, through a statement built once per process and instances made with
        `from_db` (the ORM would compile the same `select_related("user")` query on every
        request, a large share of a token request's cost: bench/RESULTS.md)."""
        connection = connections[self.db]
        sql, token_fields, user_fields, converters = _authentication_statement(self.db)
        with connection.cursor() as cursor:
            cursor.execute(sql, [digest])
            row = cursor.fetchone()
        if row is None:
            return None
        row = list(row)
        for index, functions, expression in converters:  # what the ORM applies to each column
            for function in functions:
                row[index] = function(row[index], expression, connection)
        split = len(token_fields)
        token = self.model.from_db(self.db, token_fields, row[:split])
        user_field = self.model._meta.get_field("user")
        user = user_field.related_model.from_db(self.db, user_fields, row[split:])
        user_field.set_cached_value(token, user)
        return token

    def revoked(self):
        return self.filter(revoked_at__isnull=False)

    def not_revoked(self):
        return self.filter(revoked_at__isnull=True)

    def expired(self, now=None):
        """Out of time, whether by expiry or at the end of a rotation's grace."""
        return self.not_revoked().filter(expires_at__lte=now or timezone.now())

    def live(self, now=None):
        """Neither revoked nor out of time: usable, or suspended and resumable. What a family or
        a deactivation revokes, and what TOKEN_MAX_PER_USER counts."""
        return self.not_revoked().filter(expires_at__gt=now or timezone.now())

    def usable(self, now=None):
        """Tokens that authenticate now (their user's state aside): live and not suspended."""
        return self.live(now).filter(suspended_at__isnull=True)

    def never_used(self, now=None):
        """Tokens that still work and have never authenticated a request."""
        return self.usable(now).filter(last_used_at__isnull=True)

    def in_family(self, family: int):
        """Every token of one rotation family (the `family` index)."""
        return self.filter(family_id=family)

    def counted_against_the_limit(self, now=None):
        """The tokens TOKEN_MAX_PER_USER counts: live (a suspended one can be resumed) and not
        already replaced by rotation."""
        return self.live(now).filter(rotated_at__isnull=True)

    def with_status(self, status: str, now=None):
        """The tokens whose `status` is `status` now (ApiToken.status_at, in SQL); an unknown
        value matches nothing."""
        now = now or timezone.now()
        live, out_of_time = self.live(now), self.expired(now)
        by_status = {
            "active": lambda: live.filter(suspended_at__isnull=True, rotated_at__isnull=True),
            "rotating": lambda: live.filter(suspended_at__isnull=True, rotated_at__isnull=False),
            "suspended": lambda: live.filter(suspended_at__isnull=False),
            "expired": lambda: out_of_time.filter(rotated_at__isnull=True),
            "rotated": lambda: out_of_time.filter(rotated_at__isnull=False),
            "revoked": self.revoked,
        }
        query = by_status.get(status)
        return self.none() if query is None else query()

    def expiring_between(self, start, end):
        """Active tokens (neither suspended nor already rotated: those need no action) whose
        expiry falls by `end`."""
        return self.with_status("active", start).filter(expires_at__lte=end)


@functools.cache
def _authentication_statement(alias: str) -> tuple[str, list[str], list[str], list]:
    """SELECT every column of the token and of its user, by digest (the unique index), with the
    database converters of each column (datetimes on SQLite, JSON, ...)."""
    from tokens.models import ApiToken

    quote = connections[alias].ops.quote_name
    user_model = ApiToken._meta.get_field("user").related_model
    tokens, users = ApiToken._meta, user_model._meta
    token_fields = [field.attname for field in tokens.concrete_fields]
    user_fields = [field.attname for field in users.concrete_fields]
    columns = [f"t.{quote(field.column)}" for field in tokens.concrete_fields]
    columns += [f"u.{quote(field.column)}" for field in users.concrete_fields]
    sql = (
        f"SELECT {', '.join(columns)} FROM {quote(tokens.db_table)} t "  # noqa: S608 (quoted)
        f"INNER JOIN {quote(users.db_table)} u ON u.{quote(users.pk.column)} = "
        f"t.{quote(tokens.get_field('user').column)} WHERE t.{quote('digest')} = %s"
    )
    connection = connections[alias]
    converters = []
    fields = [*tokens.concrete_fields, *users.concrete_fields]
    for index, field in enumerate(fields):
        expression = field.get_col(field.model._meta.db_table)
        functions = (connection.ops.get_db_converters(expression)
                     + expression.get_db_converters(connection))
        if functions:
            converters.append((index, functions, expression))
    return sql, token_fields, user_fields, converters
