# SPDX-License-Identifier: AGPL-3.0-or-later
"""An interdiff as HTML: each file's diff of the two diffs, then the message change.

Pure: an ``Interdiff`` in, escaped HTML out, in the diff's own table style.
Each row is one line of either revision's diff (its own ``+``/``-`` kept):
a red row is only in the older revision, a green one only in the newer, a
plain one in both; the outer sign says which.
"""

from __future__ import annotations

from html import escape

from archive.invisible import escape_visible
from reviews.interdiff import FileInterdiff, FileStatus, Interdiff, InterLine, LineKind

__all__ = ["STATUS_WORDS", "render_interdiff", "render_lines"]

STATUS_WORDS = {
    FileStatus.UNCHANGED: "unchanged",
    FileStatus.CONTEXT: "only the context moved",
    FileStatus.CHANGED: "changed",
    FileStatus.ADDED: "new in this revision",
    FileStatus.DROPPED: "no longer touched",
}
_ROWS = {LineKind.OLD: ("del", "-"), LineKind.NEW: ("add", "+"), LineKind.SAME: ("ctx", " ")}


def _row(line: InterLine) -> str:
    if line.kind is LineKind.GAP:
        return '<tr class="hunk gap"><td class="ln"></td><td>…</td></tr>'
    css, sign = _ROWS[line.kind]
    if line.kind is LineKind.SAME and line.text.startswith("@@"):
        css = "hunk"
    return (
        f'<tr class="{css}"><td class="ln"></td>'
        f'<td><span class="sign">{sign}</span>{escape_visible(line.text)}</td></tr>'
    )


def render_lines(lines: tuple[InterLine, ...]) -> str:
    """Interdiff lines as a diff table (empty when there are none)."""
    if not lines:
        return ""
    rows = "".join(_row(line) for line in lines)
    return (
        '<div class="diff-scroll"><table class="diff-table interdiff-table"><tbody>'
        f"{rows}</tbody></table></div>"
    )


def _file_html(index: int, file: FileInterdiff) -> str:
    status = file.status.value
    body = "" if file.status is FileStatus.UNCHANGED else render_lines(file.lines)
    return (
        f'<section class="diff-file interdiff-file {status}" id="interdiff-{index}">'
        f'<h3 class="diff-path"><a href="#interdiff-{index}"><bdi>{escape_visible(file.path)}'
        f'</bdi></a> <span class="tag file-{status}">{escape(STATUS_WORDS[file.status])}</span>'
        f"</h3>{body}</section>"
    )


def render_interdiff(result: Interdiff) -> str:
    """The commit message change (when any), then every file the two diffs touch."""
    parts = []
    if result.message:
        parts.append(
            '<section class="diff-file interdiff-message"><h3 class="diff-path">Commit message'
            f"</h3>{render_lines(result.message)}</section>"
        )
    parts.extend(_file_html(i, f) for i, f in enumerate(result.files, 1))
    return "".join(parts)
