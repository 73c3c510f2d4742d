# SPDX-License-Identifier: AGPL-3.0-or-later
"""Mail on its way into the archive, and what happens when its Message-ID is taken.

A Message-ID is only a claim: whoever posts first with a predictable one
(the next in a series, say) used to make the real mail a "duplicate" that
was dropped. Now mail whose Message-ID other mail took first (earlier in the
batch, or archived) is stored under ``derived_msgid`` of what its author
wrote. "Other mail" means another ``content_sha256``: one mail delivered by
two lists differs in the lists' headers but not there, so it stays one
message in both. The same mail again gets the same derived id, so ingesting
a source twice adds nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from archive import rawmail
from archive.bodycodec import pack_body
from archive.parsing import ParsedMessage, UnparseableMessage, derived_msgid, parse_message
from archive.rawcodec import cut_body, pack
from archive.searchterms import BodyText, split_body, split_terms

__all__ = [
    "IncomingMessage",
    "Prepared",
    "clean_text",
    "first_of_each",
    "rename_taken",
    "rename_taken_since",
    "rename_within",
]

Items = list["IncomingMessage"]


@dataclass(frozen=True)
class Prepared:
    """What storing one mail needs beyond its parse, made where it is parsed.

    The ingest writer is a single thread per batch that the parse workers
    wait for; packing raw mail and its body, and splitting the body for the
    search vector, are pure per-message work, so the workers do them and the
    writer only COPYs (docs/performance.md, "Ingest: where the time goes").
    """

    codec: int  # archive.rawcodec.Codec
    packed: bytes  # the raw mail, less its body's bytes when ``body_at`` says where
    body_at: int | None  # archive_rawmail.body_at (rawcodec.cut_body)
    body: bytes  # the body as stored (archive.bodycodec)
    text: BodyText
    # The exact search terms as staged: those kept in the body vector and those
    # stored apart (searchterms.split_terms), each joined by spaces. A mail has
    # hundreds; sorting them out was 0.3 s of the writer's thread at 17k (#21).
    terms: str
    apart: str

    @classmethod
    def of(cls, parsed: ParsedMessage, raw: bytes) -> Prepared:
        # Split as stored: the body without NUL (clean_text), attachments' text as parsed.
        body = clean_text(parsed.body)
        # The body's bytes are stored once, with the message, where the raw mail
        # holds them verbatim (rawcodec.cut_body).
        rest, body_at = cut_body(raw, body.encode())
        codec, packed = pack(rest)
        texts = (a.text for a in parsed.attachments if a.text)
        kept, apart = split_terms(parsed.search_terms)
        return cls(
            int(codec),
            packed,
            body_at,
            pack_body(body),
            split_body(body, texts),
            clean_text(" ".join(kept)),
            clean_text(" ".join(apart)),
        )


@dataclass(frozen=True)
class IncomingMessage:
    parsed: ParsedMessage
    raw: bytes
    analysis: dict = field(default_factory=dict)
    list_override: str | None = None
    # The Message-ID the mail named, when other mail had it first: ``parsed.msgid``
    # is then derived from the mail's content.
    taken_msgid: str = ""
    # Made by the parse workers; None where the caller has no workers (made then).
    prepared: Prepared | None = None

    def ready(self) -> Prepared:
        return self.prepared if self.prepared is not None else Prepared.of(self.parsed, self.raw)


def clean_text(text: str) -> str:
    """Text PostgreSQL can hold: NUL becomes U+FFFD (the raw bytes keep the original)."""
    return text.replace("\x00", "\ufffd") if "\x00" in text else text


def first_of_each(items: Sequence[IncomingMessage]) -> Items:
    """One item per Message-ID, the first, in input order."""
    unique: dict[str, IncomingMessage] = {}
    for item in items:
        unique.setdefault(item.parsed.msgid, item)
    return list(unique.values())


def rename_within(items: Sequence[IncomingMessage]) -> Items:
    """One Message-ID, other content, in one batch: the first keeps it, the others are derived."""
    first: dict[str, str] = {}
    return [
        item if first.setdefault(item.parsed.msgid, item.parsed.content_sha256)
        == item.parsed.content_sha256 else _derived(item)
        for item in items
    ]  # fmt: skip


def rename_taken(
    cursor, items: Sequence[IncomingMessage], batch: Sequence[IncomingMessage]
) -> tuple[Items, Items]:
    """Derive the Message-ID of batch mail whose own archived mail with other content has.

    Other bytes under one Message-ID are common (each list adds its headers),
    so only the archived copies with other bytes are read and parsed again.
    """
    by_msgid = {i.parsed.msgid: i.parsed for i in batch}
    cursor.execute(
        """
        SELECT m.msgid, r.sha256 FROM archive_message m
        JOIN archive_rawmail r ON r.message_id = m.id
        WHERE m.msgid = ANY(%s) AND NOT m.is_ghost
        """,
        [list(by_msgid)],
    )
    other_bytes = [msgid for msgid, sha in cursor.fetchall() if sha != by_msgid[msgid].sha256]
    content = _archived_content(cursor, other_bytes) if other_bytes else {}
    taken = {(m, by_msgid[m].content_sha256) for m, c in content.items()
             if c != by_msgid[m].content_sha256}  # fmt: skip
    return _renamed(items, taken), _renamed(batch, taken)


def rename_taken_since(
    cursor, items: Sequence[IncomingMessage], batch: Sequence[IncomingMessage]
) -> tuple[Items, Items]:
    """Under the ingest lock: the same for Message-IDs another writer archived since
    the batch was staged, in ``ingest_stage`` too (archive.services)."""
    # The staged ids as one array, so the lookup probes the Message-ID index:
    # as a join PostgreSQL hashed the whole table against the (never analysed)
    # staging table, a scan a batch that grew with the archive (#21: 180-200 ms
    # a batch at ten times linux-rtc against 7-9 ms, under the ingest lock).
    cursor.execute(
        "SELECT m.msgid FROM archive_message m"
        " WHERE m.msgid = ANY(ARRAY(SELECT msgid FROM ingest_stage)) AND NOT m.is_ghost"
    )
    raced = [row[0] for row in cursor.fetchall()]
    if not raced:
        return list(items), list(batch)
    by_msgid = {i.parsed.msgid: i.parsed for i in batch}
    content = _archived_content(cursor, raced)
    taken = {(m, by_msgid[m].content_sha256) for m in raced
             if content.get(m) != by_msgid[m].content_sha256}  # fmt: skip
    if taken:
        cursor.execute(
            """
            UPDATE ingest_stage s SET msgid = n.new, synthetic_msgid = true
            FROM unnest(%s::text[], %s::text[]) AS n(old, new) WHERE s.msgid = n.old
            """,
            [[m for m, _ in taken], [derived_msgid(c) for _, c in taken]],
        )
    return _renamed(items, taken), _renamed(batch, taken)


def _derived(item: IncomingMessage) -> IncomingMessage:
    msgid = derived_msgid(item.parsed.content_sha256)
    parsed = replace(item.parsed, msgid=msgid, synthetic_msgid=True)
    return replace(item, parsed=parsed, taken_msgid=item.parsed.msgid)


def _renamed(items: Sequence[IncomingMessage], taken: set[tuple[str, str]]) -> Items:
    """``items`` with those whose (Message-ID, content digest) is ``taken`` derived."""
    return [_derived(i) if (i.parsed.msgid, i.parsed.content_sha256) in taken else i for i in items]


def _archived_content(cursor, msgids: Sequence[str]) -> dict[str, str]:
    """Content digests of archived mail by Message-ID, from its raw bytes parsed again."""
    cursor.execute(
        f"""
        SELECT m.msgid, {rawmail.COLUMNS} FROM archive_message m
        JOIN archive_rawmail r ON r.message_id = m.id
        WHERE m.msgid = ANY(%s) AND NOT m.is_ghost
        """,
        [list(msgids)],
    )
    found = {}
    for msgid, *stored in cursor.fetchall():
        try:
            found[msgid] = parse_message(rawmail.whole(*stored)).content_sha256
        except UnparseableMessage:  # it parsed when archived: only a parser change gets here
            found[msgid] = ""
    return found
