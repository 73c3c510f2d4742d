# SPDX-License-Identifier: AGPL-3.0-or-later
"""A QuerySet's model instances from a statement prepared once per connection.

For a page's key query built with the ORM (``select_related`` joins,
annotations) whose planning and compiling cost more than running it: the
ORM writes the SQL once per process, with marked placeholder values, and
turns rows into instances exactly as iterating the QuerySet would; the
statement goes through ``archive.prepared``, so PostgreSQL plans it once
per connection. PostgreSQL planned the patch page's eleven-way join in
~20 ms on every view and Django compiled it in ~6 ms; run prepared: 0.5 ms.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators
from django.db.models.sql.compiler import SQLCompiler

from archive.prepared import execute_prepared

__all__ = ["PreparedQuery"]

M = TypeVar("M", bound=Model)


def _slot(name: str) -> str:
    # A value no filter could be given by a visitor: private-use characters.
    return f"\ue000{name}\ue000"


@dataclass(frozen=True)
class _Compiled:
    compiler: SQLCompiler
    sql: str
    params: tuple[Any, ...]


class PreparedQuery(Generic[M]):
    """``build(**slots)``'s instances (select_related objects and annotations
    set; no prefetch_related), by prepared statement ``name``.

    ``build`` must give a QuerySet whose SQL text does not depend on the
    values passed (plain ``field=value`` filters): it is called once per
    database alias with marked values, which each call then replaces.
    """

    def __init__(self, name: str, build: Callable[..., QuerySet[M]]) -> None:
        self.name = name
        self.build = build
        self._compiled: dict[str, _Compiled] = {}

    def _compile(self, db: str, slots: list[str]) -> _Compiled:
        queryset = self.build(**{slot: _slot(slot) for slot in slots}).using(db)
        compiler = queryset.query.get_compiler(using=db)
        sql, params = compiler.as_sql()  # also fills select, klass_info, annotation_col_map
        marked = {_slot(slot) for slot in slots}
        if len(marked & {p for p in params if isinstance(p, str)}) != len(marked):
            raise ValueError(f"{self.name}: a value is not a plain parameter of the SQL")
        return _Compiled(compiler, sql, tuple(params))

    def models(self, model: type[M], **values: str) -> list[M]:
        """The instances for these ``values``, read where the router reads ``model``."""
        db = router.db_for_read(model)
        compiled = self._compiled.get(db)
        if compiled is None:
            compiled = self._compiled[db] = self._compile(db, sorted(values))
        by_slot = {_slot(name): value for name, value in values.items()}
        params = [by_slot.get(p, p) if isinstance(p, str) else p for p in compiled.params]
        with connections[db].cursor() as cursor:
            execute_prepared(cursor, self.name, compiled.sql, params)
            rows = cursor.fetchall()
        return self._instances(compiled.compiler, rows, db)

    @staticmethod
    def _instances(compiler: SQLCompiler, rows: list[Any], db: str) -> list[M]:
        """Rows made into instances as Django's ModelIterable makes them."""
        select, klass_info = compiler.select, compiler.klass_info
        if klass_info is None:
            raise ValueError("PreparedQuery needs a QuerySet of model instances")
        model_cls = klass_info["model"]
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        init_list = [column[0].target.attname for column in select[start:end]]
        populators = get_related_populators(klass_info, select, db)
        out = []
        for row in compiler.results_iter([rows]):
            obj = model_cls.from_db(db, init_list, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            for attr, position in compiler.annotation_col_map.items():
                setattr(obj, attr, row[position])
            out.append(obj)
        return out
