# SPDX-License-Identifier: AGPL-3.0-or-later
"""Statements every page view runs, prepared once per database connection.

A client-side cursor sends each statement as text, and PostgreSQL plans it
again every time. For the message page's key (its lists, thread stamp and
review links in one statement) planning took 0.8 ms and running it 0.15 ms.
Prepared on a connection (``PREPARE``), the plan is kept for the life of the
connection (``CONN_MAX_AGE``) and replanned by PostgreSQL itself when a table
it reads changes shape. Prepared statements are the session's, not a
transaction's: a rollback leaves them.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper

__all__ = [
    "GENERIC_PLAN", "SHAPES_HELD", "deallocate", "execute_prepared", "forget_all", "jsonb",
    "name_for", "settle_plan",
]  # fmt: skip

_PLACEHOLDER = re.compile(r"%s")
_NAMED = re.compile(r"%\((\w+)\)s")
_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
# Which statements each live connection holds, by name: an attribute of the
# driver's connection object, which a reconnect replaces.
_HELD = "_threadwork_prepared"
# archive.searchresults' own record, of the search shapes it keeps prepared.
SHAPES_HELD = "_threadwork_shapes"
# What a statement run on its generic plan starts with (execute_prepared).
GENERIC_PLAN = "SET LOCAL plan_cache_mode = force_generic_plan; "


def name_for(prefix: str, sql: str) -> str:
    """A statement name for ``sql`` whose text varies (the parts a page asks for):
    ``prefix`` and a digest of the text, one name per text."""
    return f"{prefix}_{hashlib.blake2s(sql.encode(), digest_size=8).hexdigest()}"


def execute_prepared(
    cursor: CursorWrapper,
    name: str,
    sql: str,
    params: Sequence[Any] | Mapping[str, Any],
    *,
    generic: bool = False,
) -> None:
    """Run ``sql`` as the prepared statement ``name`` of the cursor's connection,
    preparing it on first use there.

    ``sql`` has ``%s`` placeholders with a sequence of ``params``, or
    ``%(name)s`` ones with a mapping (a name may appear more than once), and no
    other ``%``. Each parameter's type is the one PostgreSQL infers where it is
    used: cast it in ``sql`` where that could be ambiguous.

    With ``generic``, the statement runs on its generic plan from its first run
    on (``plan_cache_mode``, set for that run alone, in the same round trip):
    for statements whose plan no parameter value should change.
    """
    if not _NAME.match(name):
        raise ValueError(f"not a statement name: {name!r}")
    body, names = _numbered(sql, isinstance(params, Mapping))
    values = [params[key] for key in names] if isinstance(params, Mapping) else list(params)
    raw = cursor.db.connection
    held: set[str] | None = getattr(raw, _HELD, None)
    if held is None:
        held = set()
        setattr(raw, _HELD, held)
    if name not in held:
        cursor.execute(f"PREPARE {name} AS {body}")
        held.add(name)
    # PostgreSQL's grammar has no empty argument list: EXECUTE name()
    arguments = f"({', '.join(['%s'] * len(values))})" if values else ""
    execute = f"EXECUTE {name}{arguments}"
    if not generic:
        cursor.execute(execute, values or None)
        return
    # One simple query: an implicit transaction, which SET LOCAL lasts for (RESET
    # ends it early inside a transaction block); the rows are the second result.
    cursor.execute(
        f"{GENERIC_PLAN}{execute}; RESET plan_cache_mode",
        values or None,
    )
    cursor.nextset()


@lru_cache(maxsize=256)
def _numbered(sql: str, named: bool) -> tuple[str, tuple[str, ...]]:
    """``sql`` with ``$n`` placeholders, and the parameter names in their order.

    Worked out once per statement text, not on every request that runs it.
    """
    if named:
        names = tuple(dict.fromkeys(_NAMED.findall(sql)))
        return _NAMED.sub(lambda m: f"${names.index(m.group(1)) + 1}", sql), names
    numbered = iter(range(1, sql.count("%s") + 1))
    return _PLACEHOLDER.sub(lambda _: f"${next(numbered)}", sql), ()


# PostgreSQL plans a prepared statement afresh on each of its first five runs
# on a connection (custom plans) and then keeps a generic plan if it costs no
# more. For a key lookup (one row or none, whatever the key) the generic plan is
# the right one, and the custom ones are planning paid by the first visitors:
# 4-5 ms each for the patch page's eleven joins at ten times linux-rtc.
_SETTLING_RUNS = 6


def settle_plan(run: Callable[[], object]) -> None:
    """Run a key lookup's prepared statement (``run``, for a key no row has) until
    PostgreSQL keeps its generic plan: for a worker's warm-up. Not for statements
    whose best plan depends on the value (a search word's frequency)."""
    for _ in range(_SETTLING_RUNS):
        run()


def deallocate(cursor: CursorWrapper, name: str) -> None:
    """Drop the prepared statement ``name`` of the cursor's connection, if it holds it."""
    held: set[str] | None = getattr(cursor.db.connection, _HELD, None)
    if held is not None and name in held:
        cursor.execute(f"DEALLOCATE {name}")
        held.discard(name)


def forget_all(db: BaseDatabaseWrapper) -> None:
    """Drop every statement prepared on ``db``'s connection, and the records of them:
    the connection then holds what a new one does (for tests, where closing the
    connection would end the test's transaction)."""
    db.ensure_connection()
    with db.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    for held in (_HELD, SHAPES_HELD):
        db.connection.__dict__.pop(held, None)


def jsonb(value: object, default: Any = None) -> Any:
    """A jsonb column's value from a row read without the ORM, decoded.

    Django sets psycopg up to hand jsonb over as text (a ``JSONField`` decodes
    it itself), so rows of prepared statements and raw cursors carry strings;
    ``default`` stands in for SQL NULL.
    """
    if value is None:
        return default
    return json.loads(value) if isinstance(value, str) else value
