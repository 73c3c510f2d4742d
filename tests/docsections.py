"""Sections of docs/performance.md: find one by its heading, put one in place.

``make bench``, its parts run alone (the 10x side by side, hostile input,
landing) and ``make loadtest`` each rewrite their own ``## `` section and
must leave every other section as it was.
"""

from __future__ import annotations

import re

__all__ = ["section_text", "with_section"]


def _span(text: str, heading: str) -> tuple[int, int] | None:
    found = re.search(rf"^{re.escape(heading)}.*?(?=^## |\Z)", text, re.M | re.S)
    return found.span() if found else None


def section_text(text: str, heading: str) -> str:
    """The section of ``text`` whose heading starts with ``heading``, up to the next ``## ``."""
    span = _span(text, heading)
    return text[span[0] : span[1]] if span else ""


def with_section(
    current: str, heading: str, text: str, *, after: str | None = None, before: str | None = None
) -> str:
    """``current`` with its section under ``heading`` replaced by ``text``.

    Without one, ``text`` goes right after the section under ``after``, or right
    before the one under ``before``, or else at the end. One blank line is
    kept on each side, and the document ends with one newline.
    """
    body = text.rstrip("\n") + "\n"
    span = _span(current, heading)
    if span is None and after is not None and (prior := _span(current, after)):
        span = (prior[1], prior[1])
    if span is None and before is not None and (next_one := _span(current, before)):
        span = (next_one[0], next_one[0])
    if span is None:
        return current.rstrip("\n") + "\n\n" + body
    head, rest = current[: span[0]], current[span[1] :]
    head = head.rstrip("\n") + "\n\n" if head.strip() else ""
    return head + body + ("\n" + rest.rstrip("\n") + "\n" if rest.strip() else "")
