"""Growth: load linux-rtc N times (default 10) and measure pages again at that size.

Each copy gets its own Message-IDs (``<abc@host>`` becomes ``<abc.g3@host>``
in copy 3), rewritten consistently in Message-ID, In-Reply-To and References,
so a copy threads, joins series and supersedes like the original, but never
with another copy. The list stays the same: the point is one project ten times
bigger, whose page cost must not grow with it.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from archive.sources import RawMail, iter_source

GROWTH_DB = "threadwork_growth"
DEFAULT_COPIES = 10

# The header block ends at the first empty line; bodies (quoted headers in
# forwarded mail, Link: trailers) are never touched.
_HEADER_END = re.compile(rb"\r?\n\r?\n")
# The three fields the parser reads ids from, folded continuation lines included.
_ID_FIELD = re.compile(
    rb"^(?:message-id|in-reply-to|references)[ \t]*:(.*(?:\r?\n[ \t].*)*)", re.I | re.M
)
# Loose on purpose (spaces allowed, as in parsing's fallback): whatever the
# parser may read as an id inside <> gets the same tag in every field.
_BRACKETED = re.compile(rb"<([^<>]+)>")


def copies_from_env() -> int:
    """BENCH_GROWTH: how many copies to load; 0 skips the growth part."""
    value = os.environ.get("BENCH_GROWTH", "").strip()
    return int(value) if value else DEFAULT_COPIES


def tag_id(msgid: bytes, copy: int) -> bytes:
    """``abc@host`` -> ``abc.g<copy>@host``: the domain is kept, the tag ends the local part.

    Since every id of copy k ends its local part with ``.gk``, no id of one
    copy can equal an id of another.
    """
    local, at, domain = msgid.rpartition(b"@")
    tag = b".g%d" % copy
    return local + tag + at + domain if at else msgid + tag


def _tag_field(match: re.Match[bytes], copy: int) -> bytes:
    field, value = match.group(0), match.group(1)
    name = field[: len(field) - len(value)]
    if b"<" in value:
        return name + _BRACKETED.sub(lambda m: b"<" + tag_id(m.group(1), copy) + b">", value)
    # A bare id (no angle brackets), which the parser also accepts.
    stripped = value.strip()
    if not stripped:
        return field
    start = value.index(stripped)
    return name + value[:start] + tag_id(stripped, copy) + value[start + len(stripped) :]


def rewrite_message_ids(data: bytes, copy: int) -> bytes:
    """Tag every Message-ID in the header block of one raw message for ``copy``."""
    end = _HEADER_END.search(data)
    split = end.start() if end else len(data)
    head, body = data[:split], data[split:]
    head = _ID_FIELD.sub(lambda m: _tag_field(m, copy), head)
    if not re.search(rb"^message-id[ \t]*:", head, re.I | re.M):
        # No Message-ID: the parser derives one from the raw bytes, so the
        # bytes must differ per copy or every copy would be a duplicate.
        head = b"X-Threadwork-Growth-Copy: %d\n" % copy + head
    return head + body


def iter_copies(source: str, copies: int) -> Iterator[RawMail]:
    """Stream ``source`` ``copies`` times, each copy with its own Message-IDs."""
    for copy in range(copies):
        for mail in iter_source(source):
            yield RawMail(rewrite_message_ids(mail.data, copy), f"{mail.origin} copy {copy}")


class _CopyClock:
    """Ingest rate of the first and the last copy, from ``ingest``'s per-batch callback.

    A copy's rate is its mail over the time from when the archive held the
    copies before it to when it held this one too, so each mark counts mail
    stored (new, duplicate or quarantined), not mail read. The callback runs
    when the parent hands a batch to the writers, up to three batches (two
    writing, one waiting) ahead of what is stored: counted by mail read, the
    first copy was credited with batches not yet stored and the last charged
    with the copy before's (#21: one ten-copy run, first and last copy, 292
    and 102 msg/s counted by mail read, 247 and 126 by mail stored;
    docs/performance.md "Ingest growth: whole tables read for one batch").
    The first copy is timed from the first mark after any mail was stored,
    as every later copy starts with the pipeline full: what an import does
    once at its start (workers starting, the raw mail dictionary trained,
    the first batches parsed before any is written) is not the archive's
    growth, and charged to the first copy alone it would flatter the slope.
    """

    def __init__(self, per_copy: int, copies: int) -> None:
        self.per_copy, self.copies = per_copy, copies
        self.start = time.perf_counter()
        self.marks: list[tuple[int, float]] = [(0, 0.0)]

    def __call__(self, summary: Any) -> None:
        with summary.lock:  # the writers add up a batch under it
            stored = summary.new + summary.duplicate + summary.quarantined
        self.marks.append((stored, time.perf_counter() - self.start))

    def rate_between(self, first: int, last: int) -> float:
        inside = [(n, t) for n, t in self.marks if first <= n <= last]
        if len(inside) < 2:
            return 0.0
        (n0, t0), (n1, t1) = inside[0], inside[-1]
        return (n1 - n0) / (t1 - t0) if t1 > t0 else 0.0

    def rates(self, total: int, seconds: float) -> dict[str, float]:
        self.marks.append((total, seconds))
        last_start = self.per_copy * (self.copies - 1)
        return {
            "first copy msg/s": self.rate_between(1, self.per_copy),
            "last copy msg/s": self.rate_between(last_start, total),
        }


# Whether copies leaked into each other: a series holding mail of two copies,
# or a revision linked to a series of another copy. Message-IDs cannot prevent
# it all: series placement by markers and revision links go by submitter, title
# and date, which the copies share.
_LEAKS_SQL = r"""
WITH member AS (
    SELECT series_id, message_id FROM reviews_patch WHERE series_id IS NOT NULL
    UNION ALL
    SELECT series_id, message_id FROM reviews_cover WHERE series_id IS NOT NULL
), copy AS (
    SELECT mb.series_id, min(c.n) AS lo, max(c.n) AS hi
    FROM member mb JOIN archive_message m ON m.id = mb.message_id,
        LATERAL (SELECT substring(m.msgid from '\.g(\d+)(?:@[^@]*)?$') AS n) c
    GROUP BY mb.series_id
)
SELECT
    (SELECT count(*) FROM copy WHERE lo IS DISTINCT FROM hi),
    (SELECT count(*) FROM reviews_series s JOIN copy a ON a.series_id = s.id
        JOIN copy b ON b.series_id = s.previous_id WHERE a.lo IS DISTINCT FROM b.lo)
"""


def copy_leaks() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(_LEAKS_SQL)
        mixed, crossed = cursor.fetchone()
    return {"series mixing copies": mixed, "revision links across copies": crossed}


def run(source: str, copies: int) -> dict[str, Any]:
    """Ingest ``copies`` copies of ``source`` into the configured (empty) database, then
    measure pages. Django must already be set up on that database and migrated."""
    from django.db import connection

    from archive.ingest import ingest
    from tests.bench import pages, report

    per_copy = sum(1 for _ in iter_source(source))
    clock = _CopyClock(per_copy, copies)
    summary = ingest(iter_copies(source, copies), progress_stream=sys.stderr, on_batch=clock)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # as the 17k part does: measure a settled archive
    return {
        "copies": copies,
        "ingest": {
            "messages": summary.read,
            "seconds": summary.seconds,
            "msg/s": summary.rate,
            # The last copy's rate is its mail's: the import's one-off end (its
            # search indexes merged, or rebuilt when it wrote most of the
            # archive) is reported on its own line, not charged to that copy.
            **clock.rates(summary.read, summary.seconds - summary.settle_seconds),
            "settle seconds": summary.settle_seconds,
            "line": summary.line(),
        },
        # The mbox read N times (each copy's Message-IDs a few bytes longer).
        "counts": report.archive_counts(copies * report.mbox_size(Path(source))),
        "leaks": copy_leaks(),
        "pages": pages.measure(),
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
