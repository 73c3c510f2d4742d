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

import re
from collections.abc import Mapping, Sequence
from typing import Any

from django.db.backends.utils import CursorWrapper

__all__ = ["deallocate", "execute_prepared"]

_PLACEHOLDER = re.compile(r"%s")
_NAMED = re.compile(r"%\((\w+)\)s")
_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
# Which statements each live connection holds, by name: an attribute of the
# driver's connection object, which a reconnect replaces.
_HELD = "_threadwork_prepared"


def execute_prepared(
    cursor: CursorWrapper, name: str, sql: str, params: Sequence[Any] | Mapping[str, Any]
) -> None:
    """Run ``sql`` as the prepared statement ``name`` of the cursor's connection,
    preparing it on first use there.

    ``sql`` has ``%s`` placeholders with a sequence of ``params``, or
    ``%(name)s`` ones with a mapping (a name may appear more than once), and no
    other ``%``. Each parameter's type is the one PostgreSQL infers where it is
    used: cast it in ``sql`` where that could be ambiguous.
    """
    if not _NAME.match(name):
        raise ValueError(f"not a statement name: {name!r}")
    if isinstance(params, Mapping):
        names = list(dict.fromkeys(_NAMED.findall(sql)))
        body = _NAMED.sub(lambda m: f"${names.index(m.group(1)) + 1}", sql)
        values = [params[key] for key in names]
    else:
        numbered = iter(range(1, len(params) + 1))
        body = _PLACEHOLDER.sub(lambda _: f"${next(numbered)}", sql)
        values = list(params)
    raw = cursor.db.connection
    held: set[str] | None = getattr(raw, _HELD, None)
    if held is None:
        held = set()
        setattr(raw, _HELD, held)
    if name not in held:
        cursor.execute(f"PREPARE {name} AS {body}")
        held.add(name)
    cursor.execute(f"EXECUTE {name}({', '.join(['%s'] * len(values))})", values)


def deallocate(cursor: CursorWrapper, name: str) -> None:
    """Drop the prepared statement ``name`` of the cursor's connection, if it holds it."""
    held: set[str] | None = getattr(cursor.db.connection, _HELD, None)
    if held is not None and name in held:
        cursor.execute(f"DEALLOCATE {name}")
        held.discard(name)
