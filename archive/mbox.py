# SPDX-License-Identifier: AGPL-3.0-or-later
"""mboxrd output, as public-inbox writes it, from raw mail bytes.

Every message starts ``From mboxrd@z Thu Jan  1 00:00:00 1970``; body lines
matching ``^>*From `` get one more ``>`` so that readers can undo it exactly.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Iterator

from archive.rawheaders import header_end

__all__ = ["FROM_LINE", "gzip_chunks", "mboxrd", "mboxrd_message"]

FROM_LINE = b"From mboxrd@z Thu Jan  1 00:00:00 1970\n"
_FROM_RE = re.compile(rb"^(>*From )", re.M)


def mboxrd_message(raw: bytes) -> bytes:
    """One message as an mboxrd entry, ending with a blank line."""
    end = header_end(raw)
    if end < 0:
        head, body = raw, b""
    else:
        head, body = raw[:end], raw[end:]
    if head.startswith(b"From "):  # a stray envelope line from the source mbox
        head = head.split(b"\n", 1)[1] if b"\n" in head else b""
    if b"From " in body:  # most bodies have none: skip the line-by-line regex
        body = _FROM_RE.sub(rb">\1", body)
    text = head + body
    if not text.endswith(b"\n"):
        text += b"\n"
    return FROM_LINE + text + b"\n"


def mboxrd(raws: Iterable[bytes]) -> bytes:
    return b"".join(mboxrd_message(raw) for raw in raws)


def gzip_chunks(raws: Iterable[bytes], level: int) -> Iterator[bytes]:
    """Gzip an mboxrd stream incrementally (a gzip file, not a transfer encoding), at
    zlib's ``level``: each caller picks its own (a thread's mbox, a search download)."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, 31)
    for raw in raws:
        chunk = compressor.compress(mboxrd_message(raw))
        if chunk:
            yield chunk
    yield compressor.flush()
