"""The engine's statements as conditions of ORM querysets, compiled against the query's own
alias of the table (so a permitted queryset also works as a subquery)."""

from collections.abc import Callable

from django.db.models import BooleanField, Expression, F

from permissions.engine.sql import SQL


class RowCondition(Expression):
    """True for the rows a permission condition built by `build(*outer columns)` admits."""

    conditional = True

    def __init__(self, build: Callable[..., SQL], values: dict, columns: tuple[str, ...]):
        super().__init__(output_field=BooleanField())
        self.build = build
        self.values = values
        self.columns = [F(column) for column in columns]

    def get_source_expressions(self):
        return self.columns

    def set_source_expressions(self, exprs):
        self.columns = list(exprs)

    def as_sql(self, compiler, connection):
        outer = []
        for column in self.columns:
            text, params = compiler.compile(column)
            if params:  # a column reference has none; anything else is not ours to embed
                raise ValueError("A permission condition takes plain columns only.")
            outer.append(text)
        statement = self.build(*outer)
        return statement.text, statement.params(self.values)
