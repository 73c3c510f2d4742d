"""The ingest pipeline: sources -> parallel parsing workers -> batched stores.

Parsing is CPU-bound and pure, so it runs in worker processes (one per
core); the parent keeps the raw bytes, collects results in input order, and
writes them a batch at a time through :func:`archive.services.store_batch`.
"""

from __future__ import annotations

import gc
import hashlib
import multiprocessing
import multiprocessing.pool
import os
import queue
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any, TextIO

from django.conf import settings
from django.db import OperationalError, connection

from archive import indexdeferral, processors, rawdicts, searchtier, services, tablestats
from archive.dberrors import CONNECTION_ERRORS
from archive.incoming import IncomingMessage, Prepared
from archive.models import QuarantineReason
from archive.parsing import ParsedMessage, UnparseableMessage, parse_message
from archive.sources import OVERSIZE_KEPT_BYTES, RawMail

CHUNK = 64  # messages per worker task: enough to amortise pickling
BATCH = 1000  # messages per store transaction
READ_AHEAD_CHUNKS = 3 * BATCH // CHUNK + 4
# Python's cyclic garbage collector looks at its young objects every 700 new
# ones by default. An import makes millions (each parse outcome unpickled in
# the parent, the writers' rows and query results), and the collections they
# triggered, each also walking the older objects now and then, took about
# 3 of the parent's 15 CPU-s at 17k (#21, docs/performance.md): the parent
# is what every batch waits for. While an import runs, the young generation
# holds this many (the forked parse workers inherit it); restored after.
GC_YOUNG = 10_000


@dataclass
class IngestSummary:
    read: int = 0
    new: int = 0
    duplicate: int = 0
    quarantined: int = 0
    # Of the new: stored under a Message-ID derived from their content, because
    # other mail came first with theirs (archive.incoming).
    renamed: int = 0
    seconds: float = 0.0
    # Of ``seconds``: the search indexes merged or rebuilt once the mail was in.
    settle_seconds: float = 0.0
    reasons: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def rate(self) -> float:
        return self.read / self.seconds if self.seconds else 0.0

    def line(self) -> str:
        line = (
            f"{self.read} read, {self.new} new, {self.duplicate} duplicate, "
            f"{self.quarantined} quarantined in {self.seconds:.1f} s ({self.rate:.0f} msg/s)"
        )
        if self.renamed:
            line += f"; {self.renamed} new kept under a new Message-ID (other mail had theirs)"
        return line


class DatabaseUnavailable(OperationalError):
    """The database stopped answering mid-ingest; ``summary`` counts what was committed.

    An ``OperationalError`` still, so callers that retry on database errors
    (``archive.watch``) keep doing so.
    """

    def __init__(self, summary: IngestSummary, cause: BaseException) -> None:
        lines = str(cause).strip().splitlines()
        self.summary, self.reason = summary, (lines[0] if lines else type(cause).__name__)[:300]
        super().__init__(self.reason)


@dataclass(frozen=True)
class _Outcome:
    parsed: ParsedMessage | None
    analysis: dict[str, Any]
    error: str
    # What the writer would otherwise make on its one thread (archive.incoming).
    prepared: Prepared | None = None


def analyse_raw(raw: bytes) -> _Outcome:
    """Parse one message and run the processors' pure analysis. Never raises."""
    try:
        parsed = parse_message(raw)
    except UnparseableMessage as exc:
        return _Outcome(None, {}, str(exc))
    except Exception as exc:  # a parser bug must not cost us the mail
        return _Outcome(None, {}, f"parser failure: {exc!r}"[:500])
    try:
        analysis = processors.analyze(parsed)
        extra = processors.search_terms(analysis)
    except Exception as exc:
        return _Outcome(parsed, {}, f"analysis failure: {exc!r}"[:500])
    if extra - set(parsed.search_terms):
        parsed = replace(parsed, search_terms=tuple(sorted(set(parsed.search_terms) | extra)))
    return _Outcome(parsed, analysis, "")


def _prepared(outcome: _Outcome, raw: bytes) -> _Outcome:
    """``outcome`` with what storing it needs made here, off the writer's thread."""
    if outcome.parsed is None:
        return outcome
    try:
        prepared = Prepared.of(outcome.parsed, raw)
    except Exception:  # the writer makes it again, and stores or quarantines the mail
        return outcome
    return replace(outcome, parsed=outcome.parsed.for_writer(), prepared=prepared)


# What the parsing workers get for mail over the size limit: it is never parsed.
_TOO_LARGE = _Outcome(None, {}, "over the size limit")


def _analyse_chunk(chunk: list[bytes | None]) -> list[_Outcome]:
    return [_TOO_LARGE if raw is None else _prepared(analyse_raw(raw), raw) for raw in chunk]


def _to_parse(chunk: list[RawMail]) -> list[bytes | None]:
    """The bytes of each mail for the parsers, None for mail too large to store."""
    limit = settings.THREADWORK_MAX_MESSAGE_BYTES
    return [None if _size(mail) > limit else mail.data for mail in chunk]


def _size(mail: RawMail) -> int:
    return len(mail.data) + mail.omitted


def _chunks(mails: Iterable[RawMail], size: int) -> Iterator[list[RawMail]]:
    chunk: list[RawMail] = []
    for mail in mails:
        chunk.append(mail)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class _Pool(multiprocessing.pool.Pool):
    """multiprocessing's pool without its worker handler's busy wait.

    That thread only replaces workers that exit, but it also waits on the
    results pipe, which stays readable until the result thread has read each
    result: while a chunk's outcomes (a megabyte or more) came through, it
    woke and looped, 1.4-1.5 CPU-s of the parent at 17k under the one GIL
    the writers need (#21, docs/performance.md). Workers that exit and changes
    to the pool still wake it (their sentinels, the change notifier), as in
    multiprocessing's own ThreadPool.
    """

    def _get_sentinels(self) -> list:
        return [self._change_notifier._reader]  # type: ignore[attr-defined]


def _start_pool(workers: int) -> _Pool:
    # fork: workers inherit configured Django settings; they never touch the
    # database. Fork before any other thread exists, and without a connection.
    connection.close()
    return _Pool(workers, context=multiprocessing.get_context("fork"))


def _parallel(
    chunks: Iterator[list[RawMail]], pool
) -> Generator[tuple[RawMail, _Outcome], None, None]:
    with pool:
        pending: deque = deque()
        for chunk in chunks:
            pending.append((chunk, pool.apply_async(_analyse_chunk, (_to_parse(chunk),))))
            # Read ahead about two store batches, so workers keep parsing while the
            # parent writes a batch; the bound keeps memory flat on huge sources.
            if len(pending) >= READ_AHEAD_CHUNKS:
                done_chunk, result = pending.popleft()
                yield from zip(done_chunk, result.get(), strict=True)
        while pending:
            done_chunk, result = pending.popleft()
            yield from zip(done_chunk, result.get(), strict=True)


def _serial(chunks: Iterator[list[RawMail]]) -> Generator[tuple[RawMail, _Outcome], None, None]:
    for chunk in chunks:
        yield from zip(chunk, _analyse_chunk(_to_parse(chunk)), strict=True)


class Progress:
    """A one-line progress display on a terminal; silent otherwise."""

    def __init__(self, stream: TextIO | None, total: int | None) -> None:
        self.stream = stream if stream is not None and stream.isatty() else None
        self.total, self.start, self.last = total, time.monotonic(), 0.0

    def update(self, done: int, force: bool = False) -> None:
        now = time.monotonic()
        if self.stream is None or (not force and now - self.last < 0.5):
            return
        self.last = now
        rate = done / max(now - self.start, 1e-6)
        text = f"\r{done} messages, {rate:.0f} msg/s"
        if self.total:
            eta = max(self.total - done, 0) / rate if rate else 0
            text += f", {100 * min(done / self.total, 1):.0f}% of ~{self.total}, ETA {eta:.0f} s"
        self.stream.write(text.ljust(72))
        self.stream.flush()

    def finish(self) -> None:
        if self.stream is not None:
            self.stream.write("\n")


class _Turnstile:
    """Lets writers take the ingest lock in the order their batches were read.

    Each writer stages its batch (the lock-free half of storing it) as soon
    as it gets one, then waits here for its turn to ask PostgreSQL for the
    ingest lock; the next writer may ask once this one holds it. Mail is thus
    stored in input order, as by a single writer, while staging overlaps.
    """

    def __init__(self) -> None:
        self.condition = threading.Condition()
        self.next = 0

    @contextmanager
    def turn(self, number: int) -> Iterator[None]:
        with self.condition:
            self.condition.wait_for(lambda: self.next >= number)
        try:
            yield
        finally:
            self.done(number)

    def done(self, number: int) -> None:
        """Batch ``number`` holds the lock, or has failed: later batches may go."""
        with self.condition:
            self.next = max(self.next, number + 1)
            self.condition.notify_all()


class _BatchWriter:
    """Stores batches on two threads, each with its own database connection.

    While PostgreSQL works on one batch, the parent keeps collecting parsed
    mail for the next, and the second writer stages it (and computes its
    search vectors) while the first holds the ingest lock. Only used with
    worker processes (outside any transaction), since the writers'
    connections cannot see an enclosing transaction.
    """

    THREADS = 2

    def __init__(self, summary: IngestSummary, list_override: str | None) -> None:
        self.summary, self.list_override = summary, list_override
        self.queue: queue.Queue[tuple[int, list[IncomingMessage]] | None] = queue.Queue(maxsize=1)
        self.turnstile = _Turnstile()
        self.count = 0
        self.error: BaseException | None = None
        self.threads = [
            threading.Thread(target=self._run, name=f"ingest-writer-{n}", daemon=True)
            for n in range(self.THREADS)
        ]
        for thread in self.threads:
            thread.start()

    def _run(self) -> None:
        try:
            while (job := self.queue.get()) is not None:
                number, batch = job
                try:
                    if self.error is None:
                        turn = partial(self.turnstile.turn, number)
                        _flush(self.summary, batch, self.list_override, turn)
                finally:
                    # Also when storing failed before its turn: never hold up the next.
                    self.turnstile.done(number)
        except BaseException as exc:  # handed to the parent, which raises it
            self.error = self.error or exc
            self.turnstile.done(sys.maxsize - 1)  # never leave the other writer waiting
            while self.queue.get() is not None:  # drain so the parent never blocks
                pass
        finally:
            connection.close()

    def put(self, batch: list[IncomingMessage]) -> None:
        self._raise()
        self.queue.put((self.count, batch))
        self.count += 1

    def close(self) -> None:
        for _ in self.threads:
            self.queue.put(None)
        for thread in self.threads:
            thread.join()
        self._raise()

    def _raise(self) -> None:
        if self.error is not None:
            raise self.error


class _InlineWriter:
    def __init__(self, summary: IngestSummary, list_override: str | None) -> None:
        self.summary, self.list_override = summary, list_override

    def put(self, batch: list[IncomingMessage]) -> None:
        _flush(self.summary, batch, self.list_override)

    def close(self) -> None:
        pass


def ingest(
    mails: Iterable[RawMail],
    *,
    list_override: str | None = None,
    workers: int | None = None,
    total: int | None = None,
    progress_stream: TextIO | None = None,
    on_batch: Callable[[IngestSummary], None] | None = None,
) -> IngestSummary:
    """Ingest every mail; each is stored, found duplicate, or quarantined with a reason.

    A database that stops answering at any step (choosing the raw-mail
    dictionary, a batch, the import's end) raises DatabaseUnavailable with
    what was committed: ``manage.py ingest`` answers 75 for an MTA to retry.
    """
    summary = IngestSummary()
    start = time.perf_counter()
    try:
        with _young_generation(GC_YOUNG):
            _ingest(
                mails, summary, list_override, workers, Progress(progress_stream, total), on_batch
            )
    except CONNECTION_ERRORS as exc:
        # Committed batches stay; the caller reports them and how to resume.
        raise DatabaseUnavailable(summary, exc) from exc
    finally:
        summary.seconds = time.perf_counter() - start
    return summary


@contextmanager
def _young_generation(size: int) -> Iterator[None]:
    """The garbage collector's first threshold at least ``size`` inside; restored after."""
    previous = gc.get_threshold()
    gc.set_threshold(max(size, previous[0]), *previous[1:])
    try:
        yield
    finally:
        gc.set_threshold(*previous)


def _ingest(
    mails: Iterable[RawMail],
    summary: IngestSummary,
    list_override: str | None,
    workers: int | None,
    progress: Progress,
    on_batch: Callable[[IngestSummary], None] | None,
) -> None:
    workers = workers if workers is not None else (os.cpu_count() or 1)
    mails = rawdicts.ready_to_pack(mails)  # before the parse workers fork: they pack
    chunks = _chunks(mails, CHUNK)
    if workers > 1:
        stream = _parallel(chunks, _start_pool(workers))
        writer: _BatchWriter | _InlineWriter = _BatchWriter(summary, list_override)
    else:
        stream = _serial(chunks)
        writer = _InlineWriter(summary, list_override)
    try:
        _run(stream, writer, summary, progress, list_override, on_batch)
    except Exception:
        indexdeferral.build_quietly()  # what this import dropped, if it dropped any
        raise
    except BaseException:
        # Interrupted (Ctrl-C): not held up by a build; the next import builds them.
        indexdeferral.release()
        raise
    finally:
        stream.close()  # stops the parsing workers when the writer gave up early
    _settle(summary)
    if summary.new:  # an import, or mail piped in one by one: either grows the tier
        searchtier.roll()
    progress.update(summary.read, force=True)
    progress.finish()


def _settle(summary: IngestSummary) -> None:
    """The import's end, timed in its summary: its search indexes merged, rebuilt or
    built (counted in the import's time: it is its work)."""
    settling = time.perf_counter()
    if summary.new >= services.BULK_BATCH:
        services.settle_search_indexes(summary.new)
    elif not indexdeferral.heal():  # dropped by an import that stopped, or by this one
        return
    summary.settle_seconds = time.perf_counter() - settling


def _run(
    stream: Iterator[tuple[RawMail, _Outcome]],
    writer: _BatchWriter | _InlineWriter,
    summary: IngestSummary,
    progress: Progress,
    list_override: str | None,
    on_batch: Callable[[IngestSummary], None] | None,
) -> None:
    """Batch the parsed stream into ``writer``; quarantine what cannot be stored."""
    limit = settings.THREADWORK_MAX_MESSAGE_BYTES
    batch: list[IncomingMessage] = []
    deferral_considered = False
    try:
        for mail, outcome in stream:
            summary.read += 1
            if _size(mail) > limit:
                _quarantine_too_large(summary, mail, limit, list_override)
            elif outcome.parsed is None:
                # The ignores: mypy reads a TextChoices member as a tuple (Django is untyped).
                unreadable = QuarantineReason.UNPARSEABLE
                _quarantine(summary, mail, unreadable, outcome.error, list_override)  # type: ignore[arg-type]
            else:
                batch.append(
                    IncomingMessage(
                        outcome.parsed, mail.data, outcome.analysis, list_override,
                        prepared=outcome.prepared,
                    )
                )  # fmt: skip
            if len(batch) >= BATCH:
                if not deferral_considered:
                    # An import of a full batch or more into a new archive builds
                    # its search indexes once, at its end (archive.indexdeferral).
                    indexdeferral.defer()
                    deferral_considered = True
                writer.put(batch)
                batch = []
                if on_batch:
                    on_batch(summary)
            progress.update(summary.read)
        if batch:
            writer.put(batch)
    finally:
        writer.close()


def _flush(
    summary: IngestSummary,
    batch: list[IncomingMessage],
    list_override,
    turn: Callable[[], AbstractContextManager] = nullcontext,
) -> None:
    if not batch:
        return
    try:
        result = services.store_batch(batch, turn)
    except CONNECTION_ERRORS:
        raise  # the database is unreachable: stop, don't quarantine good mail
    except Exception:
        if len(batch) == 1:
            item = batch[0]
            mail = RawMail(item.raw, item.parsed.msgid)
            _quarantine(summary, mail, QuarantineReason.STORE_FAILED,  # type: ignore[arg-type]
                        _store_failure(sys.exc_info()[1])[:500], list_override)  # fmt: skip
            return
        # Find the bad message by halving; the good ones still go in. (The
        # turn was taken by the failed attempt: order no longer matters here.)
        middle = len(batch) // 2
        _flush(summary, batch[:middle], list_override)
        _flush(summary, batch[middle:], list_override)
        return
    with summary.lock:
        summary.new += result.new
        summary.duplicate += result.duplicate
        summary.renamed += result.renamed
    if len(batch) >= services.BULK_BATCH:
        # Planner statistics as the import grows its tables, not only at its end:
        # the next batches' statements are planned on them (#21).
        tablestats.analyze_grown()


def _store_failure(exc: BaseException | None) -> str:
    """Why storing one mail failed, for its quarantine row: a sentence where we know it."""
    if isinstance(exc, UnicodeEncodeError) and isinstance(exc.object, str):
        # Text a charset decoder made (a UTF-7 attachment, say) that UTF-8 cannot encode.
        found = exc.object[exc.start : exc.end]
        return (
            f"storing failed: its text holds {', '.join(f'U+{ord(c):04X}' for c in found)}"
            ", a lone surrogate, which UTF-8 (and so the database) cannot hold"
        )
    return f"storing failed: {exc!r}"


def _quarantine_too_large(summary, mail: RawMail, limit: int, list_hint) -> None:
    """Keep at most the first OVERSIZE_KEPT_BYTES of mail over the limit, and say so."""
    size, kept = _size(mail), mail.data[:OVERSIZE_KEPT_BYTES]
    detail = f"{size} bytes is over the {limit}-byte limit"
    if len(kept) < size:
        detail += f"; only its first {len(kept)} bytes are kept here"
    kept_mail = RawMail(kept, mail.origin, size - len(kept))
    _quarantine(summary, kept_mail, QuarantineReason.TOO_LARGE, detail, list_hint)  # type: ignore[arg-type]


def _quarantine(summary, mail: RawMail, reason: str, detail: str, list_hint) -> None:
    services.quarantine(
        mail.data, hashlib.sha256(mail.data).hexdigest(), reason, detail, mail.origin,
        list_hint or "", size=_size(mail),
    )  # fmt: skip
    with summary.lock:
        summary.quarantined += 1
        summary.reasons[reason] = summary.reasons.get(reason, 0) + 1
