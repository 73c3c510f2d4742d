# SPDX-License-Identifier: AGPL-3.0-or-later
"""One object by primary key with a statement compiled once per process.

The patch detail reads its patch with seven tables joined, two subqueries and
deferred columns: Django compiled that queryset on every request (about a fifth
of the request) and PostgreSQL planned it again every time. Here the queryset
is compiled once, with a stand-in key, and run as a statement prepared once per
connection (``archive.prepared``); Django's own iterable still makes the rows
into instances, so select_related, annotations and prefetches behave as before.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.sql.compiler import SQLCompiler
from django.http import Http404

from archive.prepared import execute_prepared

__all__ = ["FrozenGet"]

# A key no row has, found again among the compiled parameters by its value.
_STAND_IN = -770_113_229_901
_BIGINT_MIN, _BIGINT_MAX = -(2**63), 2**63 - 1


class FrozenGet:
    """``queryset.get(pk=...)`` for one queryset, compiled on first use."""

    def __init__(self, name: str, queryset: Callable[[], QuerySet]) -> None:
        self.name = name
        self._queryset = queryset
        self._compiled: tuple[QuerySet, SQLCompiler, str, list[Any], int] | None = None

    def _compile(self) -> tuple[QuerySet, SQLCompiler, str, list[Any], int]:
        if self._compiled is None:
            # As QuerySet.get() builds it: no ordering, at most 21 rows.
            qs = self._queryset().filter(pk=_STAND_IN).order_by()
            qs.query.set_limits(high=21)
            compiler = qs.query.get_compiler(using=qs.db)
            sql, params = compiler.as_sql()
            values = list(params)
            if values.count(_STAND_IN) != 1 or "%%" in sql:
                raise ValueError(f"{self.name}: cannot freeze this queryset")
            self._compiled = (qs, compiler, sql, values, values.index(_STAND_IN))
        return self._compiled

    def get(self, pk: int) -> Model:
        """The row as an instance, or Http404 as ``get_object_or_404`` raises."""
        qs, compiler, sql, values, at = self._compile()
        key = int(pk)
        if not _BIGINT_MIN <= key <= _BIGINT_MAX:
            # No row has it, and PostgreSQL would refuse it as a parameter
            # (Django's own lookups answer such keys with no rows, too).
            raise Http404(f"No {qs.model._meta.object_name} matches the given query.")
        params = values.copy()
        params[at] = key
        db = connections[qs.db]

        def execute_sql(*args: Any, **kwargs: Any) -> list[list[tuple]]:
            with db.cursor() as cursor:
                execute_prepared(cursor, self.name, sql, params)
                return [cursor.fetchall()]

        # A copy per call, its statement run prepared; the shared one is never changed.
        mine = copy.copy(compiler)
        mine.execute_sql = execute_sql  # type: ignore[method-assign]
        clone = qs._chain()
        clone.query.get_compiler = lambda *a, **k: mine  # type: ignore[method-assign]
        found = list(clone)
        if len(found) != 1:
            raise Http404(f"No {qs.model._meta.object_name} matches the given query.")
        return found[0]
