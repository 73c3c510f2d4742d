# SPDX-License-Identifier: AGPL-3.0-or-later
"""Syntax colouring of source lines with Pygments, as escaped HTML per line.

Token types map onto a handful of short CSS classes (``k``, ``c``, ``s``...)
styled by our own stylesheet, so no Pygments style sheet is needed.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Callable
from functools import cache, lru_cache, partial

from pygments.lexer import Lexer
from pygments.lexers import LEXERS, get_lexer_for_filename
from pygments.plugin import find_plugin_lexers
from pygments.token import Comment, Keyword, Literal, Name, Number, Operator, String, _TokenType
from pygments.util import ClassNotFound

from archive.invisible import CODE, escape_visible
from reviews.rendering.scanners import C_SUFFIXES, DTS_SUFFIXES, highlight_c, highlight_dts

__all__ = ["highlight_lines", "highlighter_for", "lexer_for", "warm_up"]

Highlighter = Callable[[list[str]], list[str]]

# Most specific first: the first ancestor found decides the class.
_CLASSES: tuple[tuple[_TokenType, str], ...] = (
    (Comment.Preproc, "cp"),
    (Comment.PreprocFile, "s"),
    (Comment, "c"),
    (Keyword.Type, "kt"),
    (Keyword, "k"),
    (String, "s"),
    (Number, "m"),
    (Literal, "s"),
    (Name.Function, "nf"),
    (Name.Class, "nc"),
    (Name.Builtin, "nb"),
    (Name.Tag, "nt"),
    (Name.Attribute, "na"),
    (Name.Decorator, "nb"),
    (Name.Variable, "nv"),
    (Operator.Word, "k"),
)

# What kernel patches mostly touch besides C. Pygments builds its file-name
# table and each lexer's regular expressions on first use, 1-50 ms apiece,
# which the first visitor of such a patch would otherwise wait for.
COMMON_FILES = (
    "x.yaml", "Kconfig", "Makefile", "x.py", "x.rst", "x.sh", "x.S",
    "x.json", "x.txt", "x.md", "x.rs",
)  # fmt: skip

# Files this long are shown without colour: lexing them costs more than it helps.
MAX_HIGHLIGHT_CHARS = 200_000


@lru_cache(maxsize=4096)
def _css_class(ttype: _TokenType) -> str:
    for ancestor, css in _CLASSES:
        if ttype in ancestor:
            return css
    return ""


def lexer_for(filename: str) -> Lexer | None:
    """The lexer for a file name, or None for unknown or plain-text files."""
    return _lexer_for_key(_lexer_key(posixpath.basename(filename)))


# Pygments tries each of its ~930 file-name patterns on every new name: 2 ms a
# name, and a patch series brings hundreds of new names (#21). Nearly all of
# its patterns are "*.suffix", which only look at the name from its first dot
# on; the few others (Makefile, Kconfig*, *.[1-9]...) are tried here at once.
_SUFFIX_ONLY = re.compile(r"\*\.[^*?\[\]]+")


@cache
def _odd_names() -> re.Pattern[str]:
    # Built on first use, not at import: listing plugin lexers reads every
    # installed package's metadata (about 45 ms of each process's start).
    return re.compile(
        "|".join(
            f"(?:{fnmatch.translate(pattern)})"
            for patterns in [
                *(entry[3] for entry in LEXERS.values()),
                *(cls.filenames for cls in find_plugin_lexers()),
            ]
            for pattern in patterns
            if not _SUFFIX_ONLY.fullmatch(pattern)
        )
    )


def _lexer_key(name: str) -> str:
    """The name itself if an odd pattern matches it, else "/" and its part from
    the first dot: every name with that part gets the same lexer."""
    if _odd_names().match(name):
        return name
    dot = name.find(".")
    return "/" + (name[dot:] if dot >= 0 else "")


@lru_cache(maxsize=512)
def _lexer_for_key(key: str) -> Lexer | None:
    # A name of just the key's part, behind a character no pattern starts
    # with, matches exactly the "*.suffix" patterns the key's names match.
    name = "\0" + key[1:] if key.startswith("/") else key
    try:
        lexer = get_lexer_for_filename(name, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None
    return None if lexer.name == "Text only" else lexer


# Our own one-regex scanners (reviews/rendering/scanners.py), by file suffix.
_SCANNERS: tuple[tuple[tuple[str, ...], Highlighter], ...] = (
    (C_SUFFIXES, highlight_c),
    (DTS_SUFFIXES, highlight_dts),
)


def highlighter_for(filename: str) -> Highlighter:
    """How to colour lines of ``filename``: our own scanner for C and device trees,
    else Pygments."""
    lower = filename.lower()
    for suffixes, scanner in _SCANNERS:
        if lower.endswith(suffixes):
            return partial(_scanned, scanner)
    return partial(highlight_lines, lexer_for(filename))


def warm_up() -> None:
    """Resolve and compile the common lexers now (at web process start)."""
    for name in COMMON_FILES:
        highlighter_for(name)(["x = 1"])


def _scanned(scanner: Highlighter, lines: list[str]) -> list[str]:
    if sum(map(len, lines)) > MAX_HIGHLIGHT_CHARS:
        return [escape_visible(line) for line in lines]
    return scanner(lines)


def highlight_lines(lexer: Lexer | None, lines: list[str]) -> list[str]:
    """Escaped HTML for each of ``lines`` (without newlines), coloured when possible.

    Pygments reads a carriage return as a line break and drops a leading byte
    order mark, which would shift every later line. So the lexer sees such
    characters as blanks, and the HTML is cut from the original text at the
    lexer's token boundaries: whatever the lexer does, each entry is exactly
    its line (invisible characters shown as markers by ``escape_visible``).
    """
    text = "\n".join(lines)
    if lexer is None or not lines or len(text) > MAX_HIGHLIGHT_CHARS:
        return [escape_visible(line) for line in lines]
    lexed = CODE.sub(" ", text) if CODE.search(text) else text
    out: list[list[str]] = [[]]
    position = 0
    for ttype, value in lexer.get_tokens(lexed):
        css = _css_class(ttype)
        original = text[position : position + len(value)]
        position += len(value)
        for i, part in enumerate(original.split("\n")):
            if i:
                out.append([])
            if part:
                piece = escape_visible(part)
                out[-1].append(f'<span class="{css}">{piece}</span>' if css else piece)
    if position < len(text):  # the lexer dropped text: show it all uncoloured
        return [escape_visible(line) for line in lines]
    # Text a lexer adds (a final newline) was cut off above: one entry per line.
    return ["".join(parts) for parts in out][: len(lines)]
