# SPDX-License-Identifier: AGPL-3.0-or-later
"""How many of the newest messages a first results page past its count looks in.

A first page counts its matches only to a limit (``browse.FIRST_PAGE_COUNT_LIMIT``).
Past it, sorting every match by date to show the newest fifty would read them
all; instead the page is looked for among the newest messages, where a common
word has its newest fifty matches. How many newest messages to look in depends
on how common the word is, and the count has just measured that, for free:

- The count reads the matches through the GIN index's bitmap, and a bitmap
  heap scan visits the table's blocks in order. When it stops at the limit,
  the block of the last match it counted says how much of the table held
  those matches: ``n`` matches in ``last + 1`` blocks.
- ``pg_class`` says how many rows a block holds on average (``reltuples /
  relpages``), so those blocks held about ``(last + 1) * reltuples / relpages``
  messages, one match in every ``that / n``.
- A window expected to hold ``COVER`` times the matches a page needs is then
  ``COVER * wanted * (last + 1) * reltuples / (relpages * n)`` messages.

The block of a row is not a column: it is the first half of its ``ctid``, a
``tid`` such as ``(12,7)``. PostgreSQL has no function for it, but a tid's text
reads as a ``point``, and a point's ``[0]`` is its first number; the
conversions are done once, for the largest tid counted (tids order by block,
then line). Message ids were tried first and made windows about ten times
too wide: updates (migrations, ``reparse``) leave rows out of id order, and a
block number is where the row is, whatever its id.

The estimate only decides where to look first: a window too small (a word
common only in old mail, a table whose statistics lag) finds fewer matches
than the page needs, and the caller then looks in wider windows
(``searchresults.WINDOWS``), with the same page in the end. Windows wider than
``WIDEST`` are not tried (reading and sorting up to the sort limit's matches
costs less than such a window's walk of the date index).
"""

from __future__ import annotations

__all__ = ["COVER", "ROW", "START", "WIDEST", "ctes"]

# How many times the matches a page needs the window is expected to hold.
COVER = 4
# The widest estimated window tried, in messages.
WIDEST = 8_000
# The column each match carries for the estimate (its place in the table).
ROW = '"archive_message".ctid AS "row"'

_WINDOW = (
    "greatest(ceil(%s * (c.last + 1) * greatest(t.reltuples, 0)"
    " / (greatest(t.relpages, 1) * greatest(c.old, 1))), 1)::bigint"
)

# The date of the window's oldest message: a walk of the date index, newest
# first, to the window's size (an archive smaller than the window is all in it).
START = (
    'coalesce((SELECT d."date" FROM archive_message d WHERE d."date" IS NOT NULL'
    " ORDER BY d.\"date\" DESC OFFSET (SELECT w - 1 FROM estimate) LIMIT 1), '-infinity')"
)


def ctes(found: str) -> str:
    """Two CTEs over ``found`` (the matches, each with ``ROW`` and ``fresh``: those of
    the search tier, ``archive.searchtier``, first, then the others in the order a
    scan of the table reads them): ``counted`` (``n``, how many of its first rows
    were counted; ``fresh``, how many of those were the tier's; ``old``, the others,
    and ``last``, the block of the last of those) and ``estimate`` (``w``, how many
    of the newest messages should hold the page). The tier's matches sit in blocks
    all over the table, so only the others' say how far a scan reached.

    Their parameters, in order: how many rows to count (the count limit plus one),
    and how many matches the window should hold (``COVER`` times the matches the
    page needs: its offset plus its size).
    """
    return (
        'counted AS (SELECT count(*) AS n, count(*) FILTER (WHERE "fresh") AS fresh,'
        ' count(*) FILTER (WHERE NOT "fresh") AS old,'
        ' (max("row") FILTER (WHERE NOT "fresh")::text::point)[0] AS last'
        f' FROM (SELECT "row", "fresh" FROM {found} LIMIT %s) AS f), '
        f"estimate AS (SELECT {_WINDOW} AS w FROM counted c, pg_class t"
        " WHERE t.oid = 'archive_message'::regclass)"
    )
