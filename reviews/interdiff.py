# SPDX-License-Identifier: AGPL-3.0-or-later
"""What changed between two revisions of a patch: a diff of the two diffs.

Pure: two diffs (and two commit messages) in, frozen dataclasses out. Files
are matched by path. Each file's hunks are compared by their bodies, with
the ``@@`` line numbers left out, so a hunk that only moved (because the
code above it grew or shrank) is no change. A file whose added and removed
lines are the same in both revisions, in the same order, and whose context
alone differs, is marked ``context``: the code around the change moved, the
change did not. Long runs of equal lines are cut to ``CONTEXT`` lines on
each side of a change, as ``diff -U3`` does.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum

from reviews.rendering.diff import DiffFile, parse_diff

__all__ = [
    "CONTEXT",
    "EXACT_WORK",
    "MAX_WORK",
    "FileInterdiff",
    "FileStatus",
    "InterLine",
    "Interdiff",
    "LineKind",
    "compare_lines",
    "interdiff",
]

CONTEXT = 3
# difflib's matcher takes time up to the product of the two lengths, a diff
# of repeated lines being the worst case. Past EXACT_WORK, lines found in more
# than 1% of the places are junk to it (difflib's autojunk), which bounds that
# case; past MAX_WORK, equal head and tail are kept, the middle shown replaced.
EXACT_WORK = 250_000
MAX_WORK = 4_000_000
_SIGNS = {"add": "+", "del": "-", "ctx": " ", "note": "\\"}


class LineKind(StrEnum):
    SAME = "same"  # in both revisions
    OLD = "old"  # only in the older revision
    NEW = "new"  # only in the newer revision
    GAP = "gap"  # equal lines left out


class FileStatus(StrEnum):
    UNCHANGED = "unchanged"
    CONTEXT = "context"  # only the context lines around the change differ
    CHANGED = "changed"
    ADDED = "added"  # touched only by the newer revision
    DROPPED = "dropped"  # touched only by the older revision


@dataclass(frozen=True)
class InterLine:
    kind: LineKind
    text: str  # a line of the diff, sign included; "@@" starts a hunk


@dataclass(frozen=True)
class FileInterdiff:
    path: str
    status: FileStatus
    lines: tuple[InterLine, ...]


@dataclass(frozen=True)
class Interdiff:
    files: tuple[FileInterdiff, ...]
    message: tuple[InterLine, ...]  # the commit message change; empty when the same

    @property
    def changed(self) -> bool:
        """Whether the change itself or its message differs (moved context aside)."""
        return bool(self.message) or any(
            f.status not in (FileStatus.UNCHANGED, FileStatus.CONTEXT) for f in self.files
        )


def _body(file: DiffFile) -> list[str]:
    """The file's hunks as lines, each hunk opened by a bare ``@@`` (no line numbers)."""
    lines: list[str] = []
    for hunk in file.hunks:
        heading = hunk.header.split("@@", 2)[-1].strip()
        lines.append(f"@@ {heading}".rstrip())
        lines.extend(_SIGNS.get(kind, " ") + text for kind, text in hunk.lines)
    return lines


def _changes(body: Sequence[str]) -> list[str]:
    return [line for line in body if line[:1] in ("+", "-")]


def _equal_run(lines: Sequence[str], first: bool, last: bool) -> list[InterLine]:
    """An equal run, cut to ``CONTEXT`` lines next to the changes around it."""
    keep_head = 0 if first else CONTEXT
    keep_tail = 0 if last else CONTEXT
    if len(lines) > keep_head + keep_tail:
        # Only the kept lines become InterLines: a file's long unchanged stretches
        # were a third of a long series' compare page.
        tail = lines[len(lines) - keep_tail :] if keep_tail else []
        kept = [*lines[:keep_head], None, *tail]  # None: the gap
    else:
        kept = list(lines)
    return [
        InterLine(LineKind.GAP, "") if line is None else InterLine(LineKind.SAME, line)
        for line in kept
    ]


def _trimmed(
    opcodes: Sequence[tuple[str, int, int, int, int]], a: Sequence[str], b: Sequence[str]
) -> Iterator[InterLine]:
    last = len(opcodes) - 1
    for n, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            yield from _equal_run(a[i1:i2], n == 0, n == last)
            continue
        yield from (InterLine(LineKind.OLD, line) for line in a[i1:i2])
        yield from (InterLine(LineKind.NEW, line) for line in b[j1:j2])


def _cheap_opcodes(a: Sequence[str], b: Sequence[str]) -> list[tuple[str, int, int, int, int]]:
    """Linear-time opcodes: the common head and tail equal, the rest replaced."""
    head = 0
    while head < min(len(a), len(b)) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < min(len(a), len(b)) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    ops = [("equal", 0, head, 0, head)] if head else []
    ops.append(("replace", head, len(a) - tail, head, len(b) - tail))
    if tail:
        ops.append(("equal", len(a) - tail, len(a), len(b) - tail, len(b)))
    return ops


def compare_lines(a: Sequence[str], b: Sequence[str]) -> tuple[InterLine, ...]:
    """Lines of ``a`` and ``b`` as one diff, equal runs cut; empty when they are equal."""
    if list(a) == list(b):
        return ()
    if len(a) * len(b) > MAX_WORK:
        return tuple(_trimmed(_cheap_opcodes(a, b), a, b))
    junk = len(a) * len(b) > EXACT_WORK
    opcodes = difflib.SequenceMatcher(None, a, b, autojunk=junk).get_opcodes()
    return tuple(_trimmed(opcodes, a, b))


def _file(path: str, old: DiffFile | None, new: DiffFile | None) -> FileInterdiff:
    a = _body(old) if old else []
    b = _body(new) if new else []
    if old is None:
        status = FileStatus.ADDED
    elif new is None:
        status = FileStatus.DROPPED
    elif a == b:
        status = FileStatus.UNCHANGED
    elif _changes(a) == _changes(b):
        status = FileStatus.CONTEXT
    else:
        status = FileStatus.CHANGED
    return FileInterdiff(path, status, compare_lines(a, b))


def interdiff(
    old_diff: str, new_diff: str, old_message: str = "", new_message: str = ""
) -> Interdiff:
    """The change from the older revision of a patch to the newer, file by file."""
    old_files = {f.path: f for f in parse_diff(old_diff)}
    new_files = {f.path: f for f in parse_diff(new_diff)}
    paths = list(new_files) + [p for p in old_files if p not in new_files]
    files = tuple(_file(p, old_files.get(p), new_files.get(p)) for p in paths)
    message = compare_lines(old_message.strip().split("\n"), new_message.strip().split("\n"))
    return Interdiff(files, message)
