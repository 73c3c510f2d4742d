# SPDX-License-Identifier: AGPL-3.0-or-later
"""Plain header blocks read without the email package, as it would read them.

The API reads every listed reply's headers from its raw mail (comments lists:
30 a page); the email package's parser took ~130-145 us a mail (a header
block is ~5 kB with its Received lines), most of a long list's time. Nearly
every block is plain: ASCII, each line a ``Name: value`` or a folded
continuation (17,498 of linux-rtc's 17,609). Those are read here in ~30 us,
exactly as ``BytesHeaderParser`` (compat32) gives them before encoded words
are decoded: the name as written, the value after the colon without leading
blanks, folded lines kept with their line ends, the last line end removed.
Anything else answers None and goes to the email package.
"""

from __future__ import annotations

__all__ = ["header_end", "plain_header_pairs"]

# Printable ASCII, tab and line ends: a block of nothing else may be plain.
_PLAIN_BYTES = bytes([9, 10, 13, *range(32, 127)])


def plain_header_pairs(head: bytes) -> list[list[str]] | None:
    """``[name, value]`` pairs of a header block ending at its blank line (or at
    the end of the mail), or None when it is not plain."""
    # Byte methods, not regular expressions: a block is ~5 kB (Received lines).
    if (
        head.translate(None, _PLAIN_BYTES)
        or head.count(b"\r") != head.count(b"\r\n")  # a lone CR ends a line there
        or head.startswith(b"From ")
    ):
        return None
    pairs: list[list[str]] = []
    for line in head.decode("ascii").splitlines(keepends=True):
        if line[0] in " \t":
            if not pairs:
                return None  # a block opening with a continuation: the package's case
            if pairs[-1][1] in ("\n", "\r\n"):
                # A value that starts on the next line: Python 3.13's package drops
                # the empty first line and 3.11's keeps it; the package decides.
                return None
            pairs[-1][1] += line
            continue
        if line in ("\n", "\r\n"):
            break  # the blank line before the body
        name, colon, value = line.partition(":")
        # As the feed parser's header pattern: printable characters but the colon.
        if not colon or not name or " " in name or "\t" in name:
            return None
        pairs.append([name, value.lstrip(" \t")])
    for pair in pairs:
        pair[1] = pair[1].rstrip("\r\n")
    return pairs


def header_end(raw: bytes) -> int:
    """Where the header block ends: just after its first empty line, as the pattern
    ``\r?\n\r?\n`` would find it, or -1 when there is none.

    Two byte searches rather than that pattern: its optional first character kept
    the regular expression engine from skipping ahead, and it tried every byte of
    the headers (57 us a mail, most of a large thread's mbox after compression).
    Ingest's parse (``archive.parsing``) and the mbox writer (``archive.mbox``) both
    cut mail here.
    """
    lf = raw.find(b"\n\n")
    # A CRLF empty line before it ends by lf + 1 at the latest.
    crlf = raw.find(b"\n\r\n", 0, lf + 1) if lf >= 0 else raw.find(b"\n\r\n")
    if crlf >= 0:
        return crlf + 3
    return lf + 2 if lf >= 0 else -1
