# SPDX-License-Identifier: AGPL-3.0-or-later
"""The plain header reader gives what the email package gives (issue 18: the API
comments list read every reply's headers with the package, ~130 us a mail)."""

from __future__ import annotations

import email.parser
import itertools

import pytest

from archive.parsing import header_pairs, mail_headers
from archive.rawheaders import plain_header_pairs
from archive.sources import iter_source
from tests.conftest import DATA, shared_path

SCENARIOS = sorted(p for p in DATA.rglob("*") if p.suffix in (".eml", ".mbox"))


def _package(head: bytes) -> list[list[str]]:
    return header_pairs(email.parser.BytesHeaderParser().parsebytes(head))


def _head(raw: bytes) -> bytes:
    ends = [end + len(mark) for mark in (b"\n\n", b"\r\n\r\n") if (end := raw.find(mark)) >= 0]
    return raw[: min(ends)] if ends else raw


def _same_or_declined(raw: bytes) -> bool:
    """True when read plainly (and equal to the package), False when declined."""
    head = _head(raw)
    plain = plain_header_pairs(head)
    if plain is None:
        return False
    assert mail_headers(raw) == _package(head)
    return True


@pytest.mark.parametrize(
    "head",
    [
        b"Subject: a\n folded\n\tagain\nX-A:\n\n",
        b"Subject: a\r\n folded\r\n\r\n",
        b"Subject: =?utf-8?q?caf=C3=A9?=\nX-B: plain\n",  # encoded words, decoded after
        b"A: 1\nB: 2",  # no body at all
        b"A: 1\n \n B\n\n",  # a blank-looking continuation
    ],
)
def test_plain_blocks_read_as_the_package_reads_them(head: bytes) -> None:
    assert _same_or_declined(head)


@pytest.mark.parametrize(
    "head",
    [
        b"Subject: caf\xc3\xa9\n\n",  # 8-bit bytes
        b"From ada@example.org Mon Jan  1 00:00:00 2024\nA: 1\n\n",  # an envelope line
        b" leading: continuation\nA: 1\n\n",
        b"A: 1\nnot a header line\nB: 2\n\n",
        b":nameless\nA: 1\n\n",
        b"A: 1\rB: 2\n\n",  # a lone carriage return
        b"A: nul\x00here\n\n",
        b"Two words: x\n\n",
        b"X-Empty: \t \n continued\n\n",  # read two ways: Python 3.11 and 3.13 differ
    ],
)
def test_anything_else_goes_to_the_package(head: bytes) -> None:
    assert plain_header_pairs(head) is None
    assert mail_headers(head) == _package(_head(head))


def test_scenario_mail_plainly_or_declined() -> None:
    read = declined = 0
    for path in SCENARIOS:
        for mail in iter_source(str(path)):
            for raw in (mail.data, mail.data.replace(b"\n", b"\r\n")):
                if _same_or_declined(raw):
                    read += 1
                else:
                    declined += 1
    # Most scenario mail is plain; the hostile ones are declined.
    assert read > 2 * declined > 0


def test_corpus_mail_plainly_or_declined() -> None:
    path = shared_path("corpus", "linux-rtc.mbox.gz")
    results = [_same_or_declined(m.data) for m in itertools.islice(iter_source(str(path)), 3000)]
    assert sum(results) > 0.95 * len(results)
