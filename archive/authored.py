# SPDX-License-Identifier: AGPL-3.0-or-later
"""What the author of a mail wrote, as one digest: the same mail through two lists is one.

Pure: text in, a hex digest out (archive.parsing computes it for each mail).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime

from archive.searchterms import header_addresses

__all__ = ["authored_digest"]


def authored_digest(
    from_email: str, subject: str, date: datetime | None, to: str, cc: str,
    references: tuple[str, ...], body: str,
    attachments: Iterable[tuple[str, str, int, str | None]],
) -> str:  # fmt: skip
    """sha256 of what the author wrote: sender, recipients, subject, date, references,
    body and attachments; nothing a list or relay adds (List-*, Received, X-*, DKIM).

    One mail delivered by two lists (whose copies differ in those headers)
    has one digest, so it is one message in both lists; other mail posted
    under the same Message-ID has another, and is kept under its own id.
    """
    # The regular expression search terms use, not email.utils.getaddresses:
    # that parser cost a fifth of ingest on kernel mail's long Cc lists.
    recipients = sorted(set(header_addresses(to)) | set(header_addresses(cc)))
    fields = [from_email, subject, date.isoformat() if date else "", *references, "",
              *recipients, "", body]  # fmt: skip
    # (content type, file name, size, text or None)
    fields += [f"{kind}\0{name}\0{size}\0{text or ''}" for kind, name, size, text in attachments]
    digest = hashlib.sha256()
    for value in fields:
        digest.update(value.encode("utf-8", "surrogatepass") + b"\0")
    return digest.hexdigest()
