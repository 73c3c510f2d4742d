# SPDX-License-Identifier: AGPL-3.0-or-later
"""Properties of the container layer: what the archive writes as mboxrd, sources read back."""

from __future__ import annotations

import gzip
import re
import tempfile
from pathlib import Path

from hypothesis import assume, given
from hypothesis import strategies as st

from archive.mbox import mboxrd
from archive.mboxsplit import is_from_line
from archive.sources import iter_source
from tests.fuzz.seeds import project_seeds
from tests.fuzz.strategies import any_mail

_HEADER_END = re.compile(rb"\r?\n\r?\n")
_FROM_LINE = re.compile(rb"^>*From ", re.M)


def round_trips(raw: bytes) -> bool:
    """mboxrd keeps a message exactly when it ends with a newline and only its body has From_ lines.

    mboxrd escapes body lines only (a header cannot start with ``From ``) and
    ends each entry with a newline, so other mail is changed by the writer, not lost
    by the reader.
    """
    end = _HEADER_END.search(raw)
    head = raw[: end.end()] if end else raw
    return raw.endswith(b"\n") and not _FROM_LINE.search(head)


@given(st.lists(any_mail(project_seeds()), min_size=1, max_size=5), st.booleans())
def test_mboxrd_written_by_the_archive_reads_back_byte_for_byte(
    mails: list[bytes], compress: bool
) -> None:
    mails = [raw if raw.endswith(b"\n") else raw + b"\n" for raw in mails]
    assume(all(round_trips(raw) for raw in mails))
    blob = mboxrd(mails)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "out.mbox"
        path.write_bytes(gzip.compress(blob) if compress else blob)
        assert [mail.data for mail in iter_source(str(path))] == mails


# The separator test before archive.mboxsplit: a regular expression that could
# backtrack for minutes on a long line. is_from_line must answer as it did.
_OLD_FROM_LINE = re.compile(rb"From \S+\s.*\d{1,2}:\d{2}(?::\d{2})?\s.*\d{4}")
_LINE_PIECES = st.sampled_from(
    [b"1", b"12", b"2001", b":", b"00:00", b" ", b"\t", b"\r", b"\n", b"\x0b", b"a", b"From "]
)


@given(st.lists(_LINE_PIECES, max_size=30).map(b"".join), st.integers(0, 200))
def test_from_line_test_answers_as_the_old_regular_expression(rest: bytes, stop: int) -> None:
    line = b"From " + rest
    stop = min(stop, len(line))
    assert is_from_line(line) == bool(_OLD_FROM_LINE.match(line))
    assert is_from_line(line, 0, stop) == bool(_OLD_FROM_LINE.match(line, 0, stop))
