# SPDX-License-Identifier: AGPL-3.0-or-later
"""A plain-text mail body as HTML: quotes and signature folded, trailers marked.

Pure: text in, escaped HTML out. Runs of quoted (``>``) lines longer than
``SHORT_QUOTE`` lines go into a collapsed ``<details>`` together with the
"X wrote:" line above them; shorter ones stay visible, since inline review
needs the line it answers. A run that an answer follows keeps its last
``CONTEXT`` quoted lines (blank ``>`` lines aside) visible below the fold,
so the fold never hides the line the answer is about; only a run longer
than that by more than ``SHORT_QUOTE`` lines is folded at all. A fold that
opens the mail is marked ``lead`` so
the page can put it beside the author line. Everything below
the ``-- `` signature separator is folded too. Trailer lines (``Reviewed-by:``
and friends, unquoted) get a class so the page can highlight them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import escape

from archive.invisible import INVISIBLE, PROSE, escape_visible
from reviews.trailers import KNOWN_KINDS

__all__ = ["CONTEXT", "SHORT_QUOTE", "render_mail"]

SHORT_QUOTE = 2
CONTEXT = 3
_GAP = '<span class="gap"></span>'
_QUOTE_OPEN = tuple(f'<span class="q q{depth}">' for depth in range(4))

_QUOTE_RE = re.compile(r"^[ \t]?>")
_TRAILER_RE = re.compile(
    r"^\s*(?:" + "|".join(re.escape(k) for k in KNOWN_KINDS) + r"):\s+\S", re.IGNORECASE
)
_ATTRIBUTION_RE = re.compile(r"(?:wrote|writes|said):\s*$")
# A URL ends at an invisible character, which is then shown as a marker.
_URL_RE = re.compile(rf"\bhttps?://[^\s<>\"'()\[\]{INVISIBLE}]+[^\s<>\"'()\[\].,;:!?{INVISIBLE}]")


def _linkify(line: str) -> str:
    """Escape a line, turning http(s) URLs into links and invisible characters into markers."""
    if "http" not in line:  # most lines: no URL to look for
        return escape_visible(line, PROSE)
    out, last = [], 0
    for match in _URL_RE.finditer(line):
        out.append(escape_visible(line[last : match.start()], PROSE))
        url = escape(match.group(0))
        out.append(f'<a href="{url}" rel="nofollow noopener">{url}</a>')
        last = match.end()
    out.append(escape_visible(line[last:], PROSE))
    return "".join(out)


def _quote_depth(line: str) -> int:
    """How many ``>`` among the line's first three characters that are not spaces."""
    head = line[:8].replace(" ", "")  # a long line's spaces need not all go
    if len(head) < 3 and len(line) > 8:
        head = line.replace(" ", "")
    return head[:3].count(">")


def _blocks(lines: list[str]) -> Iterator[tuple[str, list[str]]]:
    """("text" | "quote", lines) runs, in order."""
    kind = ""
    run: list[str] = []
    for line in lines:
        this = "quote" if _QUOTE_RE.match(line) else "text"
        if this != kind and run:
            yield kind, run
            run = []
        kind = this
        run.append(line)
    if run:
        yield kind, run


def _text_html(lines: list[str]) -> str:
    """Escaped lines; a run of blank lines becomes one paragraph gap (a short block)."""
    out: list[str] = []
    for line in lines:
        if not line.strip():
            if not out or out[-1] != _GAP:
                out.append(_GAP)
            continue
        html = _linkify(line)
        out.append(f'<span class="trailer">{html}</span>' if _TRAILER_RE.match(line) else html)
    html = ""
    for piece in out:
        # No newline around the gap block: a newline next to a block shows as an empty line.
        if html and piece != _GAP and not html.endswith(_GAP):
            html += "\n"
        html += piece
    return html


def _quote_lines(lines: list[str]) -> str:
    # Quoted lines are most of a long thread's mail: the run is escaped in one
    # call (no marker is a newline, nor does PROSE match one), only lines with
    # a URL one by one.
    escaped = escape_visible("\n".join(lines), PROSE).split("\n")
    for i, line in enumerate(lines):
        if "http" in line:
            escaped[i] = _linkify(line)
    pairs = zip(lines, escaped, strict=True)
    return "\n".join(f"{_QUOTE_OPEN[_quote_depth(line)]}{html}</span>" for line, html in pairs)


def _context_start(run: list[str]) -> int:
    """Where the last ``CONTEXT`` quoted lines with text begin (blank ``>`` lines skipped)."""
    seen = 0
    for i in range(len(run) - 1, -1, -1):
        if run[i].strip(" \t>"):
            seen += 1
            if seen == CONTEXT:
                return i
    return 0


def _split_quote(run: list[str], answered: bool) -> tuple[list[str], list[str]]:
    """(folded, visible) parts of a quote run; the visible part is the answer's context."""
    if not answered:
        return (run, []) if len(run) > SHORT_QUOTE else ([], run)
    start = _context_start(run)
    if start <= SHORT_QUOTE:
        return [], run
    return run[:start], run[start:]


def _quote_html(
    folded: list[str], visible: list[str], attribution: str | None = None, lead: bool = False
) -> str:
    """A quote run: the folded part with its "X wrote:" line inside, then the visible part."""
    shown = f'<span class="quote">{_quote_lines(visible)}</span>' if visible else ""
    if not folded:
        return shown
    noun = "line" if len(folded) == 1 else "lines"
    title = f' title="{escape(attribution)}"' if attribution else ""
    said = f'<span class="attribution">{_linkify(attribution)}</span>\n' if attribution else ""
    css = "quote lead" if lead else "quote"
    return (
        f'<details class="{css}"><summary{title}><span class="fold">quoted {len(folded)} {noun}'
        f"</span></summary>{said}{_quote_lines(folded)}</details>{shown}"
    )


def _trim(lines: list[str], *, head: bool = False, tail: bool = False) -> list[str]:
    start, end = 0, len(lines)
    while head and start < end and not lines[start].strip():
        start += 1
    while tail and end > start and not lines[end - 1].strip():
        end -= 1
    return lines[start:end]


def _body_parts(text: list[str]) -> list[str]:
    """HTML parts; a folded quote takes its "X wrote:" line and the blank lines around it."""
    blocks = list(_blocks(text))
    splits = [
        _split_quote(run, _answered(blocks, i)) if kind == "quote" else ([], run)
        for i, (kind, run) in enumerate(blocks)
    ]
    folded = [kind == "quote" and bool(splits[i][0]) for i, (kind, _) in enumerate(blocks)]
    # A fold followed by visible context is no block end: keep the blank lines after it.
    ends_folded = [folded[i] and not splits[i][1] for i in range(len(blocks))]
    parts: list[str | None] = []  # None: a text run folded into the quote after it
    for i, (kind, run) in enumerate(blocks):
        if kind == "quote":
            attribution = None
            if folded[i] and parts and parts[-1] is not None:
                previous = blocks[i - 1][1]
                if previous and _ATTRIBUTION_RE.search(previous[-1]):
                    attribution = previous.pop()
                    parts[-1] = _text_html(previous) if previous else None
            lead = not any(p is not None for p in parts)
            parts.append(_quote_html(*splits[i], attribution, lead))
            continue
        head = i > 0 and ends_folded[i - 1]
        run = _trim(run, head=head, tail=i + 1 < len(blocks) and folded[i + 1])
        blocks[i] = (kind, run)
        parts.append(_text_html(run) if run else None)
    return [p for p in parts if p is not None]


def _answered(blocks: list[tuple[str, list[str]]], i: int) -> bool:
    """Whether an answer (text, not only blank lines) comes right after quote run ``blocks[i]``."""
    if i + 1 >= len(blocks):
        return False
    kind, run = blocks[i + 1]
    return kind == "text" and any(line.strip() for line in run)


def _split_signature(lines: list[str]) -> tuple[list[str], list[str]]:
    for i, line in enumerate(lines):
        if line in ("-- ", "--"):
            return lines[:i], lines[i:]
    return lines, []


def render_mail(body: str) -> str:
    """Escaped HTML for a mail body, meant to sit in a ``white-space: pre-wrap`` box."""
    lines = _trim(body.replace("\r\n", "\n").split("\n"), head=True, tail=True)
    text, signature = _split_signature(lines)
    while text and not text[-1].strip():
        text.pop()
    parts = _body_parts(text)
    if signature:
        noun = "line" if len(signature) == 1 else "lines"
        parts.append(
            f'<details class="signature"><summary>signature, {len(signature)} {noun}'
            f"</summary>{_text_html(signature)}</details>"
        )
    return _join(parts)


def _join(parts: list[str]) -> str:
    # A newline right after a block (<details>) would show as an empty line
    # in a pre-wrap box, so parts after a block are not separated by one.
    html = ""
    for part in parts:
        if html and not html.endswith(("</details>", _GAP)):
            html += "\n"
        html += part
    return html
