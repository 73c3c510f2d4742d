# SPDX-License-Identifier: AGPL-3.0-or-later
"""A unified diff as HTML: file by file, old/new line numbers, coloured code.

Pure: diff text in, escaped HTML out. Tolerant of mail-mangled diffs: any line
that is not understood is shown as context rather than dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from archive.invisible import escape_visible
from reviews.rendering.highlight import highlighter_for

__all__ = ["DiffFile", "colour_diff", "parse_diff", "render_diff"]

_HUNK_RE = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
# Headers every file has; only the others (modes, renames, binary) are shown.
_PLAIN_HEADERS = ("diff ", "index ", "--- ", "+++ ", "Index: ", "====")
_KINDS = {"+": "add", "-": "del", " ": "ctx", "\\": "note"}
# (path, old line, new line) -> HTML rows to show under that line.
LineKey = tuple[str, int | None, int | None]
Below = Mapping[LineKey, str] | None


@dataclass
class Hunk:
    header: str
    old_start: int
    new_start: int
    lines: list[tuple[str, str]] = field(default_factory=list)  # (kind, text)


@dataclass
class DiffFile:
    headers: list[str] = field(default_factory=list)
    old_path: str = ""
    new_path: str = ""
    hunks: list[Hunk] = field(default_factory=list)

    @property
    def path(self) -> str:
        return self.new_path if self.new_path not in ("", "/dev/null") else self.old_path


def _strip_path(raw: str) -> str:
    path = raw.split("\t")[0].strip().strip('"')
    return path[2:] if path.startswith(("a/", "b/")) else path


def parse_diff(diff: str) -> list[DiffFile]:
    """Split a diff into files and hunks (never raises).

    Hunk bodies are read by the counts in their ``@@`` header, so a removed
    line reading ``-- x`` is not taken for the next file's ``--- `` line.
    Lines are split at ``\n`` only, as ``git apply`` splits them: a carriage
    return or form feed stays inside its line.
    """
    files: list[DiffFile] = []
    current: DiffFile | None = None
    hunk: Hunk | None = None
    old_left = new_left = 0
    for line in diff.split("\n"):
        if hunk is not None and (old_left > 0 or new_left > 0 or line.startswith("\\")):
            kind = _KINDS.get(line[:1], "ctx")
            # A line without a sign (mangled in transit) is shown whole, as context.
            hunk.lines.append((kind, line[1:] if line[:1] in _KINDS else line))
            old_left -= kind in ("ctx", "del")
            new_left -= kind in ("ctx", "add")
            continue
        match = _HUNK_RE.match(line)
        if match and current is not None:
            hunk = Hunk(line, int(match.group(1)), int(match.group(3)))
            old_left, new_left = int(match.group(2) or 1), int(match.group(4) or 1)
            current.hunks.append(hunk)
            continue
        if line.startswith(("diff ", "Index: ")) or (
            line.startswith("--- ") and (current is None or current.hunks)
        ):
            current, hunk = DiffFile(), None
            files.append(current)
            if line.startswith("diff --git "):
                old, _, new = line[len("diff --git ") :].partition(" ")
                current.old_path, current.new_path = _strip_path(old), _strip_path(new)
        if current is not None and hunk is None:
            _header_line(current, line)
    return files


def _header_line(current: DiffFile, line: str) -> None:
    if line.startswith("--- "):
        current.old_path = _strip_path(line[4:])
    elif line.startswith("+++ "):
        current.new_path = _strip_path(line[4:])
    elif line.startswith(("rename from ", "copy from ")):
        current.old_path = line.split(" ", 2)[2]
    elif line.startswith(("rename to ", "copy to ")):
        current.new_path = line.split(" ", 2)[2]
    if line:
        current.headers.append(line)


def _coloured(file: DiffFile, hunk: Hunk) -> list[str]:
    """HTML per hunk line, lexing the old and the new side each as a whole."""
    highlight = highlighter_for(file.path)
    old = [t for k, t in hunk.lines if k in ("ctx", "del")]
    new = [t for k, t in hunk.lines if k in ("ctx", "add")]
    # The old side is shown only on removed lines: a hunk that removes nothing
    # (a new file, most additions) shows none of it, so it is not coloured.
    shows_old = any(k == "del" for k, _ in hunk.lines)
    old_html = iter(highlight(old) if shows_old else old)
    new_html = iter(highlight(new))
    out = []
    for kind, text in hunk.lines:
        if kind == "del":
            out.append(next(old_html))
        elif kind == "add":
            out.append(next(new_html))
        elif kind == "ctx":
            next(old_html)
            out.append(next(new_html))
        else:
            out.append(escape_visible(text))
    return out


def _hunk_rows(file: DiffFile, hunk: Hunk, below: Below, html_lines: list[str]) -> list[str]:
    rows = [
        '<tr class="hunk"><td class="ln"></td><td class="ln"></td>'
        f"<td>{escape_visible(hunk.header)}</td></tr>"
    ]
    old_no, new_no = hunk.old_start, hunk.new_start
    signs = {"add": "+", "del": "-", "ctx": " ", "note": "\\"}
    for (kind, _text), html in zip(hunk.lines, html_lines, strict=True):
        old_cell = new_cell = ""
        if kind in ("ctx", "del"):
            old_cell, old_no = str(old_no), old_no + 1
        if kind in ("ctx", "add"):
            new_cell, new_no = str(new_no), new_no + 1
        extra = below.get(_line_key(file, old_cell, new_cell)) if below else None
        rows.append(
            f'<tr class="{kind}{" answered" if extra else ""}">'
            f'<td class="ln" data-ln="{old_cell}"></td>'
            f'<td class="ln" data-ln="{new_cell}"></td>'
            f'<td><span class="sign">{signs[kind]}</span>{html}</td></tr>'
        )
        if extra:
            rows.append(extra)
    return rows


def _line_key(file: DiffFile, old: str, new: str) -> LineKey:
    return (file.path, int(old) if old else None, int(new) if new else None)


def _file_html(
    index: int, file: DiffFile, below: Below, coloured: Iterator[list[str]] | None
) -> str:
    path = _file_name(file.path) if file.path else "(unknown file)"
    title = path
    if file.old_path and file.new_path and file.old_path != file.new_path:
        title = f"{_file_name(file.old_path)} → {path}" if file.new_path != "/dev/null" else path
    notes = [h for h in file.headers if not h.startswith(_PLAIN_HEADERS)]
    meta = ""
    if notes:
        meta = f'<pre class="diff-meta">{escape_visible(chr(10).join(notes))}</pre>'
    rows = [
        row
        for hunk in file.hunks
        for row in _hunk_rows(
            file, hunk, below, next(coloured) if coloured else _coloured(file, hunk)
        )
    ]
    body = (
        f'<div class="diff-scroll"><table class="diff-table"><tbody>{"".join(rows)}'
        "</tbody></table></div>"
        if rows
        else ""
    )
    return (
        f'<section class="diff-file" id="file-{index}">'
        f'<h3 class="diff-path"><a href="#file-{index}">{title}</a>{_stat(file)}</h3>'
        f"{meta}"
        f"{body}</section>"
    )


def _file_name(path: str) -> str:
    """A file name isolated from the text around it, its invisible characters marked."""
    return f"<bdi>{escape_visible(path)}</bdi>"


def _stat(file: DiffFile) -> str:
    added = sum(1 for h in file.hunks for kind, _ in h.lines if kind == "add")
    removed = sum(1 for h in file.hunks for kind, _ in h.lines if kind == "del")
    return (
        f' <span class="stat"><span class="plus">+{added}</span> '
        f'<span class="minus">−{removed}</span></span>'
    )


def colour_diff(diff: str) -> list[list[str]]:
    """The coloured HTML of each hunk's lines, hunk by hunk through the files: the
    costly part of ``render_diff``, for storing (``reviews.diffcolours``)."""
    return [_coloured(f, h) for f in parse_diff(diff) for h in f.hunks]


def render_diff(diff: str, below: Below = None, coloured: list[list[str]] | None = None) -> str:
    """Escaped HTML for every file of ``diff``; the diff text itself when unparseable.

    ``below`` holds rows of HTML to show under lines, keyed by (path, old line,
    new line), as answers anchored to the diff are (``reviews.anchors``).
    ``coloured`` is ``colour_diff(diff)`` computed before; used only when it
    has the diff's shape (a hunk of lines for every hunk).
    """
    files = parse_diff(diff)
    if not files:
        return f'<pre class="diff-raw">{escape_visible(diff)}</pre>'
    shape = [len(h.lines) for f in files for h in f.hunks]
    lines = iter(coloured) if coloured and [len(c) for c in coloured] == shape else None
    return "".join(_file_html(i, f, below, lines) for i, f in enumerate(files, 1))
