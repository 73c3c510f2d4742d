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
come with the bodies their snippets are cut from, and with the archive's
stamp the page is kept under (``browse.search_page``): a first search is one
round trip. Past the limit the same statement looks for the newest page among
the newest messages, in a window sized from how far into the archive the
counted matches reached (``archive.searchwindow``; the GIN bitmap ANDed with
the date index's). When that window does not hold the page, the newest ``WINDOWS``
messages follow (a prepared statement that reads the window's first date
itself), widening until the page fills, then all matches; a query no GIN index
answers (a date range, a list, a NOT) walks the date index instead.

Where a snippet starts is found in Python (``_window``): ``strpos`` for the
three spellings of a word cost about half the statement (PostgreSQL counts
the characters up to a match one by one, and a spelling that is absent is
looked for through the whole body), ``str.find`` a few microseconds.

The matches found, their order and the totals are those of the ORM
statements these replaced: only the reading changes.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from django.db.backends.utils import CursorWrapper

from archive import searchtier, searchwindow
from archive.bodycodec import unpack_body
from archive.dbrouting import read_connection
from archive.models import Message
from archive.prepared import SHAPES_HELD, deallocate, execute_prepared, name_for
from archive.search import Compiled, compile_query, parse_query
from archive.snippets import WINDOW_BEFORE, WINDOW_LENGTH, Highlighter, Window
from throttle.counters import TALLY_CTE, Tally, primary, purge
from throttle.limits import Gate

__all__ = ["STAMP_SQL", "WINDOWS", "Hit", "Page", "prepare_shapes", "read_page"]

# What changes whenever mail is stored (a new message, a ghost filled in, a
# cross-post each add a MessageList row, a new message a Message row): the
# highest ids of the two tables, one index probe each. ``browse.archive_stamp``
# reads it alone; a results page reads it in its first statement.
STAMP_SQL = (
    "concat_ws(':', (SELECT max(id) FROM archive_message),"
    " (SELECT max(id) FROM archive_messagelist))"
)

# Sizes (in messages, newest first) of the date windows a newest page is
# looked for in before all matches are sorted: the first holds a page of any
# word found in one message in 80, the second one in 640.
WINDOWS = (4_000, 32_000)
# The first window of the search tier's messages, in messages per match the page
# needs: the tier has more matches than the count reads, so a word found in one
# of its messages in 20 fills it.
TIER_WINDOW = 20

_NEWEST = '"epoch" DESC NULLS FIRST, "id" DESC'
# The date of the window's oldest message (its size less one as parameter): a walk
# of the date index, newest first.
_WINDOW_START = (
    'coalesce((SELECT d."date" FROM archive_message d WHERE d."date" IS NOT NULL'
    " ORDER BY d.\"date\" DESC OFFSET %s LIMIT 1), '-infinity')"
)
# A hit's date, to the microsecond, in UTC (Python's dates are years 1 to 9999, as
# every stored one: mail dates are parsed into them).
_ISO_DATE = 'to_char(h."date" AT TIME ZONE \'UTC\', \'YYYY-MM-DD"T"HH24:MI:SS.US\') AS "date"'
# Statements each connection keeps prepared (see _execute_shape).
# A word no mail holds, searched for when a worker prepares them (prepare_shapes).
_NOWHERE = "threadworkwarmupqzx"
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
class Page:
    """A page of results: the number of matches (``limit + 1`` meaning more), its hits,
    and the archive's stamp when they were read (``browse.archive_stamp``'s form);
    ``html``: the hits as a caller drew them, kept instead of them (``browse.search_page``)."""

    total: int
    hits: list[Hit]
    stamp: str
    html: str = ""
    # The count of the hit the first statement counted (``counting``); never kept.
    tally: Tally | None = None


# What a worker's warm-up counts to prepare the counting shapes (prepare_shapes).
_WARM_UP_HIT = Gate("search", "threadwork:warm-up", 1, 0, "second")


@dataclass(frozen=True)
class _Query:
    """The matches of one search in one list (or all), as SQL and its parameters;
    none at all, when ``allowed`` is set, past that count of the statement's ``tally``."""

    compiled: Compiled
    list_id: int | None
    allowed: int | None = None
    # Only the matches in (or out of) the search tier: its condition as written.
    part: str = ""

    def matches(self, column: str = "", column_params: tuple[Any, ...] = ()) -> tuple[str, list]:
        """``id`` and ``epoch`` (and ``column``) of every match."""
        where_list = ""
        params: list[Any] = [*column_params, *self.compiled.params]
        if self.list_id is not None:
            # In the row the match is read from anyway (Message.list_ids): a join to
            # the list table probed its index once per match.
            where_list = ' AND %s = ANY("archive_message"."list_ids")'
            params.append(self.list_id)
        if self.part:
            where_list += f" AND {self.part}"
        if self.allowed is not None:  # a one-time filter: over the rate, no row is read
            where_list += " AND (SELECT count FROM tally) <= %s"
            params.append(self.allowed)
        sql = (
            'SELECT "archive_message"."id", '
            f'date_part(\'epoch\', "archive_message"."date") AS "epoch"{column}'
            ' FROM "archive_message"'
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
    sort_limit: int = 0,
    counting: Gate | None = None,
) -> Page:
    """The number of matches (up to ``limit``, ``limit + 1`` meaning more) and page
    ``page`` of them; up to ``sort_limit`` matches may be read to sort a newest page
    past the count that no estimated window would find cheaply.

    With ``counting`` (the caller reads from the primary database), the first
    statement also counts that hit, and past its rate returns no page, only the
    tally (``Page.tally``).
    """
    query = _Query(compiled, list_id)
    start = (page - 1) * size
    ranked = by_relevance and compiled.rank is not None
    sort_limit = max(limit, sort_limit)
    db = read_connection(Message)
    # The search tier is read first where a GIN index answers the query and the
    # page lies within what is counted (archive.searchtier).
    tiered = not ranked and compiled.indexed and start + size <= limit + 1
    tier = searchtier.current(db) if tiered else None
    with db.cursor() as cursor:
        total, fresh, stamp, rows, tally = _first_page(
            cursor, query, tier, start, size, (limit, sort_limit), ranked, counting
        )
        if counting is not None:
            purge(cursor)
            if tally is None or counting.over(tally):
                return Page(0, [], "", tally=tally)
        if total > limit and not ranked and not rows:
            if tier is not None and fresh > limit:  # the tier holds the page
                in_tier = replace(query, part=tier.condition())
                rows = _newest_page(cursor, in_tier, start, size, WINDOWS[:1])
            elif tier is not None:
                rows = _newest_page(cursor, query, start, size, _past_tier(fresh, start + size))
            else:
                rows = _newest_page(cursor, query, start, size)
    highlighter = Highlighter(compiled.highlight)
    hits = [_hit(row, highlighter, compiled.headline_word) for row in rows]
    return Page(total, hits, f"{db.alias}:{stamp}", tally=tally)


def _past_tier(fresh: int, end: int) -> tuple[int, ...]:
    """The windows worth reading for a page past the search tier, whose ``fresh``
    matches (all of them, fewer than ``end``) say how common the word is lately.

    A window no wider than the tier holds too few. A wider one is read only if the
    word, as common as in the tier (``TARGET`` messages at least), would fill it:
    else sorting all matches costs less than the window's walk of the date index
    and its bitmap, and never misses (``b:syscon`` at ten times linux-rtc, 10 in
    the tier: the 32,000 window took 25 ms, sorting its 4,180 matches 14).
    """
    return tuple(
        w for w in WINDOWS if w > searchtier.TARGET and fresh * w >= end * searchtier.TARGET
    )


def prepare_shapes() -> None:
    """Run the common searches' statements once, for a word found nowhere, so that
    they are prepared on this connection before a visitor's first search (a worker's
    warm-up, ``archive.warmup``): a subject word, a body word and a bare word, in a
    list and in all, by date, with the date windows a common word uses, in and past
    the search tier."""
    tier = searchtier.refresh(read_connection(Message))
    for text in ("s:", "b:", ""):
        compiled = compile_query(parse_query(f"{text}{_NOWHERE}"))
        for list_id in (0, None):
            read_page(compiled, list_id, 1, False, size=50, limit=1_000)
            if read_connection(Message).alias == primary().alias:
                # The same, counting an anonymous visitor's hit (it searches nothing:
                # none is allowed); the key is no client's.
                read_page(compiled, list_id, 1, False, 50, 1_000, counting=_WARM_UP_HIT)
            if compiled.indexed:
                with read_connection(Message).cursor() as cursor:
                    _newest_page(cursor, _Query(compiled, list_id), 0, 50)
                    if tier is not None:
                        in_tier = _Query(compiled, list_id, part=tier.condition())
                        _newest_page(cursor, in_tier, 0, 50, WINDOWS[:1])


def _first_page(
    cursor: CursorWrapper,
    query: _Query,
    tier: searchtier.Tier | None,
    start: int,
    size: int,
    limits: tuple[int, int],
    ranked: bool,
    counting: Gate | None,
) -> tuple[int, int, str, list[tuple], Tally | None]:
    """The capped count, how many of the counted matches are the search tier's, the
    archive's stamp, and the page: by relevance from all matches when asked; else
    sorted from the counted matches when they are all of them, or when the tier's
    are all counted and hold the page; past the count from a window of the tier
    when the tier alone passes the count, else from the estimated window if it
    holds the page, and when that window would be too wide, sorted from up to
    ``sort_limit`` matches; else empty (``_newest_page`` follows). With
    ``counting``, also the hit's tally, and nothing read past its rate."""
    limit, sort_limit = limits
    if counting is not None:
        query = replace(query, allowed=counting.allowed)
    if ranked:
        plain, plain_params = query.matches()
        rank = query.compiled.rank
        matches, params = query.matches(f', {rank} AS "rank"', query.compiled.rank_params)
        page = (
            f'{matches} ORDER BY "rank" DESC, "archive_message"."date" DESC,'
            ' "archive_message"."id" DESC OFFSET %s LIMIT %s'
        )
        ctes = f"WITH found AS ({plain} LIMIT %s), page AS ({page}) "
        params = [*plain_params, limit + 1, *params, start, size]
        count, fresh, order = "(SELECT count(*) FROM found)", "0", f'"rank" DESC, {_NEWEST}'
    else:
        ctes, params = _newest_first(query, tier, start, size, limit, sort_limit)
        count, fresh, order = "(SELECT n FROM counted)", "(SELECT fresh FROM counted)", _NEWEST
    tally, source = "", "(SELECT) AS one"
    if counting is not None:
        ctes = f"WITH {TALLY_CTE}, {ctes.removeprefix('WITH ')}"
        params = [counting.key, counting.seconds, *params]
        tally, source = "t.count, t.seconds_left, ", "tally AS t"
    sql = (
        f"{ctes}SELECT {tally}{count}, {fresh}, {searchtier.SINCE_SQL}, {STAMP_SQL}, hit.*"
        f" FROM {source} "
        f"LEFT JOIN ({_hits_sql(query.compiled, ranked)}) AS hit ON true "
        f"ORDER BY {order}"
    )
    _execute_shape(cursor, sql, params, query.compiled.plan_free)
    rows = cursor.fetchall()
    counted = Tally(*rows[0][:2]) if counting is not None else None
    at = 2 if counting is not None else 0
    searchtier.learn(cursor.db, rows[0][at + 2])
    hits = [row[at + 4 :] for row in rows if row[at + 4] is not None]
    return rows[0][at], rows[0][at + 1], rows[0][at + 3], hits, counted


def _newest_first(
    query: _Query,
    tier: searchtier.Tier | None,
    start: int,
    size: int,
    limit: int,
    sort_limit: int,
) -> tuple[str, list]:
    """The CTEs of a newest-first page (``page``, and ``counted`` for the count) and
    their parameters.

    The matches are read once, as far as each part asks (a CTE is read as it is
    scanned): the tier's first, then the others (an ``Append`` starts its second
    part only when the first is used up), the count to ``limit + 1``, all of them
    (to ``sort_limit + 1``) only when the window would be too wide. One-time
    filters: each part is read only when its test passes, and no body is read
    for nothing.
    """
    end = start + size
    plain, plain_params = query.matches()
    row = f", {searchwindow.ROW}"
    in_tier: _Query | None = None
    if tier is None:
        found, found_params = query.matches(f'{row}, false AS "fresh"')
    else:
        in_tier = replace(query, part=tier.condition())
        newer, newer_params = in_tier.matches(f"{row}, true")
        older, older_params = replace(query, part=tier.older()).matches(f"{row}, false")
        columns = '"id", "epoch", "row", "fresh"'
        found = f"SELECT * FROM (({newer}) UNION ALL ({older})) AS m ({columns})"
        found_params = [*newer_params, *older_params]
    ctes = (
        f"WITH found AS ({found} LIMIT %s), {searchwindow.ctes('found')}, "
        "everything AS (SELECT count(*) AS n FROM found), "
        'sorted AS (SELECT "id", "epoch" FROM found WHERE (SELECT n FROM counted) <= %s'
        " OR ((SELECT w FROM estimate) > %s AND (SELECT fresh FROM counted) < %s"
        f" AND (SELECT n FROM everything) <= %s) ORDER BY {_NEWEST} OFFSET %s LIMIT %s), "
        f'recent AS ({plain} AND ("archive_message"."date" >= {searchwindow.START}'
        f' OR "archive_message"."date" IS NULL) ORDER BY {_NEWEST} OFFSET %s LIMIT %s), '
    )
    params = [
        *found_params, sort_limit + 1, limit + 1, searchwindow.COVER * end,
        limit, searchwindow.WIDEST, end, sort_limit, start, size,
        *plain_params, start, size,
    ]  # fmt: skip
    # Past the count and the tier: the estimated window of all matches.
    arms = [
        "SELECT * FROM sorted",
        "SELECT * FROM recent WHERE (SELECT n FROM counted) > %s"
        " AND (SELECT fresh FROM counted) < %s AND (SELECT w FROM estimate) <= %s"
        " AND (SELECT count(*) FROM recent) = %s",
    ]
    arm_params = [limit, end, searchwindow.WIDEST, size]
    if in_tier is not None:
        fresh, fresh_params = in_tier.matches()
        ctes += (
            # The tier's matches, all counted, hold the page: they come before all others.
            'held AS (SELECT "id", "epoch" FROM (SELECT * FROM found LIMIT %s) AS f'
            ' WHERE "fresh" AND (SELECT n FROM counted) > %s'
            " AND (SELECT fresh FROM counted) BETWEEN %s AND %s"
            f" ORDER BY {_NEWEST} OFFSET %s LIMIT %s), "
            # The tier alone passes the count: a window of its newest messages.
            f'dense AS ({fresh} AND ("archive_message"."date" >= {_WINDOW_START}'
            f' OR "archive_message"."date" IS NULL) ORDER BY {_NEWEST} OFFSET %s LIMIT %s), '
        )
        params += [limit + 1, limit, end, limit, start, size]
        params += [*fresh_params, max(TIER_WINDOW * end, 1) - 1, start, size]
        arms += [
            "SELECT * FROM held",
            "SELECT * FROM dense WHERE (SELECT fresh FROM counted) > %s"
            " AND (SELECT count(*) FROM dense) = %s",
        ]
        arm_params += [limit, size]
    ctes += f"page AS ({' UNION ALL '.join(arms)}) "
    return ctes, [*params, *arm_params]


def _execute_shape(cursor: CursorWrapper, sql: str, params: list, generic: bool) -> None:
    """Run a first-page statement prepared under a name drawn from its text.

    Searches of one shape (a word in a list, a word and a date range...)
    differ in parameters only: prepared, such a statement is planned once per
    connection instead of on every page (0.45 ms of a cold page). With
    ``generic`` (``Compiled.plan_free``: words of vectors without statistics,
    so a plan made for one word serves any other) it runs on its generic plan
    from the start: left to choose, PostgreSQL plans the first five runs for
    their values and then keeps doing so whenever those plans were estimated
    cheaper, as a rare word's are (0.8 ms of planning each time at 17k).
    The connection keeps the ``_SHAPES`` it used last.
    """
    name = name_for("threadwork_search", sql)
    raw = cursor.db.connection
    shapes: OrderedDict[str, None] | None = getattr(raw, SHAPES_HELD, None)
    if shapes is None:
        shapes = OrderedDict()
        setattr(raw, SHAPES_HELD, shapes)
    shapes[name] = None
    shapes.move_to_end(name)
    while len(shapes) > _SHAPES:
        deallocate(cursor, shapes.popitem(last=False)[0])
    execute_prepared(cursor, name, sql, params, generic=generic)


def _newest_page(
    cursor: CursorWrapper,
    query: _Query,
    start: int,
    size: int,
    windows: tuple[int, ...] = WINDOWS,
) -> list[tuple]:
    """Page ``start`` of the newest matches, when there are too many to sort them all:
    in the newest ``windows`` messages, else from all of them."""
    matches, params = query.matches()
    if not query.compiled.indexed:
        # No index finds the rows (a date range, a message id, a list, NOT a word):
        # a walk of the date index testing each row finds the newest soonest.
        ordered = f'{matches} ORDER BY "archive_message"."date" DESC, "archive_message"."id" DESC'
        return _page(cursor, query, ordered, params, start, size)
    for window in windows:
        # The window's first date is read in the statement (an archive smaller than
        # the window is all in it); its page is complete or not shown.
        recent = (
            f'{matches} AND ("archive_message"."date" >= {_WINDOW_START}'
            f' OR "archive_message"."date" IS NULL) ORDER BY {_NEWEST}'
        )
        rows = _page(cursor, query, recent, [*params, window - 1], start, size, only_full=True)
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
    params = [*params, start, size, *[size] * only_full]
    if only_full:  # a date window of indexed words: one plan serves every word and window
        _execute_shape(cursor, sql, params, query.compiled.plan_free)
    else:
        cursor.execute(sql, params)
    return cursor.fetchall()


def _hits_sql(compiled: Compiled, ranked: bool) -> str:
    """What a page shows of the messages in ``page``, with the body its snippet is cut
    from when it has one (the window is found in Python: ``_window``)."""
    # The date as ISO text in UTC, read by ``datetime.fromisoformat``: the driver's
    # loader of a timestamptz (Django's, in Python) cost 5 us a hit.
    columns = f'h."id", h."msgid", h."subject", {_ISO_DATE}, a."name", a."email"'
    # The body as stored (packed: archive.bodycodec), unpacked here.
    columns += ', h."body"' if compiled.highlight else ', NULL::bytea AS "body"'
    columns += ', page."epoch"' + (', page."rank"' if ranked else "")
    return (
        f"SELECT {columns} FROM page JOIN archive_message h ON h.id = page.id"
        " LEFT JOIN archive_person a ON a.id = h.author_id"
    )


def _hit(row: tuple, highlighter: Highlighter, word: str) -> Hit:
    _, msgid, subject, iso_date, name, email, body = row[:7]
    snippet = highlighter.snippet(_window(unpack_body(body), word)) if body is not None else ""
    date = datetime.fromisoformat(iso_date).replace(tzinfo=UTC) if iso_date else None
    return Hit(msgid, subject, date, name or email or "", snippet)


def _window(body: str, word: str) -> Window:
    """The part of ``body`` a snippet is cut from: from ``WINDOW_BEFORE`` characters
    before the first occurrence of the first word searched (as typed, capitalised or
    in capitals), else from its start."""
    first = -1
    for spelling in (word, word[:1].upper() + word[1:], word.upper()):
        # Each later spelling only where it would come first: a body holding the
        # word as typed is read once, not three times.
        end = len(body) if first < 0 else first + len(spelling) - 1
        at = body.find(spelling, 0, end)
        if at >= 0:
            first = at
    start = max(0, first - WINDOW_BEFORE)
    return Window(body[start : start + WINDOW_LENGTH], start == 0)
