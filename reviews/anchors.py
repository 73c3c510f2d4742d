# SPDX-License-Identifier: AGPL-3.0-or-later
"""Replies anchored to the diff lines they answer.

Pure: a patch's diff and a reply's body in, frozen dataclasses out. The
quoted lines of the reply (``reviews.quotes``) are matched to the diff's
lines on their text with all whitespace removed, so tabs turned into spaces,
trimmed or re-wrapped quotes still match; a line that occurs more than once
(``}``, an empty ``+``) is placed by its neighbours: the next line of the
diff after the last one matched, or the place where the longest run of the
quote matches. Each answer is attached to the last diff line its quote
block matched; a block that quotes no diff line anchors nothing, nor does
one whose only diff lines are a lone ``}`` or ``};`` (a code sketch in the
prose, more often than not), nor one that quotes the patch down to its
``-- `` signature (the answer is about the whole patch).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import NamedTuple

from reviews.quotes import is_gap, is_nudge, reply_parts, without_inner_markers
from reviews.rendering.diff import parse_diff

__all__ = [
    "Anchor", "DiffIndex", "DiffLine", "PreparedReply", "ReplyAnchors", "anchor_prepared",
    "anchor_reply", "index_diff", "prepare_reply",
]  # fmt: skip

# How many following quoted lines to try joining to one a mail client wrapped.
_MAX_JOIN = 3
# How far a run of matching lines is followed when choosing among candidates.
_MAX_RUN = 12
# A quoted line this long (without whitespace) may be a trimmed diff line.
_MIN_PREFIX = 12
# More quoted code lines than this after the last one matched: code from elsewhere.
_MAX_TAIL = 2
# An indented line of this many words without any of these characters is prose.
_PROSE_WORDS = 5
_CODE_CHARS = frozenset(";{}()=#")
# An unchanged line this short, matched alone, may be anyone's code.
_MIN_CONTEXT = 12
# A repeated line this short ("}", "};", "*/") is placed only next to a line placed.
_MIN_ALONE = 2
_DIFF_STARTS = ("+", "-", " ", "\t")
# A quoted line this similar to the diff line after the last one matched is
# that line, mangled or edited (only lines this long: "+}" and "+};" differ).
_NEAR = 0.9
_MIN_NEAR = 8


class DiffLine(NamedTuple):
    """One line of a diff (a named tuple: a diff has thousands, made at ingest)."""

    path: str
    kind: str  # "add", "del", "ctx", or "head" for file and hunk headers
    old_line: int | None
    new_line: int | None
    key: str  # sign and text without whitespace, as matched


@dataclass(frozen=True)
class DiffIndex:
    lines: tuple[DiffLine, ...]
    positions: Mapping[str, tuple[int, ...]]  # key -> indexes in ``lines``


@dataclass(frozen=True)
class Anchor:
    """An answer under a diff line: ``old_line`` for a removed line, ``new_line``
    for an added one, both for context."""

    path: str
    old_line: int | None
    new_line: int | None
    text: str
    position: int  # the line's index in the diff, for ordering


@dataclass(frozen=True)
class ReplyAnchors:
    anchors: tuple[Anchor, ...]
    quoted_diff_lines: int  # quoted lines matched to the diff, answered or not


def line_key(raw: str) -> str:
    """A diff line (or a quote of one) as matched: sign, then text without whitespace."""
    if raw[:1] in ("+", "-"):
        return raw[0] + "".join(raw[1:].split())
    return " " + "".join(raw.split())


def index_diff(diff: str) -> DiffIndex:
    """Every line of ``diff`` with its file and line numbers, and where each key occurs."""
    lines: list[DiffLine] = []
    append = lines.append  # the loop below runs for every line of every patch at ingest
    for file in parse_diff(diff):
        path = file.path
        lines.extend(DiffLine(path, "head", None, None, line_key(h)) for h in file.headers)
        for hunk in file.hunks:
            append(DiffLine(path, "head", None, None, line_key(hunk.header)))
            old, new = hunk.old_start, hunk.new_start
            for kind, text in hunk.lines:
                if kind == "add":
                    append(DiffLine(path, kind, None, new, "+" + "".join(text.split())))
                    new += 1
                elif kind == "del":
                    append(DiffLine(path, kind, old, None, "-" + "".join(text.split())))
                    old += 1
                elif kind == "ctx":
                    # as line_key(" " + text): a context line's key keeps no sign
                    append(DiffLine(path, kind, old, new, " " + "".join(text.split())))
                    old += 1
                    new += 1
    positions: dict[str, list[int]] = {}
    for i, line in enumerate(lines):
        positions.setdefault(line.key, []).append(i)
    return DiffIndex(tuple(lines), {k: tuple(v) for k, v in positions.items()})


@dataclass(frozen=True)
class PreparedReply:
    """A reply's quote blocks and answers, read once and ready to anchor to any diff.

    Everything here depends on the reply alone (its body and its sender's
    name), so ingest's parse workers prepare it and the writer only matches
    it against the diff of the patch it turns out to answer.
    """

    # Lines joined by newlines (no line holds one): a reply quoting a whole
    # patch crosses from a worker to the writer as two strings, not hundreds.
    texts: str  # every quoted line, without its markers, in order
    keys: str  # each line's ``line_key`` ("" for a cut, which no key is)
    sizes: tuple[int, ...]  # how many of those lines each quote block has
    answers: tuple[tuple[str, ...], ...]  # the answer paragraphs under each block

    def lines(self) -> tuple[list[str], list[str | None]]:
        """The quoted lines and their keys (None for a cut)."""
        if not sum(self.sizes):
            return [], []
        return self.texts.split("\n"), [key or None for key in self.keys.split("\n")]


def prepare_reply(body: str, author: str = "") -> PreparedReply:
    """``body`` cut into quote blocks and answers (``reviews.quotes``), keys computed."""
    parts = reply_parts(body, author)
    texts = [line.text for part in parts for line in part.quote.lines]
    return PreparedReply(
        texts="\n".join(texts),
        keys="\n".join("" if is_gap(text) else line_key(text) for text in texts),
        sizes=tuple(len(part.quote.lines) for part in parts),
        answers=tuple(part.answer for part in parts),
    )


@dataclass
class _Matcher:
    """Matches one reply's quoted lines in order; ``cursor`` is the last match."""

    index: DiffIndex
    texts: Sequence[str]
    keys: Sequence[str | None]  # None for a gap
    cursor: int = -1

    def _key_at(self, position: int) -> str | None:
        lines = self.index.lines
        return lines[position].key if 0 <= position < len(lines) else None

    def _run(self, start: int, at: int) -> int:
        """How many quoted lines from ``at`` match the diff from ``start`` on."""
        run = 0
        while run < _MAX_RUN and at + run < len(self.keys):
            key = self.keys[at + run]
            if key is None or self._key_at(start + run) != key:
                break
            run += 1
        return run

    def _choose(self, key: str, at: int) -> int | None:
        candidates = self.index.positions.get(key, ())
        if not candidates:
            return None
        if self._key_at(self.cursor + 1) == key:
            return self.cursor + 1
        if not key.strip(" +-"):
            return None  # an empty line is only ever placed by the line above it
        scored = [(self._run(c, at) + (c > self.cursor) * 0.5, -c, c) for c in candidates]
        run, _, best = max(scored)
        later = [c for c in candidates if c > self.cursor]
        if run >= 2 or len(candidates) == 1:
            return best
        if len(key.strip(" +-")) <= _MIN_ALONE:
            return None  # a lone "}" in prose (a code sketch) is not this diff's "}"
        return later[0] if later and self.cursor >= 0 else None

    def _joined(self, at: int, end: int) -> tuple[int | None, int]:
        """A line wrapped by a mail client: (position, quoted lines used)."""
        text = self.texts[at]
        for extra in range(1, _MAX_JOIN + 1):
            if at + extra >= end or self.keys[at + extra] is None:
                break
            text += self.texts[at + extra]
            found = self._choose(line_key(text), at)
            if found is not None:
                return found, extra + 1
        key = line_key(self.texts[at])  # not None: gaps are never joined
        following = self._key_at(self.cursor + 1)
        if len(key) > _MIN_PREFIX and following and following.startswith(key):
            return self.cursor + 1, 1  # a quote trimmed at its end
        return None, 1

    def match(self, at: int, end: int) -> tuple[int | None, int]:
        """The diff line quoted at ``at`` (or None) and how many quoted lines it took
        (joining lines before ``end`` only)."""
        key = self.keys[at]
        if key is None:
            return None, 1
        found = self._choose(key, at)
        used = 1
        # Only a diff line (a sign, or indented context) can have been wrapped
        # or mangled.
        if found is None and self.texts[at][:1] in _DIFF_STARTS:
            found, used = self._joined(at, end)
            if found is None:
                found = self._mangled(at)
        if found is not None:
            self.cursor = found
        return found, used

    def _mangled(self, at: int) -> int | None:
        """A line that matches nothing as quoted but is nearly what it quotes."""
        text = self.texts[at]
        # "> >> +x" re-joined into one line, or ">  +x" quoted with one space too many.
        cleaned = without_inner_markers(text)
        if cleaned is None and text[:2] in (" +", " -"):
            cleaned = text[1:]
        if cleaned is not None:
            found = self._choose(line_key(cleaned), at)
            if found is not None:
                return found
        # The line right after the last one matched, nearly: a character the
        # mail client added or changed ("=3D", a stray "." at the end), or the
        # line as the revision the reviewer read had it (a name changed since).
        key, following = line_key(text), self._key_at(self.cursor + 1)
        if self.cursor < 0 or not following or following[0] != key[0] or len(key) < _MIN_NEAR:
            return None
        near = SequenceMatcher(None, key, following, autojunk=False)
        return self.cursor + 1 if near.quick_ratio() >= _NEAR and near.ratio() >= _NEAR else None


def _last_diff_line(matcher: _Matcher, start: int, count: int) -> tuple[int | None, int]:
    """Match a block's lines; the last diff line it quotes and how many it matched.

    A block that goes on past the diff to the mail's signature (``-- `` and
    the git version) quoted the whole patch: what is written below it is
    about the patch, not its last line, so it has no last diff line. Nor has
    a block whose quoted code goes on for long past its last line in this
    diff (``_unmatched_tail``), nor one that goes on to quote a nudge ("ping?").
    """
    last: int | None = None
    last_at = -1  # the quoted line that matched ``last``
    matched = 0
    # "}" or "required:" alone may be a code sketch in prose, unless it goes on
    # right where the quote above it stopped.
    substantial = False
    previous = matcher.cursor
    told = True  # whether the line at ``previous`` showed the quote is of this diff
    at, end = start, start + count
    while at < end:
        found, used = matcher.match(at, end)
        line = matcher.index.lines[found] if found is not None else None
        if found is not None and line is not None and line.kind != "head":
            matched += 1
            if line.key.strip(" +-"):  # an empty line is not what an answer is about
                last, last_at = found, at + used - 1
                told = _telling(line, told and previous >= 0 and found == previous + 1)
                substantial |= told
            elif last is not None and _blank_change_after(matcher.index, last, found):
                last, last_at = found, at + used - 1
            previous = found
        elif last is not None and matcher.texts[at].rstrip() == "--":
            last = None
        at += used
    if last is None or not substantial:
        return None, matched
    if _unmatched_tail(matcher, matcher.index.lines[last].key, last_at + 1, end) > _MAX_TAIL:
        return None, matched
    if any(is_nudge(text) for text in matcher.texts[last_at + 1 : end]):
        return None, matched  # the reply answers a "ping?" about the patch quoted above it
    return last, matched


def _telling(line: DiffLine, goes_on: bool) -> bool:
    """Whether a matched line shows the block quotes this diff: it goes on right
    below a line that did, or is long enough not to be anyone's code (an
    unchanged line must be longer: "required:", "return 0;" are everywhere)."""
    shortest = _MIN_CONTEXT if line.kind == "ctx" else _MIN_ALONE
    return goes_on or len(line.key.strip(" +-")) > shortest


def _blank_change_after(index: DiffIndex, last: int, found: int) -> bool:
    """Whether ``found`` is an empty line added or removed right below unchanged ``last``:
    then the empty line is the change quoted, and what the answer is about
    ("not needed"), not the unchanged line above it."""
    return (
        found == last + 1 and index.lines[last].kind == "ctx" and index.lines[found].kind != "ctx"
    )


def _unmatched_tail(matcher: _Matcher, last_key: str, at: int, end: int) -> int:
    """How many quoted code lines right after a block's last matched line are not
    in this diff (cuts and blank lines skipped, the first line of prose ends it).

    Why: the answer below a quote is about its last lines. If the quote goes
    on into code this diff does not have (the reviewer quoted another revision,
    or a sketch of their own right under the patch's lines), the line the answer
    is about is not here. One or two such lines are a line edited since, or
    a remnant of a wrap: the answer is still about this spot, and the last line
    here is where a reader of this revision looks. More than that is code from
    elsewhere, and the answer is left in the discussion rather than put under
    a line it may not be about.
    """
    keys, texts = matcher.keys, matcher.texts
    remnant_of = last_key[1:]
    count = 0
    for i in range(at, end):
        key, text = keys[i], texts[i]
        if key is None or not text.strip():
            continue  # a cut or a blank line: the quote may go on
        if (text[:1] not in _DIFF_STARTS and not text.startswith("@@")) or _is_prose(text):
            break  # someone's words under the quoted lines
        if key[1:] and key[1:] in remnant_of:
            continue  # the rest of the last line, wrapped by a mail client
        if key not in matcher.index.positions:
            count += 1
    return count


def _is_prose(text: str) -> bool:
    """An indented quoted line that reads as words, not code (an earlier reply's
    comment indented under the lines it answers)."""
    return (
        text[:1] in (" ", "\t")
        and len(text.split()) >= _PROSE_WORDS
        and not any(c in text for c in _CODE_CHARS)
    )


def anchor_reply(index: DiffIndex, body: str, author: str = "") -> ReplyAnchors:
    """Each answer of ``body`` attached to the last diff line quoted above it.

    ``author``, the sender's name, tells a signature line from an answer.
    """
    return anchor_prepared(index, prepare_reply(body, author))


def anchor_prepared(index: DiffIndex, reply: PreparedReply) -> ReplyAnchors:
    """``anchor_reply`` for a reply already cut into blocks (``prepare_reply``)."""
    matcher = _Matcher(index, *reply.lines())
    anchors: list[Anchor] = []
    start = total = 0
    for size, answer in zip(reply.sizes, reply.answers, strict=True):
        last, matched = _last_diff_line(matcher, start, size)
        start += size
        total += matched
        if last is None or not answer:
            continue
        line = index.lines[last]
        text = "\n\n".join(answer)
        anchors.append(Anchor(line.path, line.old_line, line.new_line, text, last))
    return ReplyAnchors(tuple(anchors), total)
