# SPDX-License-Identifier: AGPL-3.0-or-later
"""A reply's body as quote blocks and the answers written under them.

Pure: text in, frozen dataclasses out. A *quote block* is a run of quoted
(``>``) lines at any depth, blank lines inside it included; an *answer* is
the unquoted text between two quote blocks, cut into paragraphs, less what
is not an answer: the "X wrote:" line that introduces the next quote,
trailer-only paragraphs, a closing ("Thanks,\\nLee") and the signature.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

from reviews.trailers import KNOWN_KINDS, is_signature

__all__ = [
    "QuoteBlock", "QuotedLine", "ReplyPart", "is_gap", "is_nudge", "is_quoted", "reply_answers",
    "reply_parts", "without_inner_markers",
]  # fmt: skip

# Any number of ">" (spaced or not), then one optional space before the text.
_QUOTE_RE = re.compile(r"^((?:[ \t]{0,2}>)+) ?")
# Quote markers inside a line: a client re-joined a line an earlier reply had
# wrapped and kept the marker of its second half ("(node, >> "nvmem-cells");").
_INNER_MARKER_RE = re.compile(r"[ \t](?:>+[ \t]*)*>+[ \t]")
# "[...]", "<snip>", "[ snip ]", "...", "<...>", "[skipped]": a cut in a quote.
# Also "//snip", "-- snip --", "8<---": a cut written as a comment or a scissors line.
_GAP_RE = re.compile(
    r"^\s*(?://|-{2,}|8<-*)?\s*[\[<(]?\s*(?:\.{2,}|…|snip(?:ped)?|skip(?:ped)?|cut|trimmed|deleted)"
    r"\s*[\])>]?\s*(?:-{2,}(?:>8)?)?\s*$",
    re.IGNORECASE,
)
_GAP_FIRST = frozenset("/-8[<(.…sScCtTdD")
# "[ ... snipped ... ]" and its kin are shorter than this, once stripped.
_GAP_LONGEST = 32
_ATTRIBUTION_RE = re.compile(
    r"(?:wrote|writes|said|schrieb|écrit|escribió|scritto)\s*:\s*$|[寫写]道\s*[:：]?\s*$",
    re.IGNORECASE,
)
# Known trailers, and any "Something-by:" (Acked-for-MFD-by, Build-tested-by).
_TRAILER_RE = re.compile(
    r"^\s*(?:" + "|".join(re.escape(k) for k in KNOWN_KINDS) + r"|[a-z][\w-]*-by):\s",
    re.IGNORECASE,
)
# A line leading to trailers is short; a longer one asks for something.
_LEAD_IN_WORDS = 16
# A sentence ends inside a paragraph: "Fix the leak. Otherwise," says something.
_SENTENCE_END_RE = re.compile(r"[.?!]\s")
_CLOSING_RE = re.compile(
    r"^\s*(?:(?:many|best|kind|warm)\s+)?"
    r"(?:thanks|thank you|thx|regards|cheers|br|b\.r\.|best|sincerely|greetings)(?!\w).{0,24}$",
    re.IGNORECASE,
)
_CLOSING_LINES = 3
# "[A]", "[2]:": a label for the quote below it, or a reference.
_LABEL_RE = re.compile(r"^\s*\[[\w.]{1,4}\]\s*:?\s*$")
_NUDGE_LONGEST = 40
# "Bump?", "Gentle ping", "Any comments?": a nudge about the whole patch.
_PING_RE = re.compile(
    r"^\s*(?:(?:gentle|friendly|kind)\s+)?(?:ping|bump|any (?:comments?|news|updates?))"
    r"(?:\s+(?:again|on this(?: one| patch| series)?))*\s*[?!.]*\s*$",
    re.IGNORECASE,
)


class QuotedLine(NamedTuple):
    """One quoted line (a named tuple: a reply quoting a patch has hundreds)."""

    depth: int  # how many ">" (1 for a quote of the mail replied to; 0 for a cut)
    text: str  # the line without its quote markers


@dataclass(frozen=True)
class QuoteBlock:
    lines: tuple[QuotedLine, ...]


@dataclass(frozen=True)
class ReplyPart:
    """A quote block and the answer paragraphs written right below it."""

    quote: QuoteBlock
    answer: tuple[str, ...]  # paragraphs, each its lines joined by newlines


def is_nudge(text: str) -> bool:
    """Whether a line only nudges ("ping?", "Gentle ping", "Bump")."""
    return len(text) <= _NUDGE_LONGEST and bool(_PING_RE.match(text))


def is_gap(text: str) -> bool:
    """Whether a quoted line marks a cut (``[...]``, ``<snip>``)."""
    # Asked of every quoted line of every reply at ingest: a cut is short, and
    # starts with one of few characters.
    stripped = text.strip()
    return (
        0 < len(stripped) <= _GAP_LONGEST
        and stripped[0] in _GAP_FIRST
        and bool(_GAP_RE.match(text))
    )


def without_inner_markers(text: str) -> str | None:
    """``text`` less the quote markers left inside it by a re-joined wrap, or None
    if it has none. Only a fallback for a line that matches nothing as it is:
    ``a >> b`` is also code."""
    if ">" not in text:
        return None
    cleaned = _INNER_MARKER_RE.sub(" ", text)
    return cleaned if cleaned != text else None


def is_quoted(line: str) -> bool:
    """Whether a line is quoted: a ``>`` marker after at most two blanks."""
    # A marker is within a line's first three characters: most lines are ruled
    # out without the expression (asked of every line of every reply at ingest).
    return ">" in line[:3] and _QUOTE_RE.match(line) is not None


def _split(line: str) -> QuotedLine | None:
    match = _QUOTE_RE.match(line)
    if match is None:
        return QuotedLine(0, line.strip()) if is_gap(line) else None
    return QuotedLine(match.group(1).count(">"), line[match.end() :].rstrip())


def _runs(lines: list[str]) -> Iterator[tuple[bool, list[str]]]:
    """(is_quote, lines) runs; blank lines between two quoted lines stay in the quote,
    and so does an unquoted cut (``[...]``) written where quoted lines were left out."""
    # A cut is short once stripped: a longer line with nothing to strip is none.
    quoted = [
        is_quoted(line)
        or (
            (len(line) <= _GAP_LONGEST or line[:1].isspace() or line[-1:].isspace())
            and is_gap(line)
        )
        for line in lines
    ]
    start = 0
    for i in range(1, len(lines) + 1):
        if i == len(lines) or quoted[i] != quoted[start]:
            run = lines[start:i]
            inner = start > 0 and i < len(lines)
            if not quoted[start] and inner and not any(s.strip() for s in run):
                quoted[start:i] = [True] * (i - start)  # a blank gap inside a quote
            yield quoted[start], run
            start = i


def _merged(lines: list[str]) -> list[tuple[bool, list[str]]]:
    out: list[tuple[bool, list[str]]] = []
    for is_quote, run in _runs(lines):
        if out and out[-1][0] == is_quote:
            out[-1][1].extend(run)
        else:
            out.append((is_quote, list(run)))
    return out


def _paragraphs(lines: list[str]) -> list[list[str]]:
    paragraphs: list[list[str]] = [[]]
    for line in lines:
        if line.strip():
            paragraphs[-1].append(line.rstrip())
        elif paragraphs[-1]:
            paragraphs.append([])
    return [p for p in paragraphs if p]


def _is_answer(paragraph: list[str], last_before_quote: bool, names: frozenset[str]) -> bool:
    if last_before_quote and _ATTRIBUTION_RE.search(paragraph[-1]):
        return False
    if _is_trailers(paragraph):
        return False
    if len(paragraph) == 1 and _PING_RE.match(paragraph[0]):
        return False
    if len(paragraph) == 1 and (_signs(paragraph[0], names) or _LABEL_RE.match(paragraph[0])):
        return False  # the sender signing, or "[B]" naming the quote that follows
    first = paragraph[0].strip()
    if len(paragraph) <= _CLOSING_LINES and len(first.split()) <= 3 and first.endswith(","):
        return False  # "Cheers,", "Gr{oetje,eeting}s,"
    return not (len(paragraph) <= _CLOSING_LINES and _CLOSING_RE.match(paragraph[0]))


def _signs(line: str, names: frozenset[str]) -> bool:
    """Whether a line is the author signing: their name, first name or initials."""
    words = [word.strip(".,!~-") for word in line.lower().split()]  # "Hugo.", "-- Matti"
    if not names or not any(words) or len(words) > 3:
        return False
    initials = "".join(sorted(name[0] for name in names))
    return set(words) - {""} <= names or "".join(sorted(line.lower().strip())) == initials


def _is_trailers(paragraph: list[str]) -> bool:
    """Trailers only, perhaps after a line leading to them ("For my own reference:")."""
    if paragraph[0].rstrip().endswith(":") and len(paragraph) > 1:
        paragraph = paragraph[1:]
    return all(_TRAILER_RE.match(line) for line in paragraph)


def _is_lead_in(paragraph: list[str]) -> bool:
    """One short sentence ending in "," or ":" ("With that fixed:", "Anyhow, I don't
    see this comment as a no-go so,")."""
    text = " ".join(line.strip() for line in paragraph)
    return (
        len(text.split()) <= _LEAD_IN_WORDS
        and text.endswith((",", ":"))
        and not _SENTENCE_END_RE.search(text)
    )


def _answer(lines: list[str], before_quote: bool, names: frozenset[str]) -> tuple[str, ...]:
    paragraphs = _paragraphs(lines)
    # A lead-in to the trailers below it (perhaps through another lead-in) is
    # about the patch as a whole, not the line quoted above it.
    to_trailers = [False] * len(paragraphs)
    for i in range(len(paragraphs) - 2, -1, -1):
        following = paragraphs[i + 1]
        to_trailers[i] = _is_lead_in(paragraphs[i]) and (
            _is_trailers(following) or to_trailers[i + 1]
        )
    kept = [
        "\n".join(p)
        for i, p in enumerate(paragraphs)
        if not to_trailers[i] and _is_answer(p, before_quote and i == len(paragraphs) - 1, names)
    ]
    return tuple(kept)


def _without_signature(lines: list[str]) -> list[str]:
    for i, line in enumerate(lines):
        if is_signature(line):
            return lines[:i]
    return lines


def reply_parts(body: str, author: str = "") -> tuple[ReplyPart, ...]:
    """Each quote block of ``body`` with the answer below it, in order.

    Text above the first quote answers nothing quoted and is left out; so is
    a line that only signs with the words of ``author`` (the sender's name).
    """
    runs = _body_runs(body)
    answers = _answers(runs, author)
    quotes = [run for is_quote, run in runs if is_quote]
    return tuple(
        ReplyPart(QuoteBlock(tuple(q for q in map(_split, run) if q is not None)), answer)
        for run, answer in zip(quotes, answers, strict=True)
    )


def reply_answers(body: str, author: str = "") -> tuple[tuple[str, ...], ...]:
    """The answers of ``reply_parts(body, author)``, in order, without reading the
    quoted lines (their markers and cuts), which cost most of it."""
    return _answers(_body_runs(body), author)


def _body_runs(body: str) -> list[tuple[bool, list[str]]]:
    """The body's lines above any signature, as runs of quoted and unquoted lines."""
    return _merged(_without_signature(body.replace("\r\n", "\n").split("\n")))


def _answers(runs: list[tuple[bool, list[str]]], author: str) -> tuple[tuple[str, ...], ...]:
    names = frozenset(author.lower().split())
    return tuple(
        _answer(runs[i + 1][1], i + 2 < len(runs), names) if i + 1 < len(runs) else ()
        for i, (is_quote, _) in enumerate(runs)
        if is_quote
    )
