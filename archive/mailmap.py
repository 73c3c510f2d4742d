# SPDX-License-Identifier: AGPL-3.0-or-later
"""Git's ``.mailmap`` format, read purely (text in, entries out).

Each line names a person's proper address and, optionally, an address they
also wrote from (see gitmailmap(5)):

    Proper Name <proper@example.org>
    <proper@example.org> <old@example.org>
    Proper Name <proper@example.org> <old@example.org>
    Proper Name <proper@example.org> Old Name <old@example.org>

``#`` starts a comment, on a line of its own or after the addresses.
Addresses compare case-insensitively, as git compares them; names compare
after folding case and spaces (:func:`same_name`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["MailmapEntry", "MailmapError", "parse_mailmap", "same_name"]

# A name (possibly empty) and the address in angle brackets after it.
_PART = re.compile(r"\s*([^<>]*?)\s*<([^<>]*)>")


class MailmapError(ValueError):
    """A line that names no address; the message says which line and why."""


@dataclass(frozen=True)
class MailmapEntry:
    line: int
    proper_name: str
    proper_email: str
    # Empty for a line that only gives the proper name of ``proper_email``.
    commit_name: str = ""
    commit_email: str = ""

    @property
    def merges(self) -> bool:
        """Whether the line says two different addresses are one person."""
        return bool(self.commit_email) and self.commit_email != self.proper_email


def parse_mailmap(text: str) -> list[MailmapEntry]:
    """The entries of a mailmap file, in file order; :class:`MailmapError` on a bad line."""
    entries = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if line:
            entries.append(_entry(number, line))
    return entries


def _entry(number: int, line: str) -> MailmapEntry:
    parts: list[tuple[str, str]] = []
    position = 0
    while len(parts) < 2:
        match = _PART.match(line, position)
        if match is None:
            break
        parts.append((match.group(1), match.group(2).strip().lower()))
        position = match.end()
    if not parts or not parts[0][1] or "@" not in parts[0][1]:
        raise MailmapError(f"line {number}: no address in angle brackets ({line!r})")
    if line[position:].strip():
        raise MailmapError(f"line {number}: unexpected text after the addresses ({line!r})")
    (proper_name, proper_email), *rest = parts
    commit_name, commit_email = rest[0] if rest else ("", "")
    if rest and "@" not in commit_email:
        raise MailmapError(f"line {number}: the second address is not one ({line!r})")
    return MailmapEntry(number, proper_name, proper_email, commit_name, commit_email)


def same_name(a: str, b: str) -> bool:
    """Whether two display names are the same person's, as mail writes them.

    Case, runs of spaces, surrounding quotes and Unicode normal forms differ
    between mail clients; a blank name (an address only) matches any name,
    since it says nothing against it.
    """
    left, right = _fold(a), _fold(b)
    return not left or not right or left == right


def _fold(name: str) -> str:
    name = unicodedata.normalize("NFKC", name).strip().strip("\"'").casefold()
    return " ".join(name.split())
