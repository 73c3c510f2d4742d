# SPDX-License-Identifier: AGPL-3.0-or-later
"""Atom feeds of messages (a list's newest mail, one thread), all text escaped."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from xml.sax.saxutils import escape, quoteattr

from archive.models import Message
from archive.msgids import msgid_path

__all__ = ["atom_feed"]

_SUMMARY_CHARS = 2000


def _date(value: datetime | None) -> str:
    return (
        (value or datetime(1970, 1, 1, tzinfo=UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    )


def _clean(text: str) -> str:
    # XML 1.0 forbids most control characters; mail carries them anyway.
    return "".join(c for c in text if c in "\t\n\r" or c >= " ")


def atom_feed(
    *, title: str, feed_url: str, site: str, list_name: str, messages: Sequence[Message]
) -> str:
    """An Atom document; ``messages`` newest first, authors selected."""
    updated = _date(messages[0].date if messages else None)
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">',
        f"<title>{escape(_clean(title))}</title>",
        f'<link rel="self" href={quoteattr(feed_url)}/>',
        f"<id>{escape(feed_url)}</id>",
        f"<updated>{updated}</updated>",
    ]
    for m in messages:
        url = f"{site.rstrip('/')}/{list_name}/{msgid_path(m.msgid)}/"
        author = m.author
        parts.append(
            "<entry>"
            f"<author><name>{escape(_clean(author.display_name if author else ''))}</name>"
            f"<email>{escape(_clean(author.email if author else ''))}</email></author>"
            f"<title>{escape(_clean(m.subject))}</title>"
            f"<updated>{_date(m.date)}</updated>"
            f"<link href={quoteattr(url)}/>"
            f"<id>{escape('urn:message-id:' + _clean(m.msgid))}</id>"
            f'<content type="text">{escape(_clean(m.body[:_SUMMARY_CHARS]))}</content>'
            "</entry>"
        )
    parts.append("</feed>\n")
    return "\n".join(parts)
