# SPDX-License-Identifier: AGPL-3.0-or-later
"""archive.sources: every ingestion source form down to exact raw bytes. No database."""

from __future__ import annotations

import gzip
import io
import os
import subprocess
from pathlib import Path

import pytest

from archive import sources
from archive.sources import RawMail, SourceError, describe_source, estimate_count, iter_source

DATA = Path(__file__).resolve().parents[1] / "data" / "sources"
SHARED = Path(__file__).resolve().parents[2].parent / "shared"


def mails(source: Path | str, stdin: io.BytesIO | None = None) -> list[RawMail]:
    return list(iter_source(str(source), stdin=stdin))


def datas(source: Path | str) -> list[bytes]:
    return [mail.data for mail in mails(source)]


# --- mbox ---------------------------------------------------------------------


def test_mboxrd_unescapes_one_level_and_strips_separator_newline() -> None:
    first, second = mails(DATA / "mboxrd-escaped-from.mbox")
    assert first.data.endswith(
        b"\n\nFrom the start, this line was escaped once by the writer.\n"
        b'>From here, a line that really began with ">From ".\n'
        b" >From not at line start, left alone.\n"
        b">>>Fromage is not a From_ line either.\n"
    )
    assert first.data.startswith(b"From: Alice <alice@example.org>\n")
    assert second.data.endswith(b"\n\nSecond message.\n")
    assert first.origin == f"{DATA / 'mboxrd-escaped-from.mbox'}:message#1"
    assert second.origin.endswith(":message#2")


def test_body_line_starting_from_without_a_date_stays_in_its_message() -> None:
    first, second = datas(DATA / "mbox-unescaped-body-from.mbox")
    assert b"\nFrom the beginning, this body line was never escaped.\n" in first
    assert second.startswith(b"From: Bob")


def test_separator_without_blank_line_before_it() -> None:
    first, second = datas(DATA / "mbox-no-blank-line-before-from.mbox")
    assert first.endswith(b"\n\nfirst\n")  # Its own final newline is kept.
    assert second.endswith(b"second, and no newline at end of file")


def test_crlf_mbox_keeps_bytes_intact() -> None:
    first, second = datas(DATA / "crlf.mbox")
    assert first == (
        b"From: Carol <carol@example.org>\r\nSubject: crlf one\r\n\r\nFrom escaped\r\nbody\r\n"
    )
    assert second.endswith(b"\r\n\r\nbare\rcarriage return kept\r\n")


def test_whitespace_only_message_is_still_yielded() -> None:
    before, blank, after = datas(DATA / "whitespace-only-message.mbox")
    assert blank.strip() == b""
    assert before.endswith(b"\n\nx\n") and after.endswith(b"\n\ny\n")


def test_empty_file_yields_nothing() -> None:
    assert mails(DATA / "empty.mbox") == []


def test_file_without_from_line_is_one_message_kept_verbatim() -> None:
    path = DATA / "single-message.eml"
    assert mails(path) == [RawMail(path.read_bytes(), str(path))]
    assert describe_source(str(path)) == "message"
    assert estimate_count(str(path)) == 1


# --- gzip -------------------------------------------------------------------------


def test_gzip_is_detected_by_magic_bytes_not_name(tmp_path: Path) -> None:
    plain = DATA / "mboxrd-escaped-from.mbox"
    packed = tmp_path / "archive.dat"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    assert datas(packed) == datas(plain)
    assert describe_source(str(packed)) == "mbox"
    assert estimate_count(str(packed)) == 2


def test_gzip_single_message(tmp_path: Path) -> None:
    plain = DATA / "single-message.eml"
    packed = tmp_path / "one.eml.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    assert datas(packed) == [plain.read_bytes()]


def test_truncated_gzip_is_a_source_error(tmp_path: Path) -> None:
    packed = tmp_path / "cut.mbox.gz"
    packed.write_bytes(gzip.compress((DATA / "crlf.mbox").read_bytes() * 50)[:-40])
    with pytest.raises(SourceError, match="Cannot read"):
        mails(packed)


def test_decompression_bomb_stops_with_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The real floor is 1 GiB; lower it so the test inflates only a few MiB.
    monkeypatch.setattr(sources, "BOMB_MIN_BYTES", 1 << 20)
    bomb = tmp_path / "bomb.mbox.gz"
    bomb.write_bytes(gzip.compress(b"From x Mon Sep 17 00:00:00 2001\n" + b"a" * (8 << 20)))
    with pytest.raises(SourceError, match="decompression bomb"):
        mails(bomb)


# --- stdin, Maildir, errors ---------------------------------------------------------


def test_stdin_is_one_message_and_drops_an_envelope_line() -> None:
    piped = b"From MAILER-DAEMON Mon Sep 17 00:00:00 2001\nSubject: s\n\n>From kept\n"
    assert mails("-", stdin=io.BytesIO(piped)) == [RawMail(b"Subject: s\n\n>From kept\n", "stdin")]
    assert datas_from_stdin(b"Subject: s\n\nbody\n") == [b"Subject: s\n\nbody\n"]
    assert datas_from_stdin(b"") == []
    assert describe_source("-") == "stdin"


def datas_from_stdin(data: bytes) -> list[bytes]:
    return [mail.data for mail in iter_source("-", stdin=io.BytesIO(data))]


def test_maildir_sorted_by_name_skipping_tmp_and_dotfiles() -> None:
    root = DATA / "maildir-basic"
    got = mails(root)
    assert [Path(mail.origin).relative_to(root).as_posix() for mail in got] == [
        "new/1700000001.M1P1.host",
        "cur/1700000002.M2P2.host:2,S",
        "new/1700000003.M3P3.host",
    ]
    assert got[2].data.startswith(b"From: c@example.org\n")  # Envelope line dropped.
    assert describe_source(str(root)) == "maildir"
    assert estimate_count(str(root)) == 3


def test_missing_path_and_unknown_folder_are_source_errors(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="does not exist"):
        mails(tmp_path / "nope.mbox")
    with pytest.raises(SourceError, match="neither a Maildir"):
        mails(tmp_path)
    assert estimate_count(str(tmp_path / "nope.mbox")) is None


# --- public-inbox v2 ------------------------------------------------------------------

GIT_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.org",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.org",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repo: Path, *args: str, data: bytes | None = None) -> str:
    done = subprocess.run(
        ["git", f"--git-dir={repo}", *args],
        input=data,
        capture_output=True,
        check=True,
        env=GIT_ENV,
    )
    return done.stdout.decode().strip()


def make_epoch(path: Path, entries: list[tuple[str, bytes]], branch: str = "master") -> list[str]:
    """A bare repo whose commits each hold one blob: ("m", mail) or ("d", deleted mail)."""
    subprocess.run(["git", "init", "-q", "--bare", str(path)], check=True, env=GIT_ENV)
    commits: list[str] = []
    for name, blob_data in entries:
        blob = git(path, "hash-object", "-w", "--stdin", data=blob_data)
        tree = git(path, "mktree", data=f"100644 blob {blob}\t{name}\n".encode())
        parents = ["-p", commits[-1]] if commits else []
        commits.append(git(path, "commit-tree", tree, *parents, "-m", name))
    if commits:
        git(path, "update-ref", f"refs/heads/{branch}", commits[-1])
    return commits


def test_epoch_yields_m_blobs_in_order_and_skips_deletions(tmp_path: Path) -> None:
    epoch = tmp_path / "0.git"
    one, two, deletion, three = b"Subject: 1\n\n1\n", b"Subject: 2\n\n2\n", b"x", b"S: 3\n"
    commits = make_epoch(epoch, [("m", one), ("m", two), ("d", deletion), ("m", three)])
    got = mails(epoch)
    assert [mail.data for mail in got] == [one, two, three]
    assert got[0].origin == f"{epoch} commit {commits[0]}"
    assert describe_source(str(epoch)) == "public-inbox"
    assert estimate_count(str(epoch)) == 4  # Best effort: deletions are counted too.


def test_epoch_on_main_when_head_is_dangling(tmp_path: Path) -> None:
    epoch = tmp_path / "0.git"
    make_epoch(epoch, [("m", b"Subject: on main\n\n")], branch="main")
    git(epoch, "symbolic-ref", "HEAD", "refs/heads/does-not-exist")
    assert datas(epoch) == [b"Subject: on main\n\n"]


def test_empty_epoch_yields_nothing(tmp_path: Path) -> None:
    make_epoch(tmp_path / "0.git", [])
    assert mails(tmp_path / "0.git") == []


def test_inbox_iterates_epochs_in_numeric_order(tmp_path: Path) -> None:
    for number in (10, 2, 1, 0):
        make_epoch(tmp_path / "git" / f"{number}.git", [("m", f"epoch {number}\n".encode())])
    assert datas(tmp_path) == [b"epoch 0\n", b"epoch 1\n", b"epoch 2\n", b"epoch 10\n"]
    assert describe_source(str(tmp_path)) == "public-inbox"
    assert estimate_count(str(tmp_path)) == 4


def test_stopping_early_leaves_no_hung_git(tmp_path: Path) -> None:
    epoch = tmp_path / "0.git"
    make_epoch(epoch, [("m", f"Subject: {n}\n".encode()) for n in range(30)])
    stream = iter_source(str(epoch))
    assert next(stream).data == b"Subject: 0\n"
    stream.close()  # Must kill git and join the feeder thread, not block.


def test_commit_without_m_or_d_is_refused(tmp_path: Path) -> None:
    epoch = tmp_path / "0.git"
    make_epoch(epoch, [("m", b"ok\n"), ("ab", b"neither m nor d, like v1 layout\n")])
    with pytest.raises(SourceError, match="neither 'm' nor 'd'"):
        mails(epoch)


def test_inbox_without_epochs_is_a_source_error(tmp_path: Path) -> None:
    (tmp_path / "git").mkdir()
    with pytest.raises(SourceError, match="no public-inbox epochs"):
        mails(tmp_path)


# --- the shared corpus -------------------------------------------------------------------

needs_corpus = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared corpus is absent")


@pytest.mark.corpus
@needs_corpus
def test_linux_rtc_archive_has_every_message() -> None:
    count = sum(1 for _ in iter_source(str(SHARED / "corpus" / "linux-rtc.mbox.gz")))
    assert count == 17_232


@pytest.mark.corpus
@needs_corpus
def test_alloc_pages_vma_thread_has_13_messages() -> None:
    assert len(mails(SHARED / "mail" / "alloc_pages_vma-thread.mbox")) == 13


@pytest.mark.corpus
@needs_corpus
@pytest.mark.parametrize("folder", ["git-mailinfo", "patchwork/mail"])
def test_every_corpus_file_reads_without_error(folder: str) -> None:
    files = sorted(path for path in (SHARED / "corpus" / folder).rglob("*") if path.is_file())
    assert files
    for path in files:
        got = mails(path)
        # Zero-byte files (git-mailinfo/empty, some expected outputs) hold no mail.
        assert len(got) >= 1 if path.stat().st_size else got == [], path
