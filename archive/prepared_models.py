# SPDX-License-Identifier: AGPL-3.0-or-later
"""A QuerySet's model instances from a statement prepared once per connection.

For a page's or an API detail's key query built with the ORM (``select_related``
joins, annotations, deferred columns) whose planning and compiling cost more
than running it: the ORM writes the SQL once per process, with marked values
standing in for the varying ones, and turns rows into instances exactly as
iterating the QuerySet would (prefetches included); the statement goes through
``archive.prepared``, so PostgreSQL plans it once per connection. PostgreSQL
planned the patch page's eleven-way join in ~20 ms on every view and Django
compiled it in ~6 ms; run prepared: 0.5 ms.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import connections, router
from django.db.models import Model, QuerySet, prefetch_related_objects
from django.db.models.base import ModelState
from django.db.models.query import get_related_populators
from django.db.models.sql.compiler import SQLCompiler
from django.http import Http404

from archive.prepared import execute_prepared

__all__ = ["PreparedQuery", "attach", "loaded"]

M = TypeVar("M", bound=Model)


def loaded(model: type[M], alias: str, names: Sequence[str], values: Iterable[Any]) -> M:
    """``model.from_db(alias, names, values)`` for columns read as they are stored.

    ``from_db`` goes through ``__init__``, its signals and a descriptor per
    field: 7 us an instance with a few fields, 40 us with a patch row's
    nineteen, on this project's test machine; this costs 1-2. A page built
    from one written-out statement (a thread's outline, the patch list, My
    queue) makes tens to hundreds of them. Fields not named are deferred, as
    with ``from_db``; no model here has ``pre_init``/``post_init`` receivers.
    """
    instance = object.__new__(model)
    instance.__dict__.update(zip(names, values, strict=True))
    state = instance._state = ModelState()
    state.adding, state.db = False, alias
    return instance


def attach(instance: Model, **related: Model | None) -> None:
    """Set ``instance``'s related objects read with it, whose keys it already holds.

    What assigning them does (``patch.state = state``), without the descriptor's
    type and database-router checks: 3-5 us an assignment, six for each of a
    patch list's fifty rows.
    """
    meta = instance._meta
    for name, value in related.items():
        meta.get_field(name).set_cached_value(instance, value)  # type: ignore[union-attr]


# PostgreSQL's bigint: the widest integer a parameter can carry.
_BIGINT_MIN, _BIGINT_MAX = -(2**63), 2**63 - 1
# Integer stand-ins: negative (no key is), within a 32-bit integer field's range
# (Django compiles a value outside a field's range to "no rows", dropping it).
_INT_STAND_IN = -1_770_113_229


def _marker(name: str, index: int, value: object) -> str | int:
    """A value no visitor's input could give, of the kind ``value`` is."""
    if isinstance(value, int) and not isinstance(value, bool):
        return _INT_STAND_IN - index
    # Private-use characters around the slot's name.
    return f"\ue000{name}\ue000"


@dataclass(frozen=True)
class _Compiled:
    queryset: QuerySet
    compiler: SQLCompiler
    sql: str
    params: tuple[Any, ...]
    # Where each slot's value goes among the parameters.
    slots: tuple[tuple[int, str], ...]
    # The columns' converters, as ``results_iter`` works them out on every call
    # (about 130 lookups for the patch page's columns: a quarter of a millisecond);
    # None: a composite key among the columns, left to ``results_iter``.
    converters: dict | None


class PreparedQuery(Generic[M]):
    """``build(**slots)``'s instances (select_related objects, annotations and
    prefetches set), by prepared statement ``name``.

    ``build`` must give a QuerySet whose SQL text does not depend on the values
    passed (plain ``field=value`` filters on text or integer columns): it is
    called once per database alias with marked values, which each call then
    replaces. Every call passes the same slots, each of one kind (str or int).
    """

    def __init__(self, name: str, build: Callable[..., QuerySet[M]]) -> None:
        self.name = name
        self.build = build
        self._compiled: dict[str, _Compiled] = {}

    def _compile(self, db: str, values: dict[str, Any]) -> _Compiled:
        names = sorted(values)
        markers = {name: _marker(name, i, values[name]) for i, name in enumerate(names)}
        queryset = self.build(**markers).using(db)
        compiler = queryset.query.get_compiler(using=db)
        sql, params = compiler.as_sql()  # also fills select, klass_info, annotation_col_map
        slots = tuple(
            (at, name)
            for at, param in enumerate(params)
            for name, marker in markers.items()
            if type(param) is type(marker) and param == marker
        )
        if {name for _, name in slots} != set(names) or "%%" in sql:
            # execute_prepared numbers only %s: a literal % would be misread.
            raise ValueError(f"{self.name}: a value is not a plain parameter of the SQL")
        fields = [column[0] for column in compiler.select[0 : compiler.col_count]]
        composite = compiler.has_composite_fields(fields)
        converters = None if composite else compiler.get_converters(fields)
        return _Compiled(queryset, compiler, sql, tuple(params), slots, converters)

    def models(self, model: type[M], **values: str | int) -> list[M]:
        """The instances for these ``values``, read where the router reads ``model``.

        An integer beyond PostgreSQL's bigint matches no row (as Django's own
        lookups answer it): PostgreSQL would refuse it as a parameter.
        """
        if any(isinstance(v, int) and not _BIGINT_MIN <= v <= _BIGINT_MAX for v in values.values()):
            return []
        db = router.db_for_read(model)
        compiled = self._compiled.get(db)
        if compiled is None:
            compiled = self._compiled[db] = self._compile(db, values)
        params = list(compiled.params)
        for at, name in compiled.slots:
            params[at] = values[name]
        with connections[db].cursor() as cursor:
            execute_prepared(cursor, self.name, compiled.sql, params)
            rows = cursor.fetchall()
        found: list[M] = self._instances(compiled, rows, db)
        lookups = compiled.queryset._prefetch_related_lookups
        if found and lookups:
            prefetch_related_objects(found, *lookups)
        return found

    def first(self, model: type[M], **values: str | int) -> M | None:
        """The first of ``models``, or None when no row matches."""
        found = self.models(model, **values)
        return found[0] if found else None

    def get_or_404(self, model: type[M], **values: str | int) -> M:
        """The first of ``models``; Http404 with ``get_object_or_404``'s sentence when none."""
        found = self.first(model, **values)
        if found is None:
            raise Http404(f"No {model._meta.object_name} matches the given query.")
        return found

    @staticmethod
    def _instances(compiled: _Compiled, rows: list[Any], db: str) -> list[M]:
        """Rows made into instances as Django's ModelIterable makes them."""
        compiler = compiled.compiler
        select, klass_info = compiler.select, compiler.klass_info
        if klass_info is None:
            raise ValueError("PreparedQuery needs a QuerySet of model instances")
        model_cls = klass_info["model"]
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        init_list = [column[0].target.attname for column in select[start:end]]
        populators = get_related_populators(klass_info, select, db)
        out = []
        if compiled.converters is None:
            converted = compiler.results_iter([rows])
        elif compiled.converters:
            converted = compiler.apply_converters(rows, compiled.converters)
        else:
            converted = iter(rows)
        for row in converted:
            obj = loaded(model_cls, db, init_list, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            for attr, position in compiler.annotation_col_map.items():
                setattr(obj, attr, row[position])
            out.append(obj)
        return out
