# SPDX-License-Identifier: AGPL-3.0-or-later
"""Search snippets: the words searched for, marked in a few lines of a hit's body.

PostgreSQL's ``ts_headline`` parsed and stemmed every word of each hit's
text window: about 3 ms for a page of 50 hits on a quiet machine, the largest
part of a search page's first view. Here the statement that reads the page
cuts each window (around the first occurrence of the first word searched),
and :class:`Highlighter` scans it with one regular expression for the tokens
that could be a searched word; only those are stemmed.

A token is a run of letters and digits, as PostgreSQL's parser splits text
(``rtc_class_ops`` is three), except that a searched identifier is matched
whole. It is marked when it is the word as typed (the body vector also holds
words unstemmed: diff lines, identifiers), when it has the word's Snowball
English stem (what PostgreSQL's ``english`` configuration indexes), or, for
``word*``, when either starts with the word's. The words of a phrase are
marked only where they follow one another.

Why the scan may skip a token: a Snowball English stem is the word with its
suffix rewritten, so a word keeps all but at most the last two characters of
its stem (``dying``: ``die``; ``happiness``: ``happi``). A token that shares
a stem with a searched word therefore starts with that stem less its last two
characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

import Stemmer

__all__ = ["MARK_END", "MARK_START", "Highlighter", "Window"]

# Markers that cannot occur in mail text: the snippet is escaped, then marked up.
MARK_START, MARK_END = "\x02", "\x03"
# Characters of context before the first mark, and the snippet's length
# (about the 15 to 35 words ts_headline was asked for).
BEFORE, LENGTH = 60, 200
# How far before the first occurrence the statement starts a window, and its
# length: room for BEFORE and LENGTH whichever mark comes first.
WINDOW_BEFORE, WINDOW_LENGTH = 100, 320

_STEMMER = Stemmer.Stemmer("english")
_IDENTIFIER = re.compile(r"\w*_\w*")
_PART = re.compile(r"[^\W_]+")
_GAP = re.compile(r"[\W_]*")  # what may stand between two words of a phrase
_WORD, _PART_CHAR = re.compile(r"\w"), re.compile(r"[^\W_]")  # what may not precede a token
_RUN = re.compile(r"[^\W_]*")  # the rest of a word after its head


@dataclass(frozen=True)
class Window:
    """Text of a hit's body cut by the page's statement; ``at_start``: from its start."""

    text: str
    at_start: bool


@dataclass(frozen=True)
class _Word:
    text: str  # lower case
    stem: str
    prefix: bool  # ``word*``
    identifier: bool


class Highlighter:
    """Marks the positive full-text terms of one query; one per results page."""

    def __init__(self, terms: tuple[tuple[str, bool], ...]) -> None:
        """``terms``: (text, wildcard) of each term; a text of several words is a phrase."""
        self.phrases = [ph for ph in (_phrase(text, star) for text, star in terms) if ph]
        self._words = [w for phrase in self.phrases for w in phrase]
        self._stems: dict[str, str] = {}
        self._scan = _Scan(self._words) if self._words else None
        self._blind: re.Pattern[str] | None = None  # compiled only for rare letters

    def snippet(self, window: Window) -> str:
        """The window's snippet, its matches between MARK_START and MARK_END."""
        text = window.text
        spans = self._spans(text)
        first = spans[0] if spans else (0, 0)
        start = max(0, first[0] - BEFORE)
        if start or not window.at_start:
            start = _word_start(text, start, first[0] if spans else len(text))
        end = start + LENGTH
        if end < len(text):
            end = max(_word_end(text, end), first[1])
        out, at = [], start
        for s, e in spans:
            if s >= end:
                break
            out += [text[at:s], MARK_START, text[s:e], MARK_END]
            at = e
        out.append(text[at:end])
        return "".join(out).strip()

    def _spans(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of every marked token, in order."""
        if self._scan is None:
            return []
        tokens = self._tokens(text, self._scan)
        if not tokens:
            return []
        found: set[tuple[int, int]] = set()
        for phrase in self.phrases:
            found.update(self._occurrences(text, tokens, phrase))
        if not found:  # no phrase whole in the window: its words, as ts_headline did
            for phrase in self.phrases:
                for word in phrase:
                    found.update(self._occurrences(text, tokens, (word,)))
        merged: list[tuple[int, int]] = []
        for s, e in sorted(found):  # tokens never overlap, but stay safe
            if merged and s < merged[-1][1]:
                merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
            else:
                merged.append((s, e))
        return merged

    def _tokens(self, text: str, scan: _Scan) -> list[tuple[int, int, str]]:
        """(start, end, lower case) of the tokens that could match a word.

        Looked for in the lower-cased text by their words' letters
        (``_Scan``), several times faster than a case-blind pattern behind
        a look-behind; where lower case moves offsets (rare letters), with
        that pattern.
        """
        low = text.lower()
        if len(low) != len(text):
            if self._blind is None:
                self._blind = _candidates(self._words, blind=True)
            found = self._blind.finditer(text)
            return [(m.start(), m.end(), m.group().lower()) for m in found]
        tokens = []
        for s, e, identifier in scan.matches(low):
            before = _WORD if identifier else _PART_CHAR
            if s == 0 or not before.match(low, s - 1):
                tokens.append((s, e, low[s:e]))
        return tokens

    def _occurrences(
        self, text: str, tokens: list[tuple[int, int, str]], phrase: tuple[_Word, ...]
    ) -> list[tuple[int, int]]:
        if len(phrase) == 1:
            return [(s, e) for s, e, token in tokens if self._matches(token, phrase[0])]
        spans: list[tuple[int, int]] = []
        for i in range(len(tokens) - len(phrase) + 1):
            run = tokens[i : i + len(phrase)]
            words = zip(run, phrase, strict=True)
            if all(self._matches(tok, word) for (_, _, tok), word in words) and all(
                _GAP.fullmatch(text, a[1], b[0]) for a, b in pairwise(run)
            ):
                spans += [(s, e) for s, e, _ in run]
        return spans

    def _matches(self, token: str, word: _Word) -> bool:
        if word.identifier or token == word.text:
            return token == word.text
        if word.prefix and token.startswith(word.text):
            return True
        if not token.startswith(word.stem[: max(1, len(word.stem) - 2)]):
            return False
        stem = self._stems.get(token)
        if stem is None:
            stem = self._stems[token] = _STEMMER.stemWord(token)
        return stem.startswith(word.stem) if word.prefix else stem == word.stem


class _Scan:
    """What ``_candidates(words)`` finds in lower-cased text, found with ``str.find``.

    A search page's words are new to the process on a first view, and
    compiling their pattern (twice, with the case-blind one) cost 0.1-0.3 ms
    a page, more than scanning its fifty windows. The matches are the
    pattern's, in its order of preference: at the leftmost place where any
    option starts, a searched identifier not followed by a word character,
    else a word's head with the rest of its run of letters and digits; the
    next match is looked for from the end of this one.
    """

    def __init__(self, words: list[_Word]) -> None:
        heads, whole = _options(words)
        # (text, identifier) in the pattern's order: identifiers first, each sorted.
        self.options = [(w, True) for w in whole] + [(h, False) for h in heads]
        self.pattern = _candidates(words) if "" in heads else None  # never, but stay exact

    def matches(self, low: str) -> list[tuple[int, int, bool]]:
        """(start, end, is an identifier) of each match in ``low``, in order."""
        if self.pattern is not None:
            return [(m.start(), m.end(), m.lastgroup == "id") for m in self.pattern.finditer(low)]
        options = self.options
        if len(options) == 1:  # one word or identifier: most searches
            return self._one(low, *options[0])
        ahead = [low.find(text) for text, _ in options]
        found: list[tuple[int, int, bool]] = []
        while True:
            at = min((n for n in ahead if n >= 0), default=-1)
            if at < 0:
                return found
            resume = at + 1  # when no option matches here (an identifier runs on)
            for (text, identifier), n in zip(options, ahead, strict=True):
                if n != at:
                    continue
                end = at + len(text)
                if identifier:
                    if _WORD.match(low, end):
                        continue
                elif run := _RUN.match(low, end):  # always: it may match nothing
                    end = run.end()
                found.append((at, end, identifier))
                resume = end
                break
            ahead = [
                low.find(text, resume) if 0 <= n < resume else n
                for (text, _), n in zip(options, ahead, strict=True)
            ]

    @staticmethod
    def _one(low: str, text: str, identifier: bool) -> list[tuple[int, int, bool]]:
        """``matches`` for a single option, without the bookkeeping of several."""
        found: list[tuple[int, int, bool]] = []
        at = low.find(text)
        while at >= 0:
            end = at + len(text)
            if identifier:
                if _WORD.match(low, end):
                    at = low.find(text, at + 1)
                    continue
            elif run := _RUN.match(low, end):  # always: it may match nothing
                end = run.end()
            found.append((at, end, identifier))
            at = low.find(text, end)
        return found


def _phrase(text: str, star: bool) -> tuple[_Word, ...]:
    """The words of a term: identifiers whole, other text split as PostgreSQL splits it."""
    words: list[_Word] = []
    for chunk in text.lower().split():
        if _IDENTIFIER.fullmatch(chunk) and chunk.strip("_"):
            words.append(_Word(chunk, chunk, star, True))
            continue
        for part in _PART.findall(chunk):
            words.append(_Word(part, _STEMMER.stemWord(part), star, False))
    return tuple(words)


def _candidates(words: list[_Word], blind: bool = False) -> re.Pattern[str]:
    """One expression finding every token that could match one of ``words``: in
    lower-cased text, the caller checking what precedes a match; ``blind``: in any
    text, case-blind, with that check in the expression."""
    heads, whole = _options(words)
    # Identifiers first: at the same place the other option would take only their first part.
    options = []
    if whole:
        ids = "|".join(map(re.escape, whole))
        options.append((r"(?<!\w)" if blind else "") + f"(?P<id>{ids})" + r"(?!\w)")
    if heads:
        parts = "|".join(map(re.escape, heads))
        options.append((r"(?<![^\W_])" if blind else "") + f"(?P<part>(?:{parts})" + r"[^\W_]*)")
    return re.compile("|".join(options), re.IGNORECASE if blind else 0)


def _options(words: list[_Word]) -> tuple[list[str], list[str]]:
    """The heads of the words (their stems less at most two characters) and the
    identifiers searched whole, each sorted: what a token may start with."""
    heads = sorted({w.stem[: max(1, len(w.stem) - 2)] for w in words if not w.identifier})
    whole = sorted({w.text for w in words if w.identifier})
    return heads, whole


def _word_start(text: str, at: int, limit: int) -> int:
    """The start of the first whole word at or after ``at`` (not past ``limit``)."""
    space = text.find(" ", at, limit)
    newline = text.find("\n", at, limit)
    found = [i for i in (space, newline) if i >= 0]
    return min(found) + 1 if found else at


def _word_end(text: str, at: int) -> int:
    """The end of the last whole word before ``at``."""
    found = max(text.rfind(" ", 0, at), text.rfind("\n", 0, at))
    return found if found > 0 else at
