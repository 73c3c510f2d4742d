# SPDX-License-Identifier: AGPL-3.0-or-later
"""What a reader sees of our rendered HTML, to compare with the text stored.

The markers ``archive.invisible`` draws for invisible characters carry the
code point in their title; ``unmark`` puts the character back, so the text
a page shows can be compared with the stored text character for character.
"""

from __future__ import annotations

import html
import re

__all__ = ["hunk_lines", "shown_diff_rows", "unmark"]

_MARKER = re.compile(r'<span class="ctrl(?: bidi)?" title="U\+([0-9A-F]{4,6}) [^"]*">[^<]*</span>')
_TAG = re.compile(r"<[^>]*>")
# One row of a rendered diff table: two line-number cells, then the line
# (the rows of answers shown under a line are not diff lines).
_ROW = re.compile(
    r'<tr class="(?:hunk|ctx|add|del|note)(?: answered)?">'
    r'<td class="ln"[^>]*></td><td class="ln"[^>]*></td><td>(.*?)</td></tr>'
)


def unmark(fragment: str) -> str:
    """The text of an HTML fragment, each invisible-character marker turned back into it."""
    # Not through character references: html.unescape maps &#x0B; to "" and &#x85; to "…".
    parts = _MARKER.split(fragment)  # text, code point, text, code point, ..., text
    return "".join(
        chr(int(part, 16)) if i % 2 else html.unescape(_TAG.sub("", part))
        for i, part in enumerate(parts)
    )


def shown_diff_rows(page: str) -> list[str]:
    """The rows of every diff table in ``page`` (hunk headers and lines), as text."""
    return [unmark(cell) for cell in _ROW.findall(page)]


def hunk_lines(diff: str) -> list[str]:
    """The lines of ``diff`` from each ``@@`` header to the next file (split at LF only)."""
    out: list[str] = []
    in_hunks = False
    for line in diff.split("\n"):
        if line.startswith("diff "):
            in_hunks = False
        in_hunks = in_hunks or line.startswith("@@ ")
        if in_hunks:
            out.append(line)
    while out and out[-1] == "":
        out.pop()
    return out
