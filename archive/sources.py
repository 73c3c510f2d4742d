# SPDX-License-Identifier: AGPL-3.0-or-later
"""Turn an ingestion source (mbox, Maildir, stdin, public-inbox git) into raw mail bytes.

Pure: no Django. Raw bytes are the truth (STYLE.md principle 4), so this module
only undoes the *container* format (mbox separators, mboxrd escaping, gzip, git
storage) and never touches the message itself.
"""

from __future__ import annotations

import collections
import contextlib
import gzip
import io
import re
import subprocess
import sys
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import IO, BinaryIO

from archive.mboxsplit import OVERSIZE_KEPT_BYTES, HeldMessage, split_mbox

__all__ = ["OVERSIZE_KEPT_BYTES", "RawMail", "SourceError", "describe_source", "estimate_count",
           "iter_source"]  # fmt: skip

GZIP_MAGIC = b"\x1f\x8b"
# A gzip stream may legitimately inflate ~5-10x; beyond BOTH of these it is
# almost certainly hostile, and we would rather stop loudly than exhaust memory.
BOMB_RATIO = 100
BOMB_MIN_BYTES = 1 << 30
# Files are read in bounded blocks, so the inflation limit is checked as we go.
# 1 MiB, not more: from Python 3.12 gzip reserves the whole requested size for
# each inflate call, so larger reads cost memory, and splitting is no faster.
_BLOCK = 1 << 20
# The default of iter_source's message_limit; ingest passes THREADWORK_MAX_MESSAGE_BYTES.
DEFAULT_MESSAGE_LIMIT = 50 << 20
_EPOCH_NAME = re.compile(r"(\d+)\.git")
# Inflating 16 MiB of a gzip mbox is enough to extrapolate a count (~50 ms).
_ESTIMATE_SAMPLE = 1 << 24


@dataclass(frozen=True)
class RawMail:
    """One message exactly as stored, plus where it came from.

    ``omitted`` counts the bytes of a message over the size limit that were
    not kept: ``data`` is then only its first bytes (archive.mboxsplit).
    """

    data: bytes
    origin: str
    omitted: int = 0


class SourceError(Exception):
    """The source cannot be read; the message is a sentence for the user."""


def iter_source(
    source: str, *, stdin: BinaryIO | None = None, message_limit: int = DEFAULT_MESSAGE_LIMIT
) -> Iterator[RawMail]:
    """Yield every message of `source` in a deterministic order.

    `source` is "-" (one message on `stdin`, default sys.stdin), an mbox/mboxrd
    file (optionally gzip-compressed), a single-message file, a Maildir, a
    public-inbox v2 epoch (N.git) or a public-inbox v2 inbox folder.

    Every message is yielded: dropping mail is never this module's call, the
    caller quarantines what it will not store. One over `message_limit` bytes
    is yielded as its first OVERSIZE_KEPT_BYTES with `omitted` counting the
    rest, so no message is ever held whole past the limit. Raises SourceError
    (possibly after yielding some messages) when the source cannot be read.
    """
    kind = _classify(source)
    if kind == "stdin":
        yield from _iter_stdin(stdin if stdin is not None else sys.stdin.buffer, message_limit)
    elif kind == "maildir":
        yield from _iter_maildir(Path(source), message_limit)
    elif kind == "epoch":
        yield from _iter_epoch(Path(source), message_limit)
    elif kind == "inbox":
        for epoch in _epochs(Path(source)):
            yield from _iter_epoch(epoch, message_limit)
    else:
        yield from _iter_file(Path(source), message_limit)


def describe_source(source: str) -> str:
    """One word for progress output: mbox, maildir, public-inbox, message or stdin."""
    kind = _classify(source)
    return "public-inbox" if kind in ("epoch", "inbox") else kind


def estimate_count(source: str) -> int | None:
    """Cheap best-effort message count for a progress bar, or None if unknown."""
    try:
        kind = _classify(source)
        if kind in ("stdin", "message"):
            return 1
        if kind == "maildir":
            return sum(1 for _ in _maildir_files(Path(source)))
        if kind == "epoch":
            return _count_commits(Path(source))
        if kind == "inbox":
            return sum(_count_commits(epoch) for epoch in _epochs(Path(source)))
        return _estimate_mbox(Path(source))
    except (SourceError, OSError, EOFError, zlib.error, ValueError):
        return None


# --- classification -------------------------------------------------------


def _classify(source: str) -> str:
    if source == "-":
        return "stdin"
    path = Path(source)
    if path.is_dir():
        if _is_git_dir(path):
            return "epoch"
        if (path / "git").is_dir():
            return "inbox"
        if (path / "cur").is_dir() or (path / "new").is_dir():
            return "maildir"
        raise SourceError(
            f"{path} is a folder but neither a Maildir (no cur/ or new/), "
            "a public-inbox inbox (no git/N.git) nor a git repository."
        )
    if not path.exists():
        raise SourceError(f"{path} does not exist.")
    try:
        with _open_file(path) as stream:
            head = stream.read(5)
    except (OSError, EOFError, zlib.error) as exc:
        raise _unreadable(path, exc) from exc
    return "mbox" if head == b"From " else "message"


def _is_git_dir(path: Path) -> bool:
    return (path / "HEAD").is_file() and (path / "objects").is_dir()


# --- files: mbox, mboxrd, single message, gzip ------------------------------


def _open_file(path: Path) -> BinaryIO:
    """Open `path` for reading, transparently inflating gzip (detected by magic, not name).

    A file whose gzip header does not even inflate is read as it is: a message
    that happens to start with the magic bytes is kept (and quarantined if it
    is not mail), not refused as an unreadable source.
    """
    raw = path.open("rb")
    if raw.peek(2)[:2] != GZIP_MAGIC or not _inflates(path):
        return raw
    raw.close()  # gzip.open owns (and so closes) its own file object.
    return io.BufferedReader(gzip.open(path, "rb"), _BLOCK)


def _inflates(path: Path) -> bool:
    try:
        with gzip.open(path, "rb") as stream:
            stream.read(1)
    except (OSError, EOFError, zlib.error):
        return False
    return True


def _gunzip(stream: BinaryIO) -> gzip.GzipFile | None:
    """The GzipFile under a stream from _open_file, or None for a plain file."""
    inner = getattr(stream, "raw", None)
    return inner if isinstance(inner, gzip.GzipFile) else None


def _unreadable(path: Path | str, exc: Exception) -> SourceError:
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return SourceError(f"Cannot read {path}: {reason}.")


def _iter_file(path: Path, limit: int) -> Iterator[RawMail]:
    try:
        with _open_file(path) as stream:
            blocks = _bounded_blocks(stream, path)
            first = next(blocks, b"")
            if first.startswith(b"From "):
                pieces = split_mbox(chain([first], blocks), limit)
                for number, (data, omitted) in enumerate(pieces, 1):
                    yield RawMail(data, f"{path}:message#{number}", omitted)
            elif message := _held(chain([first], blocks), limit, str(path)):
                yield message
    except (OSError, EOFError, zlib.error) as exc:
        raise _unreadable(path, exc) from exc


def _held(
    blocks: Iterator[bytes], limit: int, origin: str, *, envelope: bool = False
) -> RawMail | None:
    """One message from its blocks held within `limit`, or None when there are no bytes.

    `envelope`: drop a leading From_ line (procmail/MTA envelope).
    """
    message = HeldMessage(limit)
    for block in blocks:
        message.add(block)
    if not message.size:
        return None
    data, omitted = message.take()
    if envelope:
        data = _drop_from_line(data)
    return RawMail(data, origin, omitted)


def _blocks(stream: IO[bytes], size: int = -1) -> Iterator[bytes]:
    """`stream` in blocks of at most _BLOCK bytes, up to `size` bytes (all when -1)."""
    while size:
        block = stream.read(_BLOCK if size < 0 else min(_BLOCK, size))
        if not block:
            return
        size -= 0 if size < 0 else len(block)
        yield block


def _bounded_blocks(stream: BinaryIO, path: Path) -> Iterator[bytes]:
    """Yield blocks of the (decompressed) file, stopping at the inflation limit."""
    limit = float("inf")
    if _gunzip(stream):
        limit = max(BOMB_MIN_BYTES, BOMB_RATIO * path.stat().st_size)
    total = 0
    while block := stream.read(_BLOCK):
        total += len(block)
        if total > limit:
            raise SourceError(
                f"{path} inflates to over {BOMB_RATIO}x its compressed size and over "
                f"{BOMB_MIN_BYTES} bytes; it looks like a decompression bomb, so reading "
                "stopped. Decompress it yourself if it is genuine."
            )
        yield block


def _drop_from_line(data: bytes) -> bytes:
    """Remove a leading From_ line (procmail/MTA envelope), keeping the message."""
    if not data.startswith(b"From "):
        return data
    end = data.find(b"\n")
    return b"" if end < 0 else data[end + 1 :]


def _estimate_mbox(path: Path) -> int:
    """Count separators; for gzip, sample the start and extrapolate by compressed size.

    Chunk boundaries can hide a separator; for a progress bar that is noise.
    """
    count = 1  # The file starts with a separator, and "\nFrom " misses that one.
    read = 0
    with _open_file(path) as stream:
        while chunk := stream.read(1 << 20):
            count += chunk.count(b"\nFrom ")
            read += len(chunk)
            inflating = _gunzip(stream)
            if inflating and read >= _ESTIMATE_SAMPLE:
                consumed: int = inflating.fileobj.tell()  # type: ignore[union-attr]
                return round(count * path.stat().st_size / max(consumed, 1))
    return count


# --- stdin and Maildir -------------------------------------------------------


def _iter_stdin(stream: BinaryIO, limit: int) -> Iterator[RawMail]:
    try:
        message = _held(_blocks(stream), limit, "stdin", envelope=True)
    except OSError as exc:
        raise _unreadable("standard input", exc) from exc
    if message:
        yield message


def _maildir_files(root: Path) -> Iterator[tuple[str, Path]]:
    """(name, path) of every message; tmp/ holds deliveries still in progress."""
    for sub in ("cur", "new"):
        folder = root / sub
        if folder.is_dir():
            for entry in folder.iterdir():
                # Maildir readers must ignore dot-files (e.g. editor or sync state).
                if not entry.name.startswith(".") and entry.is_file():
                    yield entry.name, entry


def _iter_maildir(root: Path, limit: int) -> Iterator[RawMail]:
    # Names start with the delivery time, so sorting by name is also roughly
    # chronological, across cur/ and new/ alike.
    try:
        files = sorted(_maildir_files(root))
    except OSError as exc:
        raise _unreadable(root, exc) from exc
    for _name, path in files:
        try:
            with path.open("rb") as stream:
                message = _held(_blocks(stream), limit, str(path), envelope=True)
        except OSError as exc:
            raise _unreadable(path, exc) from exc
        if message:
            yield message


# --- public-inbox v2 git -------------------------------------------------------


def _epochs(inbox: Path) -> list[Path]:
    found = []
    for child in (inbox / "git").iterdir():
        match = _EPOCH_NAME.fullmatch(child.name)
        if match and _is_git_dir(child):
            found.append((int(match[1]), child))
    if not found:
        raise SourceError(f"{inbox}/git has no public-inbox epochs (0.git, 1.git, ...).")
    return [path for _, path in sorted(found)]


def _git(epoch: Path, *args: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["git", f"--git-dir={epoch}", *args], capture_output=True, text=True, check=False
        )
    except FileNotFoundError as exc:
        raise SourceError("git is not installed; it is needed to read public-inbox.") from exc


def _branch(epoch: Path) -> str | None:
    """The branch holding the mail: HEAD if it resolves, else master, main or any."""
    if _git(epoch, "rev-parse", "--verify", "--quiet", "HEAD^{commit}").returncode == 0:
        return "HEAD"
    listing = _git(epoch, "for-each-ref", "--format=%(refname)", "refs/heads/")
    if listing.returncode != 0:
        raise SourceError(f"{epoch} is not a readable git repository: {listing.stderr.strip()}")
    refs = listing.stdout.split()
    for preferred in ("refs/heads/master", "refs/heads/main"):
        if preferred in refs:
            return preferred
    return refs[0] if refs else None  # None: an epoch with no commits yet.


def _count_commits(epoch: Path) -> int:
    branch = _branch(epoch)
    if branch is None:
        return 0
    return int(_git(epoch, "rev-list", "--count", "--first-parent", branch).stdout)


def _popen(epoch: Path, *args: str, stdin: int | None = None) -> subprocess.Popen[bytes]:
    try:
        return subprocess.Popen(
            ["git", f"--git-dir={epoch}", *args],
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
    except FileNotFoundError as exc:
        raise SourceError("git is not installed; it is needed to read public-inbox.") from exc


def _iter_epoch(epoch: Path, limit: int) -> Iterator[RawMail]:
    """Yield the blob `m` of each first-parent commit, oldest first.

    One rev-list and one long-running `cat-file --batch`; a feeder thread keeps
    cat-file's input full so we never pay a pipe round trip per message.
    """
    branch = _branch(epoch)
    if branch is None:
        return
    revs = _popen(epoch, "rev-list", "--reverse", "--first-parent", branch)
    cat = _popen(epoch, "cat-file", "--batch", stdin=subprocess.PIPE)
    pending: collections.deque[bytes] = collections.deque()
    feeder = threading.Thread(target=_feed, args=(revs, cat, pending), daemon=True)
    feeder.start()
    try:
        yield from _read_batch(epoch, cat, pending, limit)
        if revs.wait() != 0:
            raise SourceError(f"git rev-list failed in {epoch}; is {branch} a valid branch?")
    finally:
        # Also runs when the consumer stops early: kill, then reap, then close
        # pipes only once the feeder thread can no longer touch them.
        for proc in (revs, cat):
            if proc.poll() is None:
                proc.kill()
            proc.wait()
        feeder.join()
        for pipe in (revs.stdout, cat.stdin, cat.stdout):
            # Flushing into a killed process's stdin may fail; nothing left to say.
            with contextlib.suppress(OSError):
                if pipe is not None:
                    pipe.close()


def _feed(
    revs: subprocess.Popen[bytes], cat: subprocess.Popen[bytes], pending: collections.deque[bytes]
) -> None:
    assert revs.stdout is not None and cat.stdin is not None
    try:
        for line in revs.stdout:
            sha = line.rstrip(b"\n")
            pending.append(sha)  # Before the write: the reader pops one per answer.
            cat.stdin.write(sha + b":m\n")
        cat.stdin.close()
    except (BrokenPipeError, ValueError):
        pass  # The consumer stopped early and the processes were killed.


def _read_batch(
    epoch: Path, cat: subprocess.Popen[bytes], pending: collections.deque[bytes], limit: int
) -> Iterator[RawMail]:
    assert cat.stdout is not None
    out = cat.stdout
    deletions: list[str] = []
    while header := out.readline():
        sha = pending.popleft().decode()
        fields = header.split()
        if fields[-1] == b"missing":
            deletions.append(sha)  # Checked afterwards so the stream keeps flowing.
            continue
        if len(fields) != 3 or fields[1] != b"blob":
            raise SourceError(
                f"{epoch} commit {sha}: 'm' is not a file; not a public-inbox v2 epoch?"
            )
        size = int(fields[2])
        origin = f"{epoch} commit {sha}"
        if size <= limit:
            mail = RawMail(out.read(size), origin)
        else:  # keep a prefix, read past the rest
            mail = _held(_blocks(out, size), limit, origin) or RawMail(b"", origin)
        out.read(1)  # The newline cat-file puts after every object.
        yield mail
    if pending:
        raise SourceError(f"git cat-file stopped early in {epoch}; the repository may be corrupt.")
    _check_deletions(epoch, deletions)


def _check_deletions(epoch: Path, shas: list[str]) -> None:
    """A commit without `m` must hold `d` (a deletion); otherwise mail would vanish unseen."""
    if not shas:
        return
    check = subprocess.run(
        ["git", f"--git-dir={epoch}", "cat-file", "--batch-check"],
        input="".join(f"{sha}:d\n" for sha in shas).encode(),
        capture_output=True,
        check=False,
    )
    answers = check.stdout.splitlines()
    if check.returncode != 0 or len(answers) != len(shas):
        raise SourceError(f"git cat-file could not check deletions in {epoch}.")
    for sha, line in zip(shas, answers, strict=True):
        if line.endswith(b"missing"):
            raise SourceError(
                f"{epoch} commit {sha} has neither 'm' nor 'd'; "
                "only public-inbox v2 epochs are supported (not v1)."
            )
