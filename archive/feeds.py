# SPDX-License-Identifier: AGPL-3.0-or-later
"""Atom feeds of messages (a list's newest mail, one thread), all text escaped."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from xml.sax.saxutils import escape, quoteattr

from archive.models import Message
from archive.msgids import msgid_path

__all__ = ["atom_feed", "xml_text"]

_SUMMARY_CHARS = 2000
# What XML 1.0 forbids (its Char production): C0 controls but tab and newlines,
# surrogates, U+FFFE and U+FFFF. One of them makes the whole document invalid.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _date(value: datetime | None) -> str:
    return (
        (value or datetime(1970, 1, 1, tzinfo=UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    )


def xml_text(text: str) -> str:
    """``text`` with each character XML 1.0 cannot carry made U+FFFD; mail carries them anyway."""
    return _NOT_XML.sub("\ufffd", text)


def atom_feed(
    *, title: str, feed_url: str, site: str, list_name: str, messages: Sequence[Message]
) -> str:
    """An Atom document; ``messages`` newest first, authors selected."""
    updated = _date(messages[0].date if messages else None)
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">',
        f"<title>{escape(xml_text(title))}</title>",
        f'<link rel="self" href={quoteattr(xml_text(feed_url))}/>',
        f"<id>{escape(xml_text(feed_url))}</id>",
        f"<updated>{updated}</updated>",
    ]
    for m in messages:
        url = f"{site.rstrip('/')}/{list_name}/{msgid_path(m.msgid)}/"
        author = m.author
        parts.append(
            "<entry>"
            f"<author><name>{escape(xml_text(author.display_name if author else ''))}</name>"
            f"<email>{escape(xml_text(author.email if author else ''))}</email></author>"
            f"<title>{escape(xml_text(m.subject))}</title>"
            f"<updated>{_date(m.date)}</updated>"
            f"<link href={quoteattr(xml_text(url))}/>"
            f"<id>{escape('urn:message-id:' + xml_text(m.msgid))}</id>"
            f'<content type="text">{escape(xml_text(m.body[:_SUMMARY_CHARS]))}</content>'
            "</entry>"
        )
    parts.append("</feed>\n")
    return "\n".join(parts)
