# SPDX-License-Identifier: AGPL-3.0-or-later
"""No mail may stall ingestion: huge lines, huge messages and gzip bombs cost one pass.

The inputs are generated here (never committed). The bounds are generous, so
a loaded machine passes, yet each fails with the quadratic splitter this
replaced (a 64 MB line took 6.8 s; every message was held whole). The exact
targets are measured by ``make bench`` (docs/performance.md, "Hostile input").
"""

from __future__ import annotations

import gzip
import io
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.core.management import call_command

from archive import sources
from archive.mboxsplit import OVERSIZE_KEPT_BYTES, is_from_line
from archive.models import Message, QuarantinedMail
from archive.sources import RawMail, SourceError, iter_source

MiB = 1 << 20
SEPARATOR = b"From mboxrd@z Thu Jan  1 00:00:00 1970\n"
SMALL = b"From: a@example.org\nMessage-ID: <small@example.org>\nSubject: small\n\nhello\n"


def big_message(size: int, msgid: str = "big@example.org") -> Iterator[bytes]:
    """A message of at least ``size`` bytes, most of them 77-byte body lines, in 1 MiB pieces."""
    head = f"From: a@example.org\nMessage-ID: <{msgid}>\nSubject: big\n\n".encode()
    yield head
    line = b"b" * 76 + b"\n"
    chunk = line * (MiB // len(line))
    for _ in range(-(-(size - len(head)) // len(chunk))):
        yield chunk


def write_gzip(path: Path, pieces: Iterator[bytes]) -> Path:
    """Write ``pieces`` gzip-compressed (fast level: the tests time reading, not this)."""
    packer = zlib.compressobj(1, zlib.DEFLATED, 31)
    with path.open("wb") as out:
        for piece in pieces:
            out.write(packer.compress(piece))
        out.write(packer.flush())
    return path


def measured(run: Callable[[], object]) -> tuple[object, float, int]:
    """``run()``'s result (or exception), its seconds, and its peak of traced memory."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        result: object = run()
    except Exception as exc:  # returned: the caller asserts on it
        result = exc
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return result, seconds, peak


# --- splitting ---------------------------------------------------------------------


def test_a_64_mb_line_splits_in_linear_time(tmp_path: Path) -> None:
    path = tmp_path / "long-line.mbox"
    line = b"a" * (64 * MiB)
    path.write_bytes(SEPARATOR + b"Subject: one line\n\n" + line + b"\n\n" + SEPARATOR + SMALL)
    del line
    start = time.perf_counter()
    got = list(iter_source(str(path), message_limit=128 * MiB))
    seconds = time.perf_counter() - start
    assert [len(mail.data) for mail in got] == [64 * MiB + 20, len(SMALL)]
    assert got[1].data == SMALL
    assert seconds < 3, f"{seconds:.1f} s"


def test_a_100_mb_message_is_cut_while_reading(tmp_path: Path) -> None:
    path = write_gzip(
        tmp_path / "big.mbox.gz",
        iter([SEPARATOR, *big_message(100 * MiB), b"\n", SEPARATOR, SMALL]),
    )
    result, seconds, peak = measured(lambda: list(iter_source(str(path), message_limit=8 * MiB)))
    assert isinstance(result, list)
    big, small = result
    assert len(big.data) == OVERSIZE_KEPT_BYTES
    assert big.data.startswith(b"From: a@example.org\n")
    assert len(big.data) + big.omitted > 100 * MiB
    assert small == RawMail(SMALL, f"{path}:message#2")
    assert seconds < 5, f"{seconds:.1f} s"
    assert peak < 32 * MiB, f"peak {peak / MiB:.0f} MiB"


def test_a_decompression_bomb_is_refused_quickly_in_bounded_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The real floor is 1 GiB (make bench inflates the 1.2 GB bomb of the issue).
    monkeypatch.setattr(sources, "BOMB_MIN_BYTES", 96 * MiB)
    zeros = bytes(4 * MiB)
    bomb = write_gzip(tmp_path / "bomb.mbox.gz", iter([SEPARATOR, *(zeros for _ in range(32))]))
    assert bomb.stat().st_size < MiB  # over 100 times smaller than what it inflates to
    result, seconds, peak = measured(lambda: list(iter_source(str(bomb), message_limit=8 * MiB)))
    assert isinstance(result, SourceError)
    assert "decompression bomb" in str(result)
    assert seconds < 5, f"{seconds:.1f} s"
    assert peak < 32 * MiB, f"peak {peak / MiB:.0f} MiB"


def test_every_source_form_holds_at_most_the_limit(tmp_path: Path) -> None:
    data = b"".join(big_message(3 * MiB))
    single = tmp_path / "one.eml"
    single.write_bytes(data)
    maildir = tmp_path / "maildir"
    (maildir / "new").mkdir(parents=True)
    envelope = b"From MAILER-DAEMON Mon Sep 17 00:00:00 2001\n"
    (maildir / "new" / "1.host").write_bytes(envelope + data)
    piped = list(iter_source("-", stdin=io.BytesIO(envelope + data), message_limit=MiB))
    whole = [*iter_source(str(single), message_limit=MiB)]
    enveloped = [*piped, *iter_source(str(maildir), message_limit=MiB)]
    # The prefix is counted from the first byte read, envelope line included.
    kept = {**{id(m): OVERSIZE_KEPT_BYTES for m in whole},
            **{id(m): OVERSIZE_KEPT_BYTES - len(envelope) for m in enveloped}}  # fmt: skip
    assert len(whole) == 1 and len(enveloped) == 2
    for mail in [*whole, *enveloped]:
        assert mail.data == data[: kept[id(mail)]]
        assert len(mail.data) + mail.omitted == len(data)
    # Within the limit nothing changes: the mail is whole and nothing is omitted.
    assert list(iter_source(str(single), message_limit=len(data))) == [RawMail(data, str(single))]


def test_a_separator_line_longer_than_a_block_still_separates(tmp_path: Path) -> None:
    path = tmp_path / "long-separator.mbox"
    separator = b"From x Mon Sep 17 00:00:00 2001 " + b"y" * (5 * MiB) + b"\n"
    path.write_bytes(SEPARATOR + SMALL + b"\n" + separator + SMALL)
    assert [mail.data for mail in iter_source(str(path))] == [SMALL, SMALL]
    # Unended at the end of the input, it is no separator: body of the message before.
    path.write_bytes(SEPARATOR + SMALL + separator[:-1])
    assert [mail.data for mail in iter_source(str(path))] == [SMALL + separator[:-1]]


def test_a_line_of_many_times_is_judged_in_linear_time(tmp_path: Path) -> None:
    # The separator regex this replaced backtracked over every time in such a
    # line: 50 s for 40,000 of them, 12 s for these 20,000.
    line = b"From a " + b"1:11 " * 20_000
    path = tmp_path / "times.mbox"
    start = time.perf_counter()
    path.write_bytes(SEPARATOR + SMALL + line + b"\n1999\n")
    assert [mail.data for mail in iter_source(str(path))] == [SMALL + line + b"\n1999\n"]
    # "\\s" after a time may be the newline: then the year is on the next line.
    assert is_from_line(line + b"1:11\n1999\n")
    # The splitter judges a line on its first JUDGED_BYTES only (real separators
    # are under 100 bytes), so this one stays in the body there.
    path.write_bytes(SEPARATOR + SMALL + line + b"1:11\n1999\n")
    assert len(list(iter_source(str(path)))) == 1
    assert time.perf_counter() - start < 1


def test_gzip_round_trip_of_a_big_mbox_is_exact(tmp_path: Path) -> None:
    """Block edges fall everywhere in a many-message mbox; every message comes back whole."""
    mails = [f"Subject: {n}\n\n".encode() + b">From x\nFrom y\n" * (n % 7) + b"z" * n
             + b"\n" for n in range(0, 24_000, 13)]  # fmt: skip
    blob = b"".join(SEPARATOR + mail.replace(b"\n>From", b"\n>>From").replace(b"\nFrom", b"\n>From")
                    + b"\n" for mail in mails)  # fmt: skip
    assert len(blob) > 3 * 4 * MiB
    path = tmp_path / "many.mbox.gz"
    path.write_bytes(gzip.compress(blob, 1))
    assert [mail.data for mail in iter_source(str(path))] == mails


# --- ingest ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_100_mb_message_is_quarantined_with_its_first_bytes_and_the_reason(
    tmp_path: Path, settings
) -> None:
    settings.THREADWORK_MAX_MESSAGE_BYTES = 50 * MiB
    path = write_gzip(
        tmp_path / "big.mbox.gz",
        iter([SEPARATOR, *big_message(100 * MiB), b"\n", SEPARATOR, SMALL]),
    )
    out = io.StringIO()
    start = time.perf_counter()
    call_command("ingest", str(path), "--workers", "1", stdout=out, stderr=io.StringIO())
    seconds = time.perf_counter() - start
    assert out.getvalue().startswith("2 read, 1 new, 0 duplicate, 1 quarantined")
    assert "quarantined as too-large: 1" in out.getvalue()
    kept = QuarantinedMail.objects.get()
    assert kept.reason == "too-large"
    assert len(kept.data) == OVERSIZE_KEPT_BYTES
    assert kept.size > 100 * MiB
    assert f"{kept.size} bytes is over the {50 * MiB}-byte limit" in kept.detail
    assert f"only its first {OVERSIZE_KEPT_BYTES} bytes are kept here" in kept.detail
    assert Message.objects.real().get().msgid == "small@example.org"
    assert seconds < 5, f"{seconds:.1f} s"
    # Only a prefix is kept, so a retry would store a cut mail: it is left alone.
    retry = io.StringIO()
    call_command("quarantine", "--retry", stdout=retry, stderr=io.StringIO())
    assert "1 kept only in part (too large when read) cannot be retried" in retry.getvalue()
    assert QuarantinedMail.objects.count() == 1
    assert Message.objects.real().count() == 1


def test_a_message_starting_with_the_gzip_magic_is_read_as_it_is(tmp_path: Path) -> None:
    # Found by make fuzz: two bytes that do not inflate were "an unreadable source".
    path = tmp_path / "magic.eml"
    path.write_bytes(b"\x1f\x8b")
    assert list(iter_source(str(path))) == [RawMail(b"\x1f\x8b", str(path))]
    # A gzip file cut short after its start still is an unreadable source.
    path.write_bytes(gzip.compress(SEPARATOR + SMALL * 2000)[:-40])
    with pytest.raises(SourceError, match="Cannot read"):
        list(iter_source(str(path)))
