# SPDX-License-Identifier: AGPL-3.0-or-later
"""What became of the diff lines a review answered, one revision later.

Pure: the answered revision's diff, the next revision's diff and the
answered lines in; a fate for each line out. A line is *still open* when
the next revision's diff has the same line (same sign, same text, spacing
aside) in the same file; *addressed* when it does not but the file still
has lines of the hunk around it (the code answered was changed); *gone*
when the file, or every line of that hunk, is no longer in the diff.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from reviews.rendering.diff import DiffFile, parse_diff

__all__ = ["AnswerStatus", "AnsweredLine", "LineFate", "line_fates"]

_SIGNS = {"add": "+", "del": "-", "ctx": " "}


class AnswerStatus(StrEnum):
    ADDRESSED = "addressed"
    OPEN = "still open"
    GONE = "gone"


@dataclass(frozen=True)
class AnsweredLine:
    path: str
    old_line: int | None
    new_line: int | None


@dataclass(frozen=True)
class LineFate:
    status: AnswerStatus
    line: str  # the answered line as the diff had it, sign included


def _squashed(text: str) -> str:
    return "".join(text.split())


def _numbered(file: DiffFile) -> Iterable[tuple[int | None, int | None, str, int]]:
    """Each line of a file's diff: its old and new numbers, its signed text and its
    hunk's index (plain values: a long file has thousands of lines, few answered)."""
    for index, hunk in enumerate(file.hunks):
        old_no, new_no = hunk.old_start, hunk.new_start
        for kind, text in hunk.lines:
            if kind not in _SIGNS:
                continue
            old = old_no if kind in ("ctx", "del") else None
            new = new_no if kind in ("ctx", "add") else None
            old_no += kind in ("ctx", "del")
            new_no += kind in ("ctx", "add")
            yield old, new, _SIGNS[kind] + text, index


def _signed(file: DiffFile) -> Iterable[str]:
    """Each line of a file's diff, signed, spacing squashed."""
    for hunk in file.hunks:
        for kind, text in hunk.lines:
            if kind in _SIGNS:
                yield _SIGNS[kind] + _squashed(text)


def _fate(signed: str, substance: Sequence[str], after: _After | None) -> AnswerStatus:
    if after is None:
        return AnswerStatus.GONE
    if signed[0] + _squashed(signed[1:]) in after.signed:
        return AnswerStatus.OPEN
    # The hunk is still there when one of its lines with some substance is.
    if any(text in after.texts for text in substance):
        return AnswerStatus.ADDRESSED
    return AnswerStatus.GONE


@dataclass
class _After:
    """A file's lines in the next revision's diff, spacing squashed: signed, and not."""

    signed: set[str]
    texts: set[str]


def _substance(hunk: Sequence[str]) -> list[str]:
    """A hunk's lines with some substance (over two characters), squashed, unsigned."""
    return [text for line in hunk if len(text := _squashed(line[1:])) > 2]


def line_fates(
    old_diff: str, new_diff: str, lines: Sequence[AnsweredLine]
) -> dict[AnsweredLine, LineFate]:
    """The fate of each answered line of ``old_diff`` in ``new_diff`` (unknown lines left out)."""
    wanted = set(lines)
    if not wanted:  # most patches: nothing answered, neither diff needs reading
        return {}
    # Only files holding an answered line are numbered: a big patch's other
    # files cannot change any fate, and numbering them was most of the cost.
    paths = {line.path for line in wanted}
    found: dict[AnsweredLine, tuple[str, int, str]] = {}
    hunks: dict[tuple[str, int], list[str]] = {}
    for file in parse_diff(old_diff):
        if file.path not in paths:
            continue
        here = {(w.old_line, w.new_line): w for w in wanted if w.path == file.path}
        for old, new, signed, index in _numbered(file):
            hunks.setdefault((file.path, index), []).append(signed)
            key = here.get((old, new))
            if key is not None:
                found[key] = (signed, index, file.path)
    after: dict[str, _After] = {}
    for file in parse_diff(new_diff):
        if file.path not in paths:
            continue
        squashed = set(_signed(file))
        seen = after.setdefault(file.path, _After(set(), set()))
        seen.signed.update(squashed)
        seen.texts.update(line[1:] for line in squashed)
    # Each hunk's and file's sets made once, not once per answered line (56 on
    # NCT6694 v12 5/7, each rebuilding its file's set of texts).
    answered = {(path, index) for _, index, path in found.values()}
    substance = {where: _substance(hunks[where]) for where in answered}
    return {
        key: LineFate(_fate(signed, substance[(path, index)], after.get(path)), signed)
        for key, (signed, index, path) in found.items()
    }
