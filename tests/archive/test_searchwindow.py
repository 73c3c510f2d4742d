"""The estimated window of a first results page past its count (archive.searchwindow),
checked alone against PostgreSQL: the block a row's ctid names, where the count's
scan stopped, and the window worked out from pg_class."""

from __future__ import annotations

import math
import random

import pytest
from django.db import connection

from archive import searchresults, searchwindow
from archive.browse import compile_text
from archive.models import Message

WORD = "okapi"
EVERY = 3  # one message in EVERY holds the word


def _mail(n: int, rng: random.Random) -> str:
    # About 1.5 kB of words that do not compress: a few messages to a block.
    filler = " ".join("".join(rng.choices("bcdfghjklmnpqrstvwxz", k=7)) for _ in range(190))
    word = f" {WORD}" if n % EVERY == 0 else ""
    return (
        f"From x@y Mon Jan  1 00:00:00 2024\nFrom: Ann <ann@example.org>\n"
        f"To: srch@lists.example.org\nSubject: note {n}\nMessage-ID: <note-{n}@example.org>\n"
        f"Date: Mon, 01 Jan 2024 {n // 60:02d}:{n % 60:02d}:00 +0000\n"
        f"List-Id: <srch.lists.example.org>\n\n{filler}{word}\n\n"
    )


@pytest.fixture
def spread(ingest_file, tmp_path) -> int:
    """90 messages over many of the table's blocks; the table analysed. Returns its blocks."""
    rng = random.Random(7)
    with connection.cursor() as cursor:
        # A table file of the fixture's rows alone, in the order they were stored:
        # rows an earlier test rolled back leave dead space where new rows may land,
        # and the estimate takes the table's rows as spread evenly over its blocks.
        # TRUNCATE is transactional: the test's rollback gives the old file back.
        cursor.execute("TRUNCATE archive_message CASCADE")
    mbox = tmp_path / "notes.mbox"
    mbox.write_text("".join(_mail(n, rng) for n in range(90)))
    assert ingest_file(mbox).new == 90
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE archive_message")
        cursor.execute("SELECT relpages FROM pg_class WHERE oid = 'archive_message'::regclass")
        pages = cursor.fetchone()[0]
    assert pages >= 8, "the messages must spread over blocks for the test to mean anything"
    return pages


def _estimate(query: str, count: int, wanted: int) -> tuple[int, int | None, int]:
    """(n, last, w) of the two CTEs over the matches of ``query`` as the page reads them."""
    found, params = searchresults._Query(compile_text(query), None).matches(
        f', {searchwindow.ROW}, false AS "fresh"'
    )
    # As the page's statement reads them (searchresults._first_page): up to the
    # sort limit, of which the count reads the first ``count``.
    sql = (
        f"WITH found AS ({found} LIMIT 1001), {searchwindow.ctes('found')} "
        "SELECT c.n, c.last, e.w FROM counted c, estimate e"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, count, wanted])
        n, last, w = cursor.fetchone()
        cursor.execute(f"EXPLAIN {sql}", [*params, count, wanted])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # Either scan reads the table's blocks in order (a table this small may be
    # read whole; at scale the body words are read through the GIN bitmap).
    assert "Bitmap Heap Scan on archive_message" in plan or "Seq Scan on archive_message" in plan
    return n, None if last is None else int(last), w


def _blocks_of_matches(query: str) -> list[tuple[int, int]]:
    """Every match's (block, line), read from its tid's text, in table order."""
    found, params = searchresults._Query(compile_text(query), None).matches(f", {searchwindow.ROW}")
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "row"::text FROM ({found}) AS f ORDER BY "row"', params)
        tids = [row[0].strip("()").split(",") for row in cursor.fetchall()]
    # Sorted here, as numbers: the SQL's order may follow the tid's text, where
    # block 100 comes before block 81.
    return sorted((int(block), int(line)) for block, line in tids)


def test_a_tid_read_as_a_point_gives_its_block(db) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ('(12,7)'::tid::text::point)[0], ('(4294967294,65535)'::tid::text::point)[0]"
        )
        assert cursor.fetchone() == (12, 4294967294)


@pytest.mark.parametrize("count", [1, 5, 12, 1000])
def test_the_count_stops_at_the_block_of_its_last_match(spread: int, count: int) -> None:
    """The count reads the matches in table order: the block it names is that of
    the last match counted, in ctid order (all of them when fewer)."""
    matches = _blocks_of_matches(f"b:{WORD}")
    assert len(matches) == 90 // EVERY
    n, last, _ = _estimate(f"b:{WORD}", count, 8)
    assert n == min(count, len(matches))
    assert last == matches[n - 1][0], (n, last, matches)


@pytest.mark.parametrize(("count", "wanted"), [(5, 8), (12, 8), (12, 40), (1000, 4)])
def test_the_window_is_the_counted_share_of_the_table_scaled_to_the_page(
    spread: int, count: int, wanted: int
) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples, relpages FROM pg_class WHERE oid = 'archive_message'::regclass"
        )
        rows, pages = cursor.fetchone()
    n, last, w = _estimate(f"b:{WORD}", count, wanted)
    assert last is not None
    assert w == max(math.ceil(wanted * (last + 1) * rows / (pages * n)), 1)
    if n == 90 // EVERY:
        # Every match counted, to about the table's last block: one message in
        # EVERY holds the word, so ``wanted`` matches are about EVERY times as many
        # messages (a few rows of other tables' updates aside).
        assert wanted * EVERY * 0.7 <= w <= wanted * EVERY * 1.3


def test_the_newest_messages_of_the_window_hold_the_page(spread: int) -> None:
    """With COVER, the window holds at least the matches the page needs."""
    size = 4
    _, _, w = _estimate(f"b:{WORD}", 5, searchwindow.COVER * size)
    newest = Message.objects.real().order_by("-date").values_list("body", flat=True)[:w]
    assert sum(1 for body in newest if f" {WORD}" in body) >= size


def test_no_match_gives_the_smallest_window(spread: int) -> None:
    assert _estimate("b:nowheretobefound", 5, 8) == (0, None, 1)
