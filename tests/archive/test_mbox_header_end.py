"""``archive.rawheaders.header_end``: the end of the header block as the pattern
``\\r?\\n\\r?\\n`` finds it, by two byte searches instead of that pattern; the
mbox writer and ingest's parse both cut mail there."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from archive.mbox import mboxrd_message
from archive.rawheaders import header_end

_PATTERN = re.compile(rb"\r?\n\r?\n")


def _by_pattern(raw: bytes) -> int:
    found = _PATTERN.search(raw)
    return found.end() if found else -1


@given(st.lists(st.sampled_from([b"\n", b"\r", b"\r\n", b"a", b" ", b"From "]), max_size=16))
def test_the_same_end_as_the_pattern(pieces: list[bytes]) -> None:
    raw = b"".join(pieces)
    assert header_end(raw) == _by_pattern(raw)
    # What ingest's parse found before it used header_end: the block's last line end.
    ends = [end for mark in (b"\n\n", b"\n\r\n") if (end := raw.find(mark)) >= 0]
    if ends:
        after = header_end(raw)
        assert after - (2 if raw.startswith(b"\r\n", after - 2) else 1) == min(ends) + 1


@pytest.mark.parametrize(
    ("raw", "end"),
    [
        (b"Subject: a\n\nbody\n", 12),
        (b"Subject: a\r\n\r\nbody\r\n", 14),
        (b"Subject: a\r\n\nbody", 13),  # a CRLF line, then a bare LF one
        (b"Subject: a\n\r\nbody", 13),
        (b"A: 1\r\nB: 2\n\nC\r\n\r\n", 12),  # the first empty line counts, whatever follows
        (b"no empty line\r\n", -1),
        (b"", -1),
    ],
)
def test_known_ends(raw: bytes, end: int) -> None:
    assert header_end(raw) == end == _by_pattern(raw)


def test_a_body_line_from_is_quoted_and_not_a_header_one() -> None:
    raw = b"Subject: From here\r\n\r\nFrom there\n>From elsewhere\n"
    assert mboxrd_message(raw) == (
        b"From mboxrd@z Thu Jan  1 00:00:00 1970\n"
        b"Subject: From here\r\n\r\n>From there\n>>From elsewhere\n\n"
    )
