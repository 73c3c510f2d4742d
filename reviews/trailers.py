"""Trailer extraction from patches and replies, and merging into commits.

Pure: decoded text in, frozen dataclasses (or text) out. Two readers with
different trust:

* a patch's commit message follows ``git interpret-trailers``: only the
  final block of ``Token: value`` lines counts, and any token is accepted;
* a reply is free prose with quoted text, so only known kinds on lines of
  their own count, with values that look like what the kind carries.

``add_trailers`` writes collected trailers back into a commit message so
that ``git am`` records them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = [
    "KNOWN_KINDS",
    "Trailer",
    "add_trailers",
    "canonical_kind",
    "extract_trailers",
    "is_person_kind",
    "is_signature",
    "make_trailer",
]

KNOWN_KINDS: tuple[str, ...] = (
    "Signed-off-by",
    "Reviewed-by",
    "Acked-by",
    "Tested-by",
    "Reported-by",
    "Suggested-by",
    "Co-developed-by",
    "Acked-and-tested-by",
    "Reviewed-and-tested-by",
    "Reported-and-tested-by",
    "Tested-and-acked-by",
    "Requested-by",
    "Originally-by",
    "Debugged-by",
    "Bisected-by",
    "Fixes",
    "Link",
    "Closes",
    "Cc",
)
_CANONICAL = {kind.lower(): kind for kind in KNOWN_KINDS}

# A colon followed by whitespace (or nothing) separates key and value; this
# keeps "https://..." from reading as a key "https".
_TOKEN_RE = re.compile(r"^(?P<key>[A-Za-z0-9][A-Za-z0-9-]*):(?:[ \t]+(?P<value>.*))?$")
# In-body mail headers git-am understands; they open a message, never close it.
_HEADER_KEYS = frozenset({"from", "subject", "date"})
_NOTE_RE = re.compile(r"^\[.*\]$")
_ANGLE_RE = re.compile(r"^(?P<name>[^<]*?)\s*<(?P<email>[^<>\s@]+@[^<>\s]+)>")
_BARE_RE = re.compile(r"^<?(?P<email>[^<>\s@]+@[^<>\s@]+?)>?(?:\s|$)")
_ADDRESS_ONLY_RE = re.compile(r"^<[^<>\s@]+@[^<>\s]+>")
# Outlook and some webmails append the address again as a link.
_MAILTO_RE = re.compile(r"<mailto:[^<>]*>|\[mailto:[^\]]*\]", re.IGNORECASE)
_COMMIT_RE = re.compile(r"^[0-9a-f]{7,}\b", re.IGNORECASE)
_NAME_WORD_RE = re.compile(r"^[^\W\d_][\w.'-]*$")


@dataclass(frozen=True)
class Trailer:
    """One ``Kind: value`` line; ``name``/``email`` only for addresses."""

    kind: str
    value: str
    name: str = ""
    email: str = ""

    @property
    def line(self) -> str:
        return f"{self.kind}: {self.value}"


@dataclass(frozen=True)
class _Block:
    """A paragraph of a commit message, scanned for trailers."""

    start: int
    end: int
    trailers: tuple[Trailer, ...]
    counted: int  # lines that are neither notes nor continuations
    known: int

    def qualifies(self, *, strict: bool) -> bool:
        """git-like test: a known kind present and mostly (or only) trailers."""
        if self.known == 0:
            return False
        found = len(self.trailers)
        return found == self.counted if strict else 2 * found >= self.counted


def canonical_kind(key: str) -> str:
    """Known kinds in their usual capitalisation; other tokens as written."""
    return _CANONICAL.get(key.lower(), key)


def is_person_kind(kind: str) -> bool:
    """Whether the value names a person (``*-by`` and ``Cc``)."""
    lowered = kind.lower()
    return lowered.endswith("-by") or lowered == "cc"


def make_trailer(kind: str, value: str) -> Trailer:
    """Build a trailer with canonical kind, cleaned value and parsed address."""
    kind = canonical_kind(kind.strip())
    value = _MAILTO_RE.sub("", value).strip()
    name, email = _parse_person(value) if is_person_kind(kind) else ("", "")
    return Trailer(kind=kind, value=value, name=name, email=email)


def extract_trailers(text: str, *, from_reply: bool = False) -> tuple[Trailer, ...]:
    """Trailers in a patch's commit message, or in a reply body.

    For a patch, ``text`` may run on past the commit message: reading stops
    at a ``---`` line, a signature or the start of a diff. Quoted lines and
    anything below a signature never count. Duplicates are dropped, first
    occurrence kept.
    """
    lines = (text or "").splitlines()
    if from_reply:
        found: Iterable[Trailer] = _reply_trailers(lines)
    else:
        lines = lines[: _message_end(lines)]
        found = (t for block in _trailer_blocks(lines) for t in block.trailers)
    return _dedupe(found)


def add_trailers(message: str, trailers: Sequence[Trailer]) -> str:
    """Append ``trailers`` to the trailer block of a commit message.

    Trailers already present (kind and whitespace-normalised value compared
    case-insensitively) are skipped. They go before a ``---`` line or diff
    when the message carries one, so ``git am`` keeps them in the commit;
    without a trailer block, a new one is opened after a blank line.
    """
    newline = "\r\n" if "\r\n" in message else "\n"
    lines = message.split(newline)
    end = _message_end(lines)
    blocks = _trailer_blocks(lines[:end])
    seen = {_dedupe_key(t) for block in blocks for t in block.trailers}
    new_lines: list[str] = []
    for trailer in trailers:
        key = _dedupe_key(trailer)
        if key not in seen:
            seen.add(key)
            new_lines.append(trailer.line)
    if not new_lines:
        return message
    if not message.strip():
        return "".join(line + newline for line in new_lines)
    if blocks:
        at = blocks[-1].end
    else:
        # No trailer block yet: open one, a blank line after the text.
        at = _last_text_line(lines, end) + 1
        new_lines = ["", *new_lines]
    return newline.join([*lines[:at], *new_lines, *lines[at:]])


def _parse_person(value: str) -> tuple[str, str]:
    """Return ``(display name, lower-cased email)`` from an address value."""
    angle = _ANGLE_RE.match(value)
    if angle is not None:
        name = angle.group("name").strip()
        if len(name) >= 2 and name[0] == name[-1] == '"':
            name = name[1:-1].replace('\\"', '"').strip()
        return name, angle.group("email").lower()
    bare = _BARE_RE.match(value)
    if bare is not None:
        return "", bare.group("email").lower()
    return "", ""


def _dedupe_key(trailer: Trailer) -> tuple[str, str]:
    return trailer.kind.lower(), " ".join(trailer.value.split()).lower()


def _dedupe(trailers: Iterable[Trailer]) -> tuple[Trailer, ...]:
    seen: set[tuple[str, str]] = set()
    kept: list[Trailer] = []
    for trailer in trailers:
        key = _dedupe_key(trailer)
        if key not in seen:
            seen.add(key)
            kept.append(trailer)
    return tuple(kept)


def is_signature(line: str) -> bool:
    """Whether a line opens a signature: "-- ", or "--" as editors that strip
    trailing spaces leave it. A "---" line is git's notes separator, not one."""
    # Asked of every line of every mail at ingest: the slice rules out nearly all.
    return line[:2] == "--" and line.rstrip() == "--"


def _message_end(lines: Sequence[str]) -> int:
    """Index of the first line past the commit message proper."""
    for index, line in enumerate(lines):
        if line.rstrip() == "---" or is_signature(line) or line.startswith("diff --git "):
            return index
        # A diff made without git (no "---" separator, no "diff --git").
        next_line = lines[index + 1] if index + 1 < len(lines) else ""
        if line.startswith("--- ") and next_line.startswith("+++ "):
            return index
    return len(lines)


def _last_text_line(lines: Sequence[str], end: int) -> int:
    """Index of the last non-blank line before ``end``, -1 if none."""
    for index in range(end - 1, -1, -1):
        if lines[index].strip():
            return index
    return -1


def _in_body_header_end(lines: Sequence[str]) -> int:
    """Skip in-body ``From:``/``Subject:``/``Date:`` lines opening a message."""
    index = 0
    while index < len(lines):
        match = _TOKEN_RE.match(lines[index])
        if match is None or match.group("key").lower() not in _HEADER_KEYS:
            break
        index += 1
    return index


def _paragraphs(lines: Sequence[str], start: int) -> list[tuple[int, int]]:
    """``(start, end)`` spans of runs of non-blank lines from ``start``."""
    spans: list[tuple[int, int]] = []
    begin: int | None = None
    for index in range(start, len(lines) + 1):
        blank = index == len(lines) or not lines[index].strip()
        if blank and begin is not None:
            spans.append((begin, index))
            begin = None
        elif not blank and begin is None:
            begin = index
    return spans


def _trailer_blocks(lines: Sequence[str]) -> list[_Block]:
    """The trailer paragraphs of a commit message, in order.

    The last paragraph must qualify the way git sees it. Earlier paragraphs
    made only of trailers join it, because hand-edited messages sometimes
    leave a blank line between ``Fixes:`` and the sign-offs.
    """
    spans = _paragraphs(lines, _in_body_header_end(lines))
    if not spans:
        return []
    last = _scan_block(lines, *spans[-1])
    if not last.qualifies(strict=False):
        return []
    blocks = [last]
    for span in reversed(spans[:-1]):
        block = _scan_block(lines, *span)
        if not block.qualifies(strict=True):
            break
        blocks.insert(0, block)
    return blocks


def _scan_block(lines: Sequence[str], start: int, end: int) -> _Block:
    """Read one paragraph, folding continuation lines into their trailer."""
    entries: list[list[str]] = []  # [kind, value], values grow by folding
    open_entry: list[str] | None = None
    counted = 0
    for line in lines[start:end]:
        stripped = line.strip()
        if _NOTE_RE.match(stripped):
            continue  # "[ maintainer: fixed up the commit log ]"
        if open_entry is not None and _continues(line, open_entry):
            open_entry[1] = f"{open_entry[1]} {stripped}"
            continue
        counted += 1
        open_entry = _trailer_entry(line)
        if open_entry is not None:
            entries.append(open_entry)
    trailers = tuple(make_trailer(kind, value) for kind, value in entries)
    known = sum(1 for t in trailers if t.kind.lower() in _CANONICAL)
    return _Block(start, end, trailers, counted, known)


def _trailer_entry(line: str) -> list[str] | None:
    match = _TOKEN_RE.match(line)
    if match is None or not (match.group("value") or "").strip():
        return None
    if match.group("key").lower() in _HEADER_KEYS:
        return None
    return [match.group("key"), match.group("value")]


def _continues(line: str, entry: list[str]) -> bool:
    """Whether ``line`` carries on the value of the trailer ``entry``."""
    if line[:1] in (" ", "\t"):
        return True
    # A name wrapped before its address: "Signed-off-by: Some Name" followed
    # by "<some@example.org>" on the next line, unindented.
    return (
        is_person_kind(entry[0])
        and "@" not in entry[1]
        and _ADDRESS_ONLY_RE.match(line) is not None
    )


def _reply_trailers(lines: Sequence[str]) -> Iterable[Trailer]:
    for line in lines:
        if is_signature(line):
            return
        stripped = line.strip()
        if stripped.startswith((">", "|")):
            continue
        match = _TOKEN_RE.match(stripped)
        if match is None or match.group("key").lower() not in _CANONICAL:
            continue
        trailer = make_trailer(match.group("key"), match.group("value") or "")
        if _plausible_in_reply(trailer):
            yield trailer


def _plausible_in_reply(trailer: Trailer) -> bool:
    """Whether a known-kind line in a reply is a trailer rather than prose."""
    if not trailer.value:
        return False
    if is_person_kind(trailer.kind):
        return bool(trailer.email) or _looks_like_name(trailer.value)
    if trailer.kind == "Fixes":
        return _COMMIT_RE.match(trailer.value) is not None
    if trailer.kind in ("Link", "Closes"):
        return "://" in trailer.value
    return True


def _looks_like_name(value: str) -> bool:
    # "Acked-by: Jane Doe" is a trailer; "Acked-by: me too" is chatter.
    words = value.split()
    return 2 <= len(words) <= 5 and all(
        _NAME_WORD_RE.match(word) and word[0].isupper() for word in words
    )
