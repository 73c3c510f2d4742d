"""Patchwork-style parsing of patch mail subjects.

Pure: text in, frozen dataclass out. ``parse_subject`` turns
``Re: [PATCH RESEND v2 3/5] mm: foo`` into the display name ``[RESEND,v2,3/5]
mm: foo`` plus the facts a series needs (version, n/N, reply or not).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["ParsedSubject", "parse_series_marker", "parse_subject", "parse_version"]

# Reply and forward markers in the languages that show up on kernel lists
# (German "Aw"/"Wg", Scandinavian "Sv", Dutch "Antw", Polish "Odp"). A counter
# such as "Re[2]:" or "Re^2:" comes from some clients collapsing repeats.
_REPLY_RE = re.compile(
    r"^(?:re|fwd?|aw|wg|sv|antw|odp)(?:\[\d+\]|\^\d+)?\s*:\s*",
    re.IGNORECASE,
)
# Only a bracket group at the very start is a prefix group; brackets later in
# the title ("rewrite [a-z] regexes") are part of the title.
_GROUP_RE = re.compile(r"^\[([^\[\]]*)\]\s*")
_SPLIT_RE = re.compile(r"[\s,]+")
_VERSION_RE = re.compile(r"^v(\d+)$", re.IGNORECASE)
# git format-patch -v2 without --subject-prefix spacing gives "PATCHv2".
_GLUED_PATCH_RE = re.compile(r"^patch[-_]?(v\d+)$", re.IGNORECASE)
_SERIES_RE = re.compile(r"^(\d+)/(\w+)$")
# Tags that mark a mail as carrying code; PATCH itself is noise in the name,
# PULL stays visible because a pull request reads differently from a patch.
_PATCH_TAGS = frozenset({"patch", "pull"})


@dataclass(frozen=True)
class ParsedSubject:
    """A subject split into the parts Patchwork shows and series logic uses."""

    name: str
    title: str
    prefixes: tuple[str, ...]
    version: int
    number: int | None
    total: int | None
    is_reply: bool
    has_patch_tag: bool


def parse_series_marker(prefix: str) -> tuple[int | None, int | None]:
    """Return ``(n, N)`` for an ``n/N`` prefix, ``(None, None)`` otherwise.

    A non-numeric total (``3/n``, seen from hand-numbered series) yields
    ``(3, None)``: the position is still useful, the size is unknown.
    """
    match = _SERIES_RE.match(prefix.strip())
    if match is None:
        return None, None
    number, total = match.groups()
    return int(number), int(total) if total.isdecimal() else None


def parse_version(prefixes: Iterable[str]) -> int:
    """Return N from the first ``vN``/``VN`` prefix, or 1 when there is none."""
    for prefix in prefixes:
        match = _VERSION_RE.match(prefix)
        if match is not None:
            return int(match.group(1))
    return 1


def parse_subject(subject: str | None, drop_prefixes: Iterable[str] = ()) -> ParsedSubject:
    """Parse a (possibly folded, possibly reply) subject header.

    ``drop_prefixes`` are tags to hide from the name, compared
    case-insensitively; typically the list's own tag such as ``linux-mm``.
    Never raises: an empty or ``None`` subject gives an empty name.
    """
    text = " ".join((subject or "").split())
    dropped = {prefix.lower() for prefix in drop_prefixes}
    raw_tokens, title, is_reply = _strip_leading(text)
    prefixes: list[str] = []
    has_patch_tag = False
    for token in raw_tokens:
        kept, is_patch = _classify_token(token)
        has_patch_tag = has_patch_tag or is_patch
        if kept and kept.lower() not in dropped:
            prefixes.append(kept)
    number, total = _first_series_marker(prefixes)
    name = f"[{','.join(prefixes)}] {title}".rstrip() if prefixes else title
    return ParsedSubject(
        name=name,
        title=title,
        prefixes=tuple(prefixes),
        version=parse_version(prefixes),
        number=number,
        total=total,
        is_reply=is_reply,
        has_patch_tag=has_patch_tag,
    )


def _strip_leading(text: str) -> tuple[list[str], str, bool]:
    """Peel reply markers and bracket groups off the front of ``text``.

    They can interleave (``[linux-mm] Re: [PATCH] x`` from list software
    that tags before the reply marker), so both are peeled in one loop.
    Returns the prefix tokens, the remaining title and whether a reply
    marker was seen.
    """
    tokens: list[str] = []
    is_reply = False
    while True:
        reply = _REPLY_RE.match(text)
        if reply is not None:
            is_reply = True
            text = text[reply.end() :]
            continue
        group = _GROUP_RE.match(text)
        if group is None:
            return tokens, text.strip(), is_reply
        tokens.extend(token for token in _SPLIT_RE.split(group.group(1)) if token)
        text = text[group.end() :]


def _classify_token(token: str) -> tuple[str | None, bool]:
    """Return ``(prefix to keep or None, whether it is a patch tag)``."""
    lowered = token.lower()
    if lowered == "patch":
        return None, True
    glued = _GLUED_PATCH_RE.match(token)
    if glued is not None:
        # Keep the version visible, as if the sender had typed "PATCH v2".
        return glued.group(1), True
    return token, lowered in _PATCH_TAGS


def _first_series_marker(prefixes: Iterable[str]) -> tuple[int | None, int | None]:
    for prefix in prefixes:
        number, total = parse_series_marker(prefix)
        if number is not None:
            return number, total
    return None, None
