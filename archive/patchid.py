# SPDX-License-Identifier: AGPL-3.0-or-later
"""``git patch-id --stable`` of mail text, for the archive's ``patchid:`` search.

The archive indexes patch ids itself (it never imports ``reviews``), as
public-inbox does; ``reviews.hashing`` re-exports this port of git's
builtin/patch-id.c.
"""

from __future__ import annotations

import hashlib
import re

__all__ = ["encode_text", "git_patch_id"]


def encode_text(text: str) -> bytes:
    # Mail decoders keep undecodable bytes as surrogate escapes; give those
    # bytes back rather than fail, and replace any other lone surrogate.
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace")


# git's own isspace() (sane_ctype) is only these four: a form feed in a
# source line is hashed, unlike with C's isspace().
_GIT_SPACE = b" \t\n\r"
_OID_RE = re.compile(rb"(?:commit |From )?[0-9a-fA-F]{40}")
_OID_START = b"0123456789abcdefABCDEF"  # "commit " and "From " start with c, F
_HUNK_MARKERS = (b"+", b"-", b" ")
_SHA1_BITS = 1 << 160
_DIGITS_RE = re.compile(rb"[0-9]+")
_ATOI_RE = re.compile(rb"[ \t\n\v\f\r]*[+-]?[0-9]+")


def git_patch_id(diff: str) -> str | None:
    """Return ``git patch-id --stable`` of a diff, or None when git prints nothing.

    This mirrors the line state machine of git's builtin/patch-id.c (2.39):
    the first patch of the input only, whitespace dropped from every hashed
    line, one SHA-1 per file section summed as 160-bit little-endian numbers.
    """
    state = _PatchIdState()
    for line in _git_lines(encode_text(diff)):
        if not state.feed(line):
            break
    return state.finish()


def _git_lines(data: bytes) -> list[bytes]:
    # git reads "\n"-terminated lines and then treats them as C strings.
    parts = data.split(b"\n")
    lines = [part + b"\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    if b"\0" in data:
        lines = [line.partition(b"\0")[0] for line in lines]
    return lines


class _PatchIdState:
    """git's get_one_patchid() locals, one line at a time."""

    def __init__(self) -> None:
        self.ctx = hashlib.sha1()
        self.total = 0
        self.patchlen = 0
        # Lines left in the current hunk; -1 while in a file's header.
        self.before = -1
        self.after = -1
        self.binary = False
        # git keeps these across files and hashes them for binary files.
        self.pre_oid = b""
        self.post_oid = b""

    def finish(self) -> str | None:
        self.flush()
        if not self.patchlen:
            return None
        return self.total.to_bytes(20, "little").hex()

    def flush(self) -> None:
        digest = int.from_bytes(self.ctx.digest(), "little")
        self.total = (self.total + digest) % _SHA1_BITS
        self.ctx = hashlib.sha1()

    def in_hunk(self) -> bool:
        """Whether feed() would hash a ``+``/``-``/`` `` line as it is, and do nothing else."""
        return (
            self.before != -1
            and (self.before != 0 or self.after != 0)
            and not self.binary
            and self.patchlen > 0
        )

    def feed(self, line: bytes) -> bool:
        """Consume one line; False where git stops reading this patch."""
        if line[:1] in _HUNK_MARKERS and self.in_hunk():
            # Most lines are a hunk's, hashed as they are: tested first, before
            # the checks below that none of them can meet (a "+", "-" or " "
            # starts no object id and no "\ " marker), a third less time (#21).
            self._hash_line(line)
            return True
        if line[:1] in _OID_START and _OID_RE.match(line):
            return False  # the start of another commit in the input
        if not self.patchlen and not line.startswith(b"diff "):
            return True  # commit message before the first diff
        if self.before == -1:
            handled = self._header_line(line)
            if handled is not None:
                return handled
        if line.startswith(b"\\ ") and len(line) > 12:
            return True  # "\ No newline at end of file"
        if self.binary:
            self._skip_binary(line)
            return True
        if self.before == 0 and self.after == 0:
            return self._between_hunks(line)
        self._hash_line(line)
        return True

    def _skip_binary(self, line: bytes) -> None:
        # git skips the next file's "diff" line too, without hashing it.
        if line.startswith(b"diff "):
            self.binary = False
            self.before = -1

    def _between_hunks(self, line: bytes) -> bool:
        """After a hunk: another hunk, the next file's diff, or the end of the patch."""
        if line.startswith(b"@@ -"):
            self._hunk_header(line)
            return True
        if not line.startswith(b"diff "):
            return False  # text after the last hunk ends the patch
        self.flush()
        self.before = self.after = -1
        self._hash_line(line)
        return True

    def _header_line(self, line: bytes) -> bool | None:
        """Handle a file header line; None means hash it like any other."""
        if line.startswith((b"GIT binary patch", b"Binary files")):
            self.binary = True
            self.before = 0
            self.ctx.update(self.pre_oid)
            self.ctx.update(self.post_oid)
            self.flush()
            return True
        if line.startswith(b"index "):
            self._index_line(line)
            return True
        if line.startswith(b"--- "):
            self.before = self.after = 1
        elif not line[:1].isalpha():
            return False
        return None

    def _index_line(self, line: bytes) -> None:
        # git cuts "index PRE..POST[ MODE]" in place, dropping the last
        # character when there is no mode (normally the newline).
        dots = line.find(b"..")
        if dots < 0:
            return
        space = line.find(b" ", dots)
        end = space if space >= 0 else len(line) - 1
        self.pre_oid = line[6:dots][:64]
        self.post_oid = line[dots + 2 : end][:64]

    def _hunk_header(self, line: bytes) -> None:
        # Port of git's scan_hunk_header(): it assigns the old count before
        # checking the rest, and a missing count means 1.
        pos = 4  # after "@@ -"
        digits = _digit_span(line, pos)
        if line[pos + digits : pos + digits + 1] == b",":
            pos += digits + 1
            self.before = _c_atoi(line, pos)
            digits = _digit_span(line, pos)
        else:
            self.before = 1
        if digits == 0 or line[pos + digits : pos + digits + 2] != b" +":
            return
        pos += digits + 2
        digits = _digit_span(line, pos)
        if line[pos + digits : pos + digits + 1] == b",":
            pos += digits + 1
            self.after = _c_atoi(line, pos)
        else:
            self.after = 1

    def _hash_line(self, line: bytes) -> None:
        marker = line[:1]
        if marker in (b"-", b" "):
            self.before -= 1
        if marker in (b"+", b" "):
            self.after -= 1
        stripped = line.translate(None, _GIT_SPACE)
        self.patchlen += len(stripped)
        self.ctx.update(stripped)


def _digit_span(line: bytes, pos: int) -> int:
    match = _DIGITS_RE.match(line, pos)
    return match.end() - pos if match else 0


def _c_atoi(line: bytes, pos: int) -> int:
    # C's atoi(): leading blanks and a sign are accepted, garbage gives 0.
    match = _ATOI_RE.match(line, pos)
    return int(match.group()) if match else 0
