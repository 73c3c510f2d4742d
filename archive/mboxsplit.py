# SPDX-License-Identifier: AGPL-3.0-or-later
"""Split an mbox, read in blocks, into messages in time and memory linear in its size.

Pure: no Django. Each byte is looked at a bounded number of times: a line
that may be a separator is judged on its first :data:`JUDGED_BYTES`, and a
message is held whole only up to a size limit (:class:`HeldMessage`), so a
single 200 MB line, or a gigabyte of zeros, costs one pass and a bounded
amount of memory.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterable, Iterator
from enum import Enum

__all__ = ["JUDGED_BYTES", "OVERSIZE_KEPT_BYTES", "HeldMessage", "is_from_line", "split_mbox"]

# Of a message over the size limit only this much is kept: enough to see its
# headers and what it is, in the quarantine.
OVERSIZE_KEPT_BYTES = 1 << 20
# A separator is judged on at most this many bytes from its line start (real
# ones are under 100 bytes), so judging never scans a huge line.
JUDGED_BYTES = 4096

_FROM = b"From "
# The pieces of a From_ line "From sender Mon Sep 17 00:00:00 2001" (git's
# mailsplit uses the same "has a time and a year" test), searched one after
# the other so a hostile line cannot make the regular expression backtrack.
_WORD = re.compile(rb"\S+\s")
_TIME = re.compile(rb"\d{1,2}:\d{2}(?::\d{2})?\s")
_TIME_AT_LINE_END = re.compile(rb"\d{1,2}:\d{2}(?::\d{2})?\n")
_YEAR = re.compile(rb"\d{4}")
_ESCAPED_FROM_LINE = re.compile(rb"^>(>*From )", re.M)


def is_from_line(buf: bytes, start: int = 0, stop: int | None = None) -> bool:
    """Does the line at ``buf[start:]`` (starting ``From ``) look like a From_ separator?

    The same answer as matching
    ``From \\S+\\s.*\\d{1,2}:\\d{2}(?::\\d{2})?\\s.*\\d{4}`` at ``start`` on
    ``buf[:stop]``, in linear time. ``.`` never crosses a newline but ``\\s``
    may, so the year is on the line of the time's end: after the leftmost
    time (it ends first), or on the next line after a time that ends the line.
    """
    stop = len(buf) if stop is None else stop
    word = _WORD.match(buf, start + len(_FROM), stop)
    if word is None:
        return False
    line_end = buf.find(b"\n", word.end(), stop)
    line_stop = stop if line_end < 0 else line_end + 1
    time = _TIME.search(buf, word.end(), line_stop)
    if time is None:
        return False
    if _year_on_line(buf, time.end(), stop):
        return True
    return (
        time.end() < line_stop
        and _TIME_AT_LINE_END.search(buf, time.end(), line_stop) is not None
        and _year_on_line(buf, line_stop, stop)
    )


def _year_on_line(buf: bytes, pos: int, stop: int) -> bool:
    line_end = buf.find(b"\n", pos, stop)
    return _YEAR.search(buf, pos, stop if line_end < 0 else line_end) is not None


class HeldMessage:
    """One message's bytes as they are read: all of them up to ``limit``, else a prefix.

    Past ``limit`` only the first :data:`OVERSIZE_KEPT_BYTES` stay and the
    rest is counted, so memory stays within ``limit`` whatever the size.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0  # bytes seen
        self.held = 0  # bytes in parts
        self.parts: list[bytes] = []

    def add(self, piece: bytes) -> None:
        self.size += len(piece)
        if self.size <= self.limit:
            self.parts.append(piece)
            self.held += len(piece)
            return
        room = OVERSIZE_KEPT_BYTES - self.held
        if room < 0:  # just went over the limit: keep only the prefix from now on
            self._keep_prefix()
        elif room > 0 and piece:
            self.parts.append(piece[:room])
            self.held += min(room, len(piece))

    def _keep_prefix(self) -> None:
        kept: list[bytes] = []
        self.held = 0
        for part in self.parts:
            if self.held >= OVERSIZE_KEPT_BYTES:
                break
            kept.append(part[: OVERSIZE_KEPT_BYTES - self.held])
            self.held += len(kept[-1])
        self.parts = kept

    def absorb(self, other: HeldMessage) -> None:
        """Append what ``other`` held and count what it did not."""
        self.add(b"".join(other.parts))
        self.size += other.size - other.held

    def take(self) -> tuple[bytes, int]:
        """The bytes held, and how many more the message had (0 when it is whole)."""
        return b"".join(self.parts), self.size - self.held


class _Inside(Enum):
    """Where a block starts: at a line start, or in a line begun in an earlier block."""

    LINE_START = 0
    BODY_LINE = 1
    SEPARATOR_LINE = 2


def split_mbox(blocks: Iterable[bytes], limit: int) -> Iterator[tuple[bytes, int]]:
    """Messages of an mbox that starts with a separator, as ``(bytes, omitted)``.

    One level of mboxrd escaping is undone and the blank line the writer put
    after each message dropped. A message over ``limit`` bytes is its first
    :data:`OVERSIZE_KEPT_BYTES` (unescaped, nothing dropped at its end) with
    ``omitted`` counting the bytes it did not keep.
    """
    splitter = _Splitter(limit)
    for block in blocks:
        yield from splitter.feed(block, final=False)
    yield from splitter.feed(b"", final=True)


class _Splitter:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.message: HeldMessage | None = None  # None before the first separator
        self.separator: HeldMessage | None = None  # a separator line not ended yet
        self.inside = _Inside.LINE_START
        self.carry = b""  # a line start not judged yet: judged with the next block

    def feed(self, block: bytes, final: bool) -> Iterator[tuple[bytes, int]]:
        buf = self.carry + block if self.carry else block
        self.carry = b""
        start = yield from self._end_line(buf)
        if start >= 0:
            yield from self._scan(buf, start, final)
        if final:
            if self.separator is not None and self.message is not None:
                # A last line without its newline is never a separator: it is body.
                self.message.absorb(self.separator)
            if self.message is not None:
                yield _finish(self.message)

    def _end_line(self, buf: bytes) -> Generator[tuple[bytes, int], None, int]:
        """Finish the line an earlier block began; returns where the next line starts, or -1."""
        if self.inside is _Inside.LINE_START:
            return 0
        end = buf.find(b"\n")
        line = buf if end < 0 else buf[: end + 1]
        if self.inside is _Inside.BODY_LINE:
            self._add(line)
        elif self.separator is not None:
            self.separator.add(line)
        if end < 0:
            return -1
        if self.inside is _Inside.SEPARATOR_LINE:
            yield from self._new_message()
        self.inside = _Inside.LINE_START
        return end + 1

    def _scan(self, buf: bytes, pos: int, final: bool) -> Iterator[tuple[bytes, int]]:
        """Split ``buf`` from the line start ``pos``; the last unfinished line waits for more."""
        body = scan = pos  # body: the first byte not yet added to the message
        while (start := _next_candidate(buf, scan)) >= 0:
            if not final and len(buf) - start < JUDGED_BYTES:
                self._add(buf[body:start])
                self.carry = buf[start:]
                return
            end = buf.find(b"\n", start)
            if end < 0 and final:
                break  # no newline at the end of the input: body, as "From " lines need one
            if self.message is not None and not is_from_line(buf, start, start + JUDGED_BYTES):
                if end < 0:
                    break
                scan = end + 1
                continue  # "From the beginning, ..." in a body: not a separator
            self._add(buf[body:start])
            if end < 0:  # the separator line goes on into the next block
                self.separator = HeldMessage(self.limit)
                self.separator.add(buf[start:])
                self.inside = _Inside.SEPARATOR_LINE
                return
            yield from self._new_message()
            body = scan = end + 1
        self._tail(buf, body, final)

    def _tail(self, buf: bytes, body: int, final: bool) -> None:
        """Add the rest of ``buf`` as body, but carry a last line that may begin a separator."""
        if final:
            self._add(buf[body:])
            return
        last = buf.rfind(b"\n", body) + 1 or body
        if _FROM.startswith(buf[last:]):  # "", "F", ... "From": judged with the next block
            self._add(buf[body:last])
            self.carry = buf[last:]
        else:
            self._add(buf[body:])
            self.inside = _Inside.BODY_LINE

    def _new_message(self) -> Iterator[tuple[bytes, int]]:
        if self.message is not None:
            yield _finish(self.message)
        self.message, self.separator = HeldMessage(self.limit), None

    def _add(self, piece: bytes) -> None:
        if self.message is not None and piece:
            self.message.add(piece)


def _next_candidate(buf: bytes, scan: int) -> int:
    """The next line start at or after the line start ``scan`` that begins ``From ``, or -1."""
    if buf.startswith(_FROM, scan):
        return scan
    found = buf.find(b"\n" + _FROM, scan)
    return found + 1 if found >= 0 else -1


def _finish(message: HeldMessage) -> tuple[bytes, int]:
    data, omitted = message.take()
    if b">From " in data:
        data = _ESCAPED_FROM_LINE.sub(rb"\1", data)
    return (data if omitted else _strip_separator_newline(data)), omitted


def _strip_separator_newline(data: bytes) -> bytes:
    """Drop the blank line mbox writers add after each message, if it is there.

    Only a *blank* trailing line is removed, so a message whose writer skipped
    the blank line (e.g. git format-patch output) keeps its final newline.
    """
    if data.endswith(b"\r\n\r\n"):
        return data[:-2]
    if data.endswith(b"\n\n"):
        return data[:-1]
    return data
