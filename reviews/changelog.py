# SPDX-License-Identifier: AGPL-3.0-or-later
"""The author's changelog: the notes of a patch and the changes of a cover letter.

Pure: text in, text out. A patch's notes are what ``git format-patch`` puts
between the ``---`` line and the diff, less the diffstat (and the
``create mode`` lines) git writes at their end; the reviewer reads them to
learn what changed since the last revision. A cover letter carries its
changelog inside the letter, under a heading such as ``Changes since
version 11:``, ``Changes in v3:`` or ``v2 -> v3:``, and before the
shortlog, the diffstat, the ``base-commit:`` line or the signature.
"""

from __future__ import annotations

import re

__all__ = ["cover_changelog", "patch_notes"]

# " drivers/mfd/nct6694.c | 386 +++++", " a.png | Bin 0 -> 12 bytes",
# " 5 files changed, 507 insertions(+)", " create mode 100644 x.c", " rename …".
_DIFFSTAT_RE = re.compile(
    r"^ (?:\S.*\|\s+(?:\d+(?: [-+]*)?|Bin\b.*)"
    r"|\d+ files? changed\b.*"
    r"|(?:create|delete) mode \d+ .*"
    r"|(?:rename|copy) .*\(\d+%\)"
    r"|mode change \d+ => \d+ .*)\s*$"
)
_HEADING_RE = re.compile(
    r"^\s*(?:"
    r"(?:changes|changelog|change log|revision history|version history)\b[^:]*:"
    r"|(?:changes|changelog|change log)\b.*\b(?:v\d+|version \d+)\b[^:]*:?"
    r"|v\d+\s*(?:->|→|\.\.|to)\s*v?\d+\s*:?"
    r"|(?:since|from) v\d+\s*:?"
    r"|v\d+\s*:"
    r")\s*$",
    re.IGNORECASE,
)
# Where a cover letter's changelog ends: a shortlog ("Ming Yu (7):"), the
# diffstat, b4's trailers, a signature, a "---" separator, mail trailers.
_END_RE = re.compile(
    r"^(?:\S.*\(\d+\):\s*$|-- ?$|-{3,}\s*$|\*\*\* BLURB HERE"
    r"|base-commit: |change-id: |prerequisite-|(?:Cc|To|Signed-off-by): )"
)
# A closing paragraph ("Thanks,\nLaurent") is no change.
_CLOSING_RE = re.compile(r"^\s*(?:thanks|thank you|regards|best|cheers|br)\b", re.IGNORECASE)


def patch_notes(commit_message: str) -> str:
    """The notes below a patch's ``---`` line, without the diffstat; "" when none."""
    lines = commit_message.replace("\r\n", "\n").split("\n")
    for i, line in enumerate(lines):
        if line.rstrip() == "---":
            notes = lines[i + 1 :]
            break
    else:
        return ""
    end = len(notes)
    while end and (not notes[end - 1].strip() or _DIFFSTAT_RE.match(notes[end - 1])):
        end -= 1
    return _strip_blank("\n".join(notes[:end]))


def cover_changelog(body: str) -> str:
    """The changelog a cover letter carries, from its first heading on; "" when none."""
    lines = body.replace("\r\n", "\n").split("\n")
    start = next((i for i, line in enumerate(lines) if _HEADING_RE.match(line)), None)
    if start is None:
        return ""
    end = len(lines)
    for i in range(start + 1, len(lines)):
        if _END_RE.match(lines[i]) or _DIFFSTAT_RE.match(lines[i]):
            end = i
            break
    return _strip_blank(_without_closing(lines[start:end]))


def _without_closing(lines: list[str]) -> str:
    text = _strip_blank("\n".join(lines))
    head, _, last = text.rpartition("\n\n")
    if head and last.count("\n") < 2 and _CLOSING_RE.match(last):
        return head
    return text


def _strip_blank(text: str) -> str:
    """Text without the blank lines around it (indentation of its first line kept)."""
    return text.strip("\n").rstrip()
