# SPDX-License-Identifier: AGPL-3.0-or-later
"""A plain-text mail body as HTML: quotes and signature folded, trailers marked.

Pure: text in, escaped HTML out. Runs of quoted (``>``) lines longer than
``SHORT_QUOTE`` lines go into a collapsed ``<details>`` together with the
"X wrote:" line above them; shorter ones stay visible, since inline review
needs the line it answers. A fold that opens the mail is marked ``lead`` so
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

__all__ = ["SHORT_QUOTE", "render_mail"]

SHORT_QUOTE = 2
_GAP = '<span class="gap"></span>'

_QUOTE_RE = re.compile(r"^[ \t]?>")
_TRAILER_RE = re.compile(
    r"^\s*(?:" + "|".join(re.escape(k) for k in KNOWN_KINDS) + r"):\s+\S", re.IGNORECASE
)
_ATTRIBUTION_RE = re.compile(r"(?:wrote|writes|said):\s*$")
# A URL ends at an invisible character, which is then shown as a marker.
_URL_RE = re.compile(rf"\bhttps?://[^\s<>\"'()\[\]{INVISIBLE}]+[^\s<>\"'()\[\].,;:!?{INVISIBLE}]")


def _linkify(line: str) -> str:
    """Escape a line, turning http(s) URLs into links and invisible characters into markers."""
    out, last = [], 0
    for match in _URL_RE.finditer(line):
        out.append(escape_visible(line[last : match.start()], PROSE))
        url = escape(match.group(0))
        out.append(f'<a href="{url}" rel="nofollow noopener">{url}</a>')
        last = match.end()
    out.append(escape_visible(line[last:], PROSE))
    return "".join(out)


def _quote_depth(line: str) -> int:
    return min(line.replace(" ", "")[:3].count(">"), 3)


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


def _quote_html(lines: list[str], attribution: str | None = None, lead: bool = False) -> str:
    """A quote run: short ones inline, long ones folded with their "X wrote:" line inside."""
    inner = "\n".join(
        f'<span class="q q{_quote_depth(line)}">{_linkify(line)}</span>' for line in lines
    )
    if attribution is None and len(lines) <= SHORT_QUOTE:
        return f'<span class="quote">{inner}</span>'
    noun = "line" if len(lines) == 1 else "lines"
    title = f' title="{escape(attribution)}"' if attribution else ""
    said = f'<span class="attribution">{_linkify(attribution)}</span>\n' if attribution else ""
    css = "quote lead" if lead else "quote"
    return (
        f'<details class="{css}"><summary{title}><span class="fold">quoted {len(lines)} {noun}'
        f"</span></summary>{said}{inner}</details>"
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
    folded = [kind == "quote" and len(run) > SHORT_QUOTE for kind, run in blocks]
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
            parts.append(_quote_html(run, attribution, lead))
            continue
        run = _trim(run, head=i > 0 and folded[i - 1], tail=i + 1 < len(blocks) and folded[i + 1])
        blocks[i] = (kind, run)
        parts.append(_text_html(run) if run else None)
    return [p for p in parts if p is not None]


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
