# SPDX-License-Identifier: AGPL-3.0-or-later
"""Characters a reader cannot see, escaped for HTML as visible markers.

A carriage return inside a diff line is one line to ``git apply`` but a line
break to a browser; a right-to-left override reorders what a reviewer reads
("Trojan Source"); a zero-width space hides inside an identifier. Pages show
each such character as a marker naming its code point instead, so the text
on screen is the text that gets applied, line for line.

Pure: text in, escaped HTML out; no Django.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from html import escape

__all__ = ["BIDI", "CODE", "INVISIBLE", "JOINERS", "PROSE", "describe", "escape_visible"]

# Bidirectional embeddings, overrides, isolates and marks.
BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
# C0 controls but TAB and LF, DEL, C1 controls; the line and paragraph
# separators (which some renderers break at); format and filler characters
# that draw nothing (soft hyphen, zero-width space, word joiner, byte order
# mark, invisible operators, Hangul fillers, tag characters).
INVISIBLE = (
    "\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u034f\u115f\u1160\u17b4\u17b5\u180e"
    "\u200b\u2028\u2029\u2060-\u2064\u206a-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb"
    "\U0001d173-\U0001d17a\U000e0000-\U000e007f" + BIDI
)
# Zero-width (non-)joiners shape Persian, Indic scripts and emoji in prose,
# so mail text keeps them; code and file names show them too.
JOINERS = "\u200c\u200d"

CODE = re.compile(f"[{INVISIBLE}{JOINERS}]")
PROSE = re.compile(f"[{INVISIBLE}]")

_BIDI = re.compile(f"[{BIDI}]")
# Unicode gives controls no names; these are their ISO 6429 names.
_C0_NAMES = (
    "NULL", "START OF HEADING", "START OF TEXT", "END OF TEXT", "END OF TRANSMISSION",
    "ENQUIRY", "ACKNOWLEDGE", "BELL", "BACKSPACE", "CHARACTER TABULATION", "LINE FEED",
    "LINE TABULATION", "FORM FEED", "CARRIAGE RETURN", "SHIFT OUT", "SHIFT IN",
    "DATA LINK ESCAPE", "DEVICE CONTROL ONE", "DEVICE CONTROL TWO", "DEVICE CONTROL THREE",
    "DEVICE CONTROL FOUR", "NEGATIVE ACKNOWLEDGE", "SYNCHRONOUS IDLE",
    "END OF TRANSMISSION BLOCK", "CANCEL", "END OF MEDIUM", "SUBSTITUTE", "ESCAPE",
    "INFORMATION SEPARATOR FOUR", "INFORMATION SEPARATOR THREE",
    "INFORMATION SEPARATOR TWO", "INFORMATION SEPARATOR ONE",
)  # fmt: skip


def describe(char: str) -> str:
    """``U+000D CARRIAGE RETURN``: the code point and its name."""
    code = ord(char)
    if code < 0x20:
        name = _C0_NAMES[code]
    elif code == 0x7F:
        name = "DELETE"
    elif code == 0x85:
        name = "NEXT LINE"
    else:
        name = unicodedata.name(char, "CONTROL")
    return f"U+{code:04X} {name}"


# How the commonest controls are written in C, Python and shell strings.
_ESCAPES = {
    0x00: "\\0",
    0x07: "\\a",
    0x08: "\\b",
    0x0B: "\\v",
    0x0C: "\\f",
    0x0D: "\\r",
    0x1B: "\\e",
}


@lru_cache(maxsize=256)
def _marker(char: str) -> str:
    # Text, not the Control Pictures block (␍): common fonts (DejaVu,
    # Liberation) have no glyphs for those, and a box says nothing.
    code = ord(char)
    if code in _ESCAPES:
        shown = _ESCAPES[code]
    elif code < 0xA0:
        shown = f"\\x{code:02x}"
    else:
        shown = f"&lt;U+{code:04X}&gt;"
    css = "ctrl bidi" if _BIDI.match(char) else "ctrl"
    return f'<span class="{css}" title="{describe(char)}">{shown}</span>'


def escape_visible(text: str, pattern: re.Pattern[str] = CODE) -> str:
    """``text`` HTML-escaped (quotes left alone), each ``pattern`` character a marker.

    ``CODE`` (the default) for diffs and file names; ``PROSE`` for mail text.
    """
    escaped = escape(text, quote=False)
    if pattern.search(escaped) is None:
        return escaped
    return pattern.sub(lambda match: _marker(match.group()), escaped)
