"""SQL for "this id is among the permitted ids" that keeps a page flat as the table grows."""

from django.db.models import Lookup


class AmongIds(Lookup):
    """`lhs` is one of the ids the `rhs` subquery returns.

    PostgreSQL: `lhs = ANY(ARRAY(subquery))`. The array is computed once (an InitPlan) and
    probed through the primary key, so the cost follows the number of permitted ids, never the
    table's size. A plain `IN (subquery)` lets the planner walk the primary key backwards
    hoping to meet permitted rows early, which reads most of the table when they are old.
    Elsewhere: `lhs IN (subquery)`.
    """

    lookup_name = "among_ids"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} IN {rhs}", (*lhs_params, *rhs_params)

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY(ARRAY{rhs})", (*lhs_params, *rhs_params)
