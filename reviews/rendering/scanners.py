# SPDX-License-Identifier: AGPL-3.0-or-later
"""Colouring with one regular expression per language: the common cases, made cheap.

Most mail on kernel lists patches C, and much of the rest device trees.
Pygments' lexers run state machines that try dozens of patterns per token:
30 ms for a 25 KB new C driver, 50 ms for 32 KB of board .dts files, the
slowest part of showing a patch for the first time. One alternation scanned
by ``re.finditer`` gives the same classes (comments, preprocessor, strings,
numbers, keywords, types, function, node and property names) in about a
tenth of that.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from archive.invisible import escape_visible

__all__ = ["C_SUFFIXES", "DTS_SUFFIXES", "highlight_c", "highlight_dts"]

C_SUFFIXES = (".c", ".h")
DTS_SUFFIXES = (".dts", ".dtsi", ".dtso")


def _words(text: str) -> list[str]:
    return text.split()


_KEYWORDS = _words(
    "auto break case const continue default do else enum extern for goto if inline register "
    "restrict return sizeof static struct switch typedef typeof union volatile while "
    "asm __asm__ __attribute__ __always_inline __init __exit __iomem __user __rcu "
    "__maybe_unused __must_check __packed __aligned noinline likely unlikely"
)
_TYPES = _words(
    "void char short int long float double signed unsigned bool _Bool "
    "u8 u16 u32 u64 s8 s16 s32 s64 __u8 __u16 __u32 __u64 __s8 __s16 __s32 __s64 "
    "__le16 __le32 __le64 __be16 __be32 __be64 size_t ssize_t loff_t off_t dma_addr_t "
    "phys_addr_t resource_size_t time64_t ktime_t uint8_t uint16_t uint32_t uint64_t "
    "int8_t int16_t int32_t int64_t uintptr_t intptr_t"
)

# Alternatives in priority order; each group name is the CSS class it gets.
_TOKEN = re.compile(
    r"""
    (?P<c>/\*.*?(?:\*/|\Z)|//[^\n]*)
    |(?P<cp>^[ \t]*\#[ \t]*[A-Za-z_]\w*(?:[ \t]*<[^>\n]*>)?)
    |(?P<s>"(?:[^"\\\n]|\\.)*"?|'(?:[^'\\\n]|\\.)*'?)
    |(?P<m>\b(?:0[xX][0-9a-fA-F]+|\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)[uUlLfF]*\b)
    |(?P<name>\b[A-Za-z_]\w*)
    """,
    re.X | re.M | re.S,
)
# A name is a keyword, a type, a function (followed by "(") or plain text,
# decided by set lookups: as alternatives of the pattern, the hundred words
# were tried one by one at every name, two thirds of the scan's time.
_NAME_CLASSES = {**dict.fromkeys(_TYPES, "kt"), **dict.fromkeys(_KEYWORDS, "k")}
_CALL = re.compile(r"[ \t]*\(")


# Words after which a name followed by "(" is called, not declared.
_NOT_DECLARING = frozenset(_words("return else case goto sizeof typeof do if while for switch"))


def _declares(text: str, start: int) -> bool:
    """Is the name at ``start`` declared (``static int foo(``), as Pygments marks it?"""
    before = text[text.rfind("\n", 0, start) + 1 : start].rstrip()
    if not before or not (before[-1] == "*" or before[-1].isalnum() or before[-1] == "_"):
        return False
    words = before.rstrip("*").split()
    return bool(words) and words[-1] not in _NOT_DECLARING


_DTS_TOKEN = re.compile(
    r"""
    (?P<c>/\*.*?(?:\*/|\Z)|//[^\n]*)
    |(?P<cp>^[ \t]*\#[ \t]*(?:include|define|undef|ifdef|ifndef|if|elif|else|endif)\b
        (?:[ \t]*<[^>\n]*>)?|/[a-z][a-z0-9-]*/)
    |(?P<s>"(?:[^"\\\n]|\\.)*"?)
    |(?P<nv>&\{[^}\n]*\}?|&[A-Za-z_][\w.-]*|\b[A-Za-z_][\w-]*:(?=\s))
    |(?P<nf>\b[A-Za-z_][\w,.+-]*(?:@[\w,.-]*)?(?=[ \t]*\{))
    |(?P<na>(?<![\w#,.+?-])[A-Za-z_#][\w,.+?#-]*(?=[ \t]*[=;]))
    |(?P<m>\b(?:0[xX][0-9a-fA-F]+|\d+)\b)
    """,
    re.X | re.M | re.S,
)


def highlight_c(lines: list[str]) -> list[str]:
    """Escaped HTML for each of ``lines`` of C, coloured; one entry per line."""
    return _scan(_TOKEN, lines, _declares)


def _name_class(text: str, match: re.Match[str]) -> str:
    """The class of a C name (keyword, type, function), or "" for plain text."""
    css = _NAME_CLASSES.get(match.group())
    if css is not None:
        return css
    return "nf" if _CALL.match(text, match.end()) else ""


def highlight_dts(lines: list[str]) -> list[str]:
    """Escaped HTML for each of ``lines`` of a device tree source, coloured."""
    return _scan(_DTS_TOKEN, lines)


def _scan(
    pattern: re.Pattern[str], lines: list[str], declares: Callable[[str, int], bool] | None = None
) -> list[str]:
    text = "\n".join(lines)
    out: list[str] = []
    position = 0
    for match in pattern.finditer(text):
        start = match.start()
        css = match.lastgroup
        if css == "name":
            css = _name_class(text, match)
            if not css:
                continue  # plain text: left in the gap escaped with the next token
        if css == "nf" and declares is not None and not declares(text, start):
            continue  # a call, not a definition: plain text too
        if start > position:
            out.append(escape_visible(text[position:start]))
        # A token never spans a line in the output: a comment over three lines
        # becomes three spans, so every line stays well-formed on its own.
        out.append(
            "\n".join(
                f'<span class="{css}">{escape_visible(part)}</span>' if part else ""
                for part in match.group().split("\n")
            )
        )
        position = match.end()
    out.append(escape_visible(text[position:]))
    html = "".join(out).split("\n")
    html += [""] * (len(lines) - len(html))
    return html[: len(lines)]
