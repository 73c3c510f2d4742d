# SPDX-License-Identifier: AGPL-3.0-or-later
"""Writing many new model rows with COPY instead of ``bulk_create``.

For ingest-sized batches (a thousand patches with their diffs), building one
huge ``INSERT ... VALUES`` statement, and psycopg re-parsing it to bind its
parameters, cost more Python time than everything else in the review write.
COPY streams the same values with no SQL to build. Primary keys come from the
table's sequence first, as ``bulk_create`` would have returned them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from django.db import connection, models

__all__ = ["copy_new", "insert_json_rows", "insert_model_rows", "next_ids"]

# Field classes whose preparation for the database leaves a value of exactly
# this type as it is (the COPY text is the same either way). For them a row
# reads the attribute and skips Django's call chain (pre_save,
# get_db_prep_save, get_db_prep_value, get_prep_value, to_python), which took
# about a fifth of the ingest writer's profiled time (docs/performance.md,
# "Where the ingest time goes"). Any other value still goes through Django.
_PLAIN: dict[type, type] = {
    models.TextField: str, models.CharField: str, models.BooleanField: bool,
    models.IntegerField: int, models.PositiveIntegerField: int, models.SmallIntegerField: int,
    models.PositiveSmallIntegerField: int, models.BigIntegerField: int,
    models.AutoField: int, models.BigAutoField: int,
}  # fmt: skip


def next_ids(cursor, table: str, count: int, column: str = "id") -> list[int]:
    """``count`` fresh values of ``table``'s id sequence, for rows written later in bulk."""
    if not count:
        return []
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
        [table, column, count],
    )
    return [row[0] for row in cursor.fetchall()]


def copy_new(cursor, objs: Sequence[models.Model]) -> None:
    """Insert new instances of one model; each gets its primary key set.

    ``cursor`` is a Django cursor inside the caller's transaction. Defaults
    and ``auto_now_add`` are applied as ``save()`` would; generated columns
    are left to PostgreSQL. Conflicts raise, as a plain INSERT would.
    """
    if not objs:
        return
    meta = type(objs[0])._meta
    fields = [f for f in meta.concrete_fields if not f.generated]
    missing = [obj for obj in objs if obj.pk is None]
    for obj, pk in zip(missing, next_ids(cursor, meta.db_table, len(missing)), strict=True):
        obj.pk = pk
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    prepare = [_preparer(f) for f in fields]
    with cursor.cursor.copy(f"COPY {meta.db_table} ({columns}) FROM STDIN") as copy:
        for obj in objs:
            copy.write_row([p(obj) for p in prepare])
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias


def _preparer(field: models.Field) -> Callable[[models.Model], Any]:
    """How one field's value of a new instance becomes a COPY value, as ``save()`` would."""
    if type(field) is models.DateTimeField and not (field.auto_now or field.auto_now_add):
        return _datetime_preparer(field)
    target = field.target_field if isinstance(field, models.ForeignKey) else field
    plain = _PLAIN.get(type(target))
    if plain is None or type(field).pre_save is not models.Field.pre_save:
        return lambda obj: field.get_db_prep_save(field.pre_save(obj, add=True), connection)
    attname = field.attname

    def prepare(obj: models.Model) -> Any:
        value = getattr(obj, attname)
        if value is None or type(value) is plain:
            return value
        return field.get_db_prep_save(value, connection)

    return prepare


def _datetime_preparer(field: models.DateTimeField) -> Callable[[models.Model], Any]:
    """An aware datetime as it is: what Django's chain gives it on PostgreSQL
    (``to_python`` keeps it, only a naive one is made aware, and the backend's
    ``adapt_datetimefield_value`` returns it). A new patch has five dates and
    each Event two (#21, docs/performance.md "The ingest's CPU budget")."""
    attname = field.attname

    def prepare(obj: models.Model) -> Any:
        value = getattr(obj, attname)
        if value is None or (type(value) is datetime and value.utcoffset() is not None):
            return value
        return field.get_db_prep_save(value, connection)

    return prepare


def insert_json_rows(
    cursor,
    table: str,
    columns: Sequence[tuple[str, str]],
    rows: Sequence[Sequence[Any]],
    *,
    on_conflict: str = "",
) -> None:
    """``INSERT`` ``rows`` (values in ``columns``' order) sent as one JSON parameter.

    ``columns`` are (name, SQL type) pairs; a ``jsonb`` column takes the
    value as JSON, any other its text cast to the type. Django's
    ``bulk_create`` sends a column per array parameter, and psycopg escapes
    each quote and backslash of an array's text elements with a regular
    expression substitution a match: a thousand coloured diffs' HTML or
    anchors' JSON cost the ingest writer seconds. ``json.dumps`` and
    PostgreSQL's JSON reader do the same in C. Rows are inserted in the
    given order (ids from a sequence follow it, as ``bulk_create``'s do).
    """
    if not rows:
        return
    names = ", ".join(connection.ops.quote_name(name) for name, _ in columns)
    values = ", ".join(
        f"(r.v->{i})::jsonb" if kind == "jsonb" else f"(r.v->>{i})::{kind}"
        for i, (_, kind) in enumerate(columns)
    )
    cursor.execute(
        f"INSERT INTO {table} ({names}) SELECT {values}"
        " FROM json_array_elements(%s::json) WITH ORDINALITY AS r(v, n) ORDER BY r.n"
        + (f" ON CONFLICT {on_conflict}" if on_conflict else ""),
        [json.dumps(rows, ensure_ascii=False)],
    )


def insert_model_rows(
    cursor,
    model: type[models.Model],
    fields: tuple[str, ...],
    rows: Sequence[Sequence[Any]],
    *,
    on_conflict: str = "",
) -> None:
    """``insert_json_rows`` into ``model``'s table, each value cast to its field's column type."""
    insert_json_rows(
        cursor, model._meta.db_table, _columns(model, fields), rows, on_conflict=on_conflict
    )


def _columns(model: type[models.Model], fields: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    # The model says each column's name and type: nothing to keep in step by hand.
    found = [model._meta.get_field(name) for name in fields]
    return tuple((f.column, f.db_type(connection)) for f in found)  # type: ignore[union-attr]
