# SPDX-License-Identifier: AGPL-3.0-or-later
"""One page of search results, newest first or best first, in written-out statements.

How PostgreSQL reaches the matches decides search latency. A body vector is
TOASTed (78 MB of them at 17k messages), and a plan that tests
``search @@ query`` row by row reads and decompresses the vector of every
row it passes, a cost the planner does not count: it prices ``@@`` as one
cheap operator. With statistics of the body vector's words it chose such
plans for any common word (a sequential scan for the capped count of
``b:interrupt``, 37-89 ms at 17k; a walk of the primary key under a list's
join, 84-160 ms), and turning sequential scans off only took the first away.
The body vector therefore has no statistics (archive migration 0016): the
planner takes every body word as rare, and for a rare word its own costs
prefer the GIN index's bitmap, which answers a word without reading any
vector (only phrases and weights are rechecked). That bitmap is the right
plan at every frequency here, since the alternative decompresses vectors.

A page is one statement in the common case (``first_page``): up to
``limit + 1`` matches in any order (one bitmap scan) give the count, and when
that is all of them they are also sorted into the page, and the page's hits
come with their snippet windows. Past the limit the newest page is looked
for among the newest ``WINDOWS`` messages first (the GIN bitmap ANDed with
the date index's), widening until the page fills, then among all matches;
a query not bound to the body vector walks the date index instead.

The matches found, their order and the totals are those of the ORM
statements these replaced: only the reading changes.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.backends.utils import CursorWrapper

from archive.dbrouting import read_connection
from archive.models import Message
from archive.prepared import deallocate, execute_prepared
from archive.search import Compiled
from archive.snippets import WINDOW_BEFORE, WINDOW_LENGTH, Highlighter, Window

__all__ = ["WINDOWS", "Hit", "read_page"]

# Sizes (in messages, newest first) of the date windows a newest page is
# looked for in before all matches are sorted: the first holds a page of any
# word found in one message in 80, the second one in 640.
WINDOWS = (4_000, 32_000)

_NEWEST = '"epoch" DESC NULLS FIRST, "id" DESC'
# First-page statements each connection keeps prepared (see _execute_shape).
_SHAPES = 32


@dataclass(frozen=True)
class Hit:
    """One result as the page lists it."""

    msgid: str
    subject: str
    date: datetime | None
    author: str  # the sender's name, else address; "" when unknown
    snippet: str  # marked (archive.snippets); "" without full-text terms


@dataclass(frozen=True)
class _Query:
    """The matches of one search in one list (or all), as SQL and its parameters."""

    compiled: Compiled
    list_id: int | None

    def matches(self, column: str = "", column_params: tuple[Any, ...] = ()) -> tuple[str, list]:
        """``id`` and ``epoch`` (and ``column``) of every match, as the ORM wrote it."""
        join = where_list = ""
        params: list[Any] = [*column_params, *self.compiled.params]
        if self.list_id is not None:
            join = (
                ' INNER JOIN "archive_messagelist" '
                'ON "archive_message"."id" = "archive_messagelist"."message_id"'
            )
            where_list = ' AND "archive_messagelist"."mailing_list_id" = %s'
            params.append(self.list_id)
        sql = (
            'SELECT "archive_message"."id", '
            f'date_part(\'epoch\', "archive_message"."date") AS "epoch"{column}'
            f' FROM "archive_message"{join}'
            f' WHERE NOT "archive_message"."is_ghost" AND {self.compiled.where}{where_list}'
        )
        return sql, params


def read_page(
    compiled: Compiled,
    list_id: int | None,
    page: int,
    by_relevance: bool,
    size: int,
    limit: int,
) -> tuple[int, list[Hit]]:
    """The number of matches (``limit + 1`` meaning more) and page ``page`` of them."""
    query = _Query(compiled, list_id)
    start = (page - 1) * size
    ranked = by_relevance and compiled.rank is not None
    with read_connection(Message).cursor() as cursor:
        total, rows = _first_page(cursor, query, start, size, limit, ranked)
        if total > limit and not ranked:
            rows = _newest_page(cursor, query, start, size)
    highlighter = Highlighter(compiled.highlight)
    return total, [_hit(row, highlighter) for row in rows]


def _first_page(
    cursor: CursorWrapper, query: _Query, start: int, size: int, limit: int, ranked: bool
) -> tuple[int, list[tuple]]:
    """The capped count, and the page: from the counted matches when they are all of
    them, by relevance from all matches when asked (else empty past the count)."""
    found, found_params = query.matches()
    if ranked:
        rank = query.compiled.rank
        matches, params = query.matches(f', {rank} AS "rank"', query.compiled.rank_params)
        page = (
            f'{matches} ORDER BY "rank" DESC, "archive_message"."date" DESC,'
            ' "archive_message"."id" DESC OFFSET %s LIMIT %s'
        )
        page_params, order, gate = [*params, start, size], f'"rank" DESC, {_NEWEST}', ""
    else:
        page = f'SELECT "id", "epoch" FROM found ORDER BY {_NEWEST} OFFSET %s LIMIT %s'
        # A one-time test: past the limit these are not the newest, and no window is cut.
        gate = " WHERE (SELECT count(*) FROM found) <= %s OFFSET 0"  # OFFSET: kept apart
        page_params, order = [start, size], _NEWEST
    sql = (
        f"WITH found AS ({found} LIMIT %s), page AS ({page}) "
        "SELECT (SELECT count(*) FROM found), hit.* FROM (SELECT) AS one "
        f"LEFT JOIN ({_hits_sql(query.compiled, ranked)}{gate}) AS hit ON true "
        f"ORDER BY {order}"
    )
    window = _window_params(query.compiled)
    params = [*found_params, limit + 1, *page_params, *window, *([limit] * bool(gate))]
    _execute_shape(cursor, sql, params)
    rows = cursor.fetchall()
    return rows[0][0], [row[1:] for row in rows if row[1] is not None]


def _execute_shape(cursor: CursorWrapper, sql: str, params: list) -> None:
    """Run a first-page statement prepared under a name drawn from its text.

    Searches of one shape (a word in a list, a word and a date range...)
    differ in parameters only: prepared, such a statement is planned once per
    connection instead of on every page (0.45 ms of a cold page). The body
    vector has no statistics, so a plan made for one word serves any other.
    The connection keeps the ``_SHAPES`` it used last.
    """
    name = "threadwork_search_" + hashlib.blake2s(sql.encode(), digest_size=8).hexdigest()
    raw = cursor.db.connection
    shapes: OrderedDict[str, None] | None = getattr(raw, "_threadwork_shapes", None)
    if shapes is None:
        shapes = OrderedDict()
        raw._threadwork_shapes = shapes
    shapes[name] = None
    shapes.move_to_end(name)
    while len(shapes) > _SHAPES:
        deallocate(cursor, shapes.popitem(last=False)[0])
    execute_prepared(cursor, name, sql, params)


def _newest_page(cursor: CursorWrapper, query: _Query, start: int, size: int) -> list[tuple]:
    """Page ``start`` of the newest matches, when there are too many to sort them all."""
    matches, params = query.matches()
    if not query.compiled.needs_body:
        # A walk of the date index testing each row (a subject, an address) finds them soonest.
        ordered = f'{matches} ORDER BY "archive_message"."date" DESC, "archive_message"."id" DESC'
        return _page(cursor, query, ordered, params, start, size)
    for window in WINDOWS:
        cutoff = _date_of_newest(cursor, window)
        if cutoff is None:  # fewer messages than the window: it is the whole archive
            break
        recent = (
            f'{matches} AND ("archive_message"."date" >= %s OR "archive_message"."date" IS NULL)'
            f" ORDER BY {_NEWEST}"
        )
        rows = _page(cursor, query, recent, [*params, cutoff], start, size, only_full=True)
        if len(rows) == size:
            return rows
    return _page(cursor, query, f"{matches} ORDER BY {_NEWEST}", params, start, size)


def _page(
    cursor: CursorWrapper,
    query: _Query,
    ordered: str,
    params: list,
    start: int,
    size: int,
    only_full: bool = False,
) -> list[tuple]:
    """The hits of rows ``start`` to ``start + size`` of ``ordered``; none unless
    they are ``size`` rows when ``only_full`` (snippets are not cut for nothing)."""
    gate = " WHERE (SELECT count(*) FROM page) = %s" if only_full else ""
    sql = (
        f"WITH page AS ({ordered} OFFSET %s LIMIT %s) "
        f"SELECT * FROM ({_hits_sql(query.compiled, False)}{gate}) AS hit ORDER BY {_NEWEST}"
    )
    window = _window_params(query.compiled)
    cursor.execute(sql, [*params, start, size, *window, *[size] * only_full])
    return cursor.fetchall()


def _hits_sql(compiled: Compiled, ranked: bool) -> str:
    """What a page shows of the messages in ``page``, with the window of the body its
    snippet is cut from: around the first occurrence of the first word searched, as
    typed, capitalised or in capitals (the body is decompressed once, in ``b``)."""
    columns = 'h."id", h."msgid", h."subject", h."date", a."name", a."email"'
    if compiled.highlight:
        columns += f', substr(t.b, f.s, {WINDOW_LENGTH}) AS "window", f.s = 1 AS "at_start"'
        windows = (
            " CROSS JOIN LATERAL (SELECT h.body || '' AS b OFFSET 0) AS t"
            " CROSS JOIN LATERAL (SELECT greatest(1, coalesce(least("
            "nullif(strpos(t.b, %s), 0), nullif(strpos(t.b, %s), 0), nullif(strpos(t.b, %s), 0)"
            f"), 1) - {WINDOW_BEFORE}) AS s) AS f"
        )
    else:
        columns += ', NULL::text AS "window", false AS "at_start"'
        windows = ""
    columns += ', page."epoch"' + (', page."rank"' if ranked else "")
    return (
        f"SELECT {columns} FROM page JOIN archive_message h ON h.id = page.id"
        f" LEFT JOIN archive_person a ON a.id = h.author_id{windows}"
    )


def _window_params(compiled: Compiled) -> list[str]:
    if not compiled.highlight:
        return []
    word = compiled.headline_word
    return [word, word[:1].upper() + word[1:], word.upper()]


def _date_of_newest(cursor: CursorWrapper, size: int) -> datetime | None:
    """The date of the ``size``-th newest message: a walk of the date index."""
    cursor.execute(
        'SELECT "date" FROM archive_message WHERE "date" IS NOT NULL'
        ' ORDER BY "date" DESC OFFSET %s LIMIT 1',
        [size - 1],
    )
    row = cursor.fetchone()
    return row[0] if row else None


def _hit(row: tuple, highlighter: Highlighter) -> Hit:
    _, msgid, subject, date, name, email, window, at_start = row[:8]
    snippet = highlighter.snippet(Window(window, at_start)) if window is not None else ""
    return Hit(msgid, subject, date, name or email or "", snippet)
