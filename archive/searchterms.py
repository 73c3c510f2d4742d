# SPDX-License-Identifier: AGPL-3.0-or-later
"""Exact search terms of one message, for the prefixes full-text search can't serve.

Pure: text in, a tuple of lexemes out; no Django. Each lexeme is an
identifier of the body (``rtc_class_ops``, see :func:`identifier_tokens`) or
``prefix:value`` (``f:jane@example.org``, ``dfn:drivers/rtc/rtc-cmos.c``,
``patchid:0123...``, which the review processor adds from the diff it
extracts, see ``archive.processors``) and goes verbatim into ``Message.search`` through
``array_to_tsvector``, so one GIN index answers every prefix. The query side
(:mod:`archive.search`) builds its lexemes with :func:`word_tokens` and
:func:`address_tokens` so that both sides agree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "BodyText",
    "address_tokens",
    "header_addresses",
    "identifier_tokens",
    "message_terms",
    "split_body",
    "split_terms",
    "word_tokens",
]

MAX_TERM = 200  # characters; longer values are not worth an index entry
MAX_DIFF_WORDS = 3000  # distinct dfa:/dfb: words kept per message
MAX_IDENTIFIERS = 5000  # distinct identifiers (words with "_") kept per message
_WORD_RE = re.compile(r"\w+")
# A word with an underscore, whole: "rtc_class_ops". Anchored at a word start,
# so that a long word without one is scanned once.
_IDENTIFIER_RE = re.compile(r"\b\w*_\w*")
_SPACE_RE = re.compile(r"\s")
_ADDRESS_RE = re.compile(r"[^\s<>,;:\"'()\[\]]+@[^\s<>,;:\"'()\[\]@]+")
_HUNK_RE = re.compile(r"^@@ -\d+(?:,\d+)? \+\d+(?:,\d+)? @@")
_GIT_DIFF_RE = re.compile(r"^diff --git a/(\S+) b/(\S+)")


_DIFF_START = re.compile(r"^(?:> ?)*(?:diff --git |diff -|Index: |--- a/|@@ -\d)", re.M)
_DIFF_LINE = re.compile(
    r"(?:> ?)*(?:[-+ @\\]|diff |index |new file|deleted file|similarity |rename |old mode"
    r"|new mode|copy |Binary |GIT binary|literal |delta |=====|RCS file|retrieving)"
)


# Exact terms kept in the body vector itself, the others are stored apart as
# text (Message.search_terms, archive migration 0018): the ones a query leaves
# out beside body words (b:probe -f:robot, -dfn:path), which one GIN scan
# answers from the index only when they share the words' vector; apart, each
# candidate's terms were read (3.8 -> 206 ms for b:probe -f:belloni at 17k).
IN_BODY_VECTOR = ("f:", "dfn:")


def split_terms(terms: Iterable[str]) -> tuple[list[str], list[str]]:
    """(the terms kept in the body vector, the terms stored apart), in their order."""
    kept: list[str] = []
    apart: list[str] = []
    for term in terms:
        (kept if term.startswith(IN_BODY_VECTOR) else apart).append(term)
    return kept, apart


# Text beyond this many characters (prose or code, of the body and its text
# attachments together) is not worth indexing, and would only slow ingest.
MAX_BODY_TEXT = 400_000


@dataclass(frozen=True)
class BodyText:
    """What the body vector indexes: prose by quoting, and code (diff lines)."""

    unquoted: str  # nq:, stemmed
    quoted: str  # q:, stemmed
    code: str  # diff lines, quoted or not: b: and bare words only, unstemmed


def split_body(body: str, attachment_texts: Iterable[str] = ()) -> BodyText:
    """A body and its text attachments as prose (unquoted, quoted) and code.

    Everything is searched by ``b:`` and bare words, as in public-inbox. Diff
    lines (``+``/``-``/context/hunk headers, quoted ones too) are code: they
    are indexed without stemming and kept out of ``nq:``/``q:``. Prose after a
    diff (b4's ``change-id:``, a reply below a quoted hunk) stays prose.
    """
    unquoted: list[str] = []
    quoted: list[str] = []
    code: list[str] = []
    budget = MAX_BODY_TEXT
    for text in (body, *attachment_texts):
        if budget <= 0:
            break
        text = text[:budget]
        budget -= len(text)
        _split_text(text, unquoted, quoted, code)
    return BodyText("\n".join(unquoted), "\n".join(quoted), "\n".join(code))


def _split_text(text: str, unquoted: list[str], quoted: list[str], code: list[str]) -> None:
    match = _DIFF_START.search(text)
    if match:
        prose: list[str] = []
        for line in text[match.start() :].split("\n"):
            (code if _DIFF_LINE.match(line) else prose).append(line)
        text = text[: match.start()] + "\n".join(prose)
    if "\n>" not in text and not text.startswith(">"):
        unquoted.append(text)
        return
    for line in text.split("\n"):
        (quoted if line.startswith(">") else unquoted).append(line)


def word_tokens(text: str) -> list[str]:
    """Lower-case words, as ``dfa:``/``dfb:`` and name parts are indexed."""
    return [w[:MAX_TERM] for w in _WORD_RE.findall(text.lower())]


def _word_set(text: str) -> set[str]:
    """``set(word_tokens(text))``, cut to length only where a word is long."""
    words = set(_WORD_RE.findall(text.lower()))
    if words and max(map(len, words)) > MAX_TERM:
        return {w[:MAX_TERM] for w in words}
    return words


def header_addresses(header: str) -> list[str]:
    """The lower-cased addresses in an address header, found by a regular expression."""
    return [addr.strip(".") for addr in _ADDRESS_RE.findall(header.lower())]


def address_tokens(header: str) -> set[str]:
    """Whole addresses, their domains, and every word of names and addresses.

    A regular expression rather than ``email.utils.getaddresses``: kernel mail
    carries Cc lists of dozens of addresses, and the full RFC 5322 parser
    cost more than the rest of a message's parsing.
    """
    # Words of the display names; addresses count whole and by domain only, so
    # "com" or "kernel" from every address do not bloat the index.
    tokens = _word_set(_ADDRESS_RE.sub(" ", header))
    for addr in header_addresses(header):
        tokens.add(addr[:MAX_TERM])
        tokens.add(addr.rsplit("@", 1)[1][:MAX_TERM])
    return tokens


def _sender_tokens(name: str, addr: str) -> set[str]:
    tokens = _word_set(f"{name} {addr}")
    addr = addr.strip().lower()
    if "@" in addr and not _SPACE_RE.search(addr):
        tokens.update((addr[:MAX_TERM], addr.rsplit("@", 1)[1][:MAX_TERM]))
    return tokens


def message_terms(
    sender: tuple[str, str], to: str, cc: str, body: str, attachment_texts: Iterable[str] = ()
) -> tuple[str, ...]:
    """Every ``prefix:value`` lexeme of one message, sorted, without whitespace.

    ``sender`` is the (name, address) of From; ``to`` and ``cc`` are header texts.
    Only a file name of a diff can hold whitespace (:func:`_file_names` leaves
    those out): every other term is made of ``\\w`` runs or addresses without it.
    """
    # A mail has a hundred terms or more, thousands with a diff: prefixes are
    # joined by str.__add__ and nothing is sorted that is not cut (#21).
    terms: set[str] = set(map("f:".__add__, _sender_tokens(*sender)))
    terms.update(_address_terms("t:", to))
    terms.update(_address_terms("c:", cc))
    identifiers: set[str] = set()
    for text in (body, *attachment_texts):
        found: set[str] = set()
        if "\n@@ -" in text or text.startswith("@@ -"):
            # The changed lines' words are tokenised for dfa:/dfb: anyway:
            # only the rest of the text is scanned for identifiers again.
            diff_terms, found, text = _diff_terms(text)
            terms.update(diff_terms)
        room = MAX_IDENTIFIERS - len(identifiers)
        if room > 0:
            if "_" in text:
                found |= identifier_tokens(text)
            # The body's first: a robot's .config attachment holds thousands.
            found -= identifiers
            identifiers.update(found if len(found) <= room else sorted(found)[:room])
    terms.update(identifiers)
    return tuple(sorted(terms))


# A thread's mails carry the same To and Cc (dozens of addresses on kernel
# lists): 69% of linux-rtc's headers were among the last 256 seen (#21).
@lru_cache(maxsize=256)
def _address_terms(prefix: str, header: str) -> frozenset[str]:
    return frozenset(map(prefix.__add__, address_tokens(header)))


def identifier_tokens(text: str) -> set[str]:
    """Words with an underscore, whole and lower-cased, as unprefixed exact lexemes.

    PostgreSQL's text parser cuts ``rtc_class_ops`` into three words, so
    ``b:rtc_class_ops`` is a phrase that each candidate's whole vector must be
    reread for; the identifier as one lexeme answers it from the index alone.
    A lexeme with ``_`` can never come out of the parser, so these never
    mix with the words of prose.
    """
    # Lines without "_" are dropped first: a membership test is far cheaper than the scan.
    text = "\n".join([line for line in text.split("\n") if "_" in line]).lower()
    return {w[:MAX_TERM] for w in _IDENTIFIER_RE.findall(text) if w.strip("_")}


def _diff_terms(text: str) -> tuple[set[str], set[str], str]:
    """(dfn:/dfa:/dfb: terms, identifiers of the changed lines, the other lines)."""
    names, added, removed, other = _diff_lines(text)
    terms = set(map("dfn:".__add__, names))
    # Changed lines are tokenised once per side: a regular expression call
    # per line cost more than parsing the rest of the mail.
    identifiers: set[str] = set()
    for prefix, lines in (("dfb:", added), ("dfa:", removed)):
        every = _word_set("\n".join(lines))
        identifiers.update(w for w in every if "_" in w and w.strip("_"))
        kept = every if len(every) <= MAX_DIFF_WORDS else sorted(every)[:MAX_DIFF_WORDS]
        terms.update(map(prefix.__add__, kept))
    return terms, identifiers, "\n".join(other)


def _diff_lines(text: str) -> tuple[set[str], list[str], list[str], list[str]]:
    """(file names, added lines, removed lines, the other lines) of a text with diffs."""
    names: set[str] = set()
    added: list[str] = []
    removed: list[str] = []
    other: list[str] = []
    in_hunk = False
    for line in text.split("\n"):
        marker = line[:1]
        if in_hunk:
            # Inside a hunk only "diff " starts a file's header again.
            if marker == "+":
                added.append(line[1:])
                continue
            if marker == "-":
                removed.append(line[1:])
                continue
            if marker != "d" or not line.startswith("diff "):
                # A context line or another hunk's header keep the hunk, and so
                # do "\ No newline" and empty lines; anything else ends it.
                hunk_header = line[:2] == "@@" and _HUNK_RE.match(line)
                in_hunk = marker in (" ", "\\", "") or bool(hunk_header)
                other.append(line)
                continue
        elif not line.startswith(("diff ", "--- ", "+++ ")):
            in_hunk = line[:2] == "@@" and _HUNK_RE.match(line) is not None
            other.append(line)
            continue
        in_hunk = False
        names.update(_file_names(line))
        other.append(line)
    return names, added, removed, other


def _file_names(line: str) -> set[str]:
    """File paths of a ``diff --git``/``---``/``+++`` line, and their base names.

    Paths with whitespace (``--- a/my file``) are left out: a lexeme holds none.
    """
    match = _GIT_DIFF_RE.match(line)
    if match:
        paths = [match.group(1), match.group(2)]
    else:
        path = line[4:].split("\t", 1)[0].strip()
        if path == "/dev/null" or not path:
            return set()
        paths = [path[2:] if path[:2] in ("a/", "b/") else path]
    names: set[str] = set()
    for path in paths:
        path = path.lower()[:MAX_TERM]
        names.add(path)
        names.add(path.rsplit("/", 1)[-1])
    if any(map(_SPACE_RE.search, names)):
        return {name for name in names if not _SPACE_RE.search(name)}
    return names
