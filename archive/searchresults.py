# SPDX-License-Identifier: AGPL-3.0-or-later
"""Which messages a search matches, newest first, read through the GIN indexes.

How PostgreSQL reaches the matches decides search latency. A body vector is
TOASTed (78 MB of them at 17k messages), and a plan that tests
``search @@ query`` row by row reads and decompresses the vector of every
row it passes: the planner prices ``@@`` as cheap and so picked a
sequential scan for the capped count of a common word (``b:interrupt``:
37-89 ms at 17k), and a walk of the date index filtering each row for the
newest page (up to 70 ms at ten times linux-rtc). A bitmap scan of the GIN
index answers a word without rereading any vector (only phrases and
weights are rechecked), so when every match must pass that test
(``Compiled.needs_body``) the statements here run with sequential scans
off, and none orders by a column an index could walk:

- the count (up to ``COUNT_LIMIT + 1`` matches, in any order) is one bitmap
  scan; when that is all of them, it is also the page, sorted here;
- past that, the newest page is looked for among the newest ``WINDOWS``
  messages first (the GIN index's bitmap ANDed with the date index's),
  widening until the page fills, then among all matches.

The matches found are the same whatever the plan: only the reading changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from django.db import connections, transaction
from django.db.models import F, FloatField, Q, QuerySet
from django.db.models.expressions import RawSQL

from archive.models import Message

# Sizes (in messages, newest first) of the date windows a newest page is
# looked for in before all matches are sorted: the first holds a page of any
# word found in one message in 80, the second one in 640.
WINDOWS = (4_000, 32_000)
# Dates as epoch seconds: parsing 1,000 timestamps costs 5 ms, and an
# expression no index provides keeps the planner off the date index walk.
_EPOCH = RawSQL('date_part(\'epoch\', "archive_message"."date")', (), output_field=FloatField())


@contextmanager
def through_indexes(alias: str, needed: bool = True) -> Iterator[None]:
    """Run the block's statements without sequential scans (see the module docstring).

    Only ``needed`` when each row would be tested against its body vector:
    a query matching most rows without it (``NOT s:rtc``, ``s:rtc OR b:x``)
    finds its first thousand matches faster by reading rows in order.
    """
    if not needed:
        yield
        return
    connection = connections[alias]
    outer = connection.in_atomic_block
    with transaction.atomic(using=alias), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        yield
        if outer:  # the setting must not outlive the search in a longer transaction
            cursor.execute("RESET enable_seqscan")


def some_matches(qs: QuerySet[Message], limit: int) -> list[tuple[float | None, int]]:
    """Up to ``limit`` (epoch, id) rows of matches, in no particular order."""
    return list(qs.annotate(epoch=_EPOCH).values_list("epoch", "id")[:limit])


def newest_first(rows: list[tuple[float | None, int]]) -> list[int]:
    """Ids of (epoch, id) rows as ORDER BY date DESC, id DESC sorts them (NULLs first)."""
    ordered = sorted(rows, key=lambda row: (row[0] is None, row[0] or 0.0, row[1]), reverse=True)
    return [pk for _, pk in ordered]


def newest_ids(qs: QuerySet[Message], wanted: int, needs_body: bool = True) -> list[int]:
    """The ``wanted`` newest matches' ids, newest first.

    Without ``needs_body`` (see :func:`through_indexes`) a walk of the date
    index that tests each row (a subject, an address) finds them soonest.
    """
    if not needs_body:
        return list(qs.order_by("-date", "-id").values_list("id", flat=True)[:wanted])
    for size in WINDOWS:
        cutoff = _date_of_newest(qs.db, size)
        if cutoff is None:  # fewer messages than the window: it is the whole archive
            break
        ids = _newest(qs.filter(Q(date__gte=cutoff) | Q(date=None)), wanted)
        if len(ids) == wanted:
            return ids
    return _newest(qs, wanted)


def _newest(qs: QuerySet[Message], wanted: int) -> list[int]:
    ordered = qs.annotate(epoch=_EPOCH).order_by(F("epoch").desc(nulls_first=True), "-id")
    return list(ordered.values_list("id", flat=True)[:wanted])


def _date_of_newest(alias: str, size: int) -> datetime | None:
    """The date of the ``size``-th newest message: a walk of the date index."""
    dates = Message.objects.using(alias).exclude(date=None).order_by("-date")
    found = list(dates.values_list("date", flat=True)[size - 1 : size])
    return found[0] if found else None
