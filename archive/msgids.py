# SPDX-License-Identifier: AGPL-3.0-or-later
"""A Message-ID in a URL: the one quoting every page, feed and API link uses.

Pure, and imported by both apps (``archive`` never imports ``reviews``, so
this lives here).
"""

from __future__ import annotations

from urllib.parse import quote

# RFC 3986 allows these in a path segment as they are (``pchar`` less the
# unreserved letters and digits ``quote`` always keeps). Keeping them makes
# our links the same as public-inbox archives' for the same Message-ID, so
# links copied between them, and the ones b4 builds, point at one page.
# ``/`` would split the segment and ``%`` would read as an escape; both are
# quoted, as is everything outside ASCII and every other reserved character.
_PATH_SAFE = "@!$&'()*+,;=:~-._"


def msgid_path(msgid: str) -> str:
    """``msgid`` (stored without ``<>``) as one URL path segment.

    The server's usual percent-decoding gives back ``msgid`` exactly: ``+``
    stays a plus (only query strings read it as a space).
    """
    return quote(msgid, safe=_PATH_SAFE)
