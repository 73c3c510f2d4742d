# SPDX-License-Identifier: AGPL-3.0-or-later
"""Content ids for diffs that outside tools match on.

``patchwork_hash`` is the ``hash`` field of Patchwork's API (pwclient and
post-receive hooks look patches up by it); ``git_patch_id`` equals
``git patch-id --stable`` (b4 queries by it). Both must agree bit for bit with
those tools, so each follows its reference implementation's quirks, which the
comments point out.
"""

from __future__ import annotations

import hashlib
import re

# The archive indexes patch ids for b4's ``patchid:`` search and must not
# import this app, so the port of git's patch-id lives there.
from archive.patchid import encode_text, git_patch_id

__all__ = ["git_patch_id", "patchwork_hash"]

# --- Patchwork ----------------------------------------------------------

_PW_HUNK_RE = re.compile(r"@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@")
_PW_FILENAME_RE = re.compile(r"(---|\+\+\+) (\S+)")


def patchwork_hash(diff: str) -> str:
    """Return Patchwork's hex SHA-1 of a diff (CLIENTS.md section 4)."""
    kept: list[str] = []
    for line in diff.replace("\r", "").strip().split("\n"):
        # Nearly every line is a hunk's, hashed as it is: only those that could
        # be a file name ("--- x", "+++ x") or anything else need the full test.
        marker = line[:1]
        if marker == " " or (marker in ("+", "-") and line[1:3] != marker * 2):
            kept.append(line)
        elif (normalised := _patchwork_line(line)) is not None:
            kept.append(normalised)
    if not kept:
        return hashlib.sha1().hexdigest()
    text = "\n".join(kept) + "\n"
    try:
        # One update for the whole diff: SHA-1 of the lines one after another.
        return hashlib.sha1(text.encode("utf-8", "surrogateescape")).hexdigest()
    except UnicodeEncodeError:
        # A lone surrogate: encode_text replaces it in its own line only.
        hashed = hashlib.sha1()
        for line in kept:
            hashed.update(encode_text(line + "\n"))
        return hashed.hexdigest()


def _patchwork_line(line: str) -> str | None:
    """The form a diff line is hashed in, or None for lines Patchwork skips."""
    if not line:
        return None
    # Patchwork tests file names before anything else, so a removed line
    # reading "-- x" inside a hunk is normalised like a "--- x" header; we
    # must do the same to produce the same hash.
    filename = _PW_FILENAME_RE.match(line)
    if filename is not None:
        marker, path = filename.groups()
        side = "a/" if marker == "---" else "b/"
        return f"{marker} {side}{'/'.join(path.split('/')[1:])}"
    hunk = _PW_HUNK_RE.match(line)
    if hunk is not None:
        old, new = (int(count) if count else 1 for count in hunk.groups())
        return f"@@ -{old} +{new} @@"
    if line[0] in "+- ":
        return line
    return None
