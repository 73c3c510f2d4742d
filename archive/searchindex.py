# SPDX-License-Identifier: AGPL-3.0-or-later
"""Fill the GIN-indexed search columns of a message, behind every search prefix.

``Message.search`` holds the body and its text attachments: weight B unquoted
prose, C quoted prose (both stemmed), D diff lines (unstemmed), and the
exact ``f:`` and ``dfn:`` lexemes. ``Message.search_terms`` holds the other
exact-match prefixes (``t:``, ``c:``, ``dfa:``, ``dfb:``, ``patchid:``,
identifiers) as lexemes ``prefix:value`` computed by
:mod:`archive.searchterms`, as text that its GIN index reads as a vector
(``threadwork_terms_vector``; ``searchterms.split_terms`` says which go where).
``Message.header_search`` holds the subject (weight A) and the sender's name
and address (D). All are derived data: :func:`rebuild_search` recomputes them
from raw mail.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction

from archive.parsing import ParsedMessage
from archive.searchterms import BodyText, split_body, split_terms

# The vectors are the SQL functions threadwork_search_vector and
# threadwork_header_vector (migrations archive 0005, 0006), shared with ingest.
_UPDATE_SQL = """
UPDATE archive_message m SET
    search = threadwork_search_vector(
        u.unquoted, u.quoted, u.code, string_to_array(u.terms, ' ')),
    search_terms = u.apart,
    header_search = threadwork_header_vector(m.subject, coalesce(
        (SELECT p.name || ' ' || p.email FROM archive_person p WHERE p.id = m.author_id), ''))
FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[])
    AS u(id, terms, apart, unquoted, quoted, code)
WHERE m.id = u.id
"""


def index_messages(cursor, parsed_by_id: dict[int, ParsedMessage]) -> None:
    """Recompute the search vectors of the given messages in one statement."""
    if not parsed_by_id:
        return
    ids = list(parsed_by_id)
    texts = [_body_text(parsed_by_id[i]) for i in ids]
    terms = [split_terms(parsed_by_id[i].search_terms) for i in ids]
    cursor.execute(
        _UPDATE_SQL,
        [
            ids,
            [_clean(" ".join(kept)) for kept, _ in terms],
            [_clean(" ".join(apart)) for _, apart in terms],
            [t.unquoted for t in texts],
            [t.quoted for t in texts],
            [t.code for t in texts],
        ],
    )


def _body_text(parsed: ParsedMessage) -> BodyText:
    return split_body(_clean(parsed.body), (a.text for a in parsed.attachments if a.text))


def _clean(text: str) -> str:
    return text.replace("\x00", "\ufffd") if "\x00" in text else text


def rebuild_search(message_ids: Iterable[int] | None = None, batch: int = 500) -> int:
    """Recompute vectors from raw mail (all real messages by default); returns the count."""
    from archive.ingest import analyse_raw
    from archive.models import Message, RawMail

    ids = list(message_ids) if message_ids is not None else None
    if ids is None:
        ids = list(Message.objects.real().order_by("id").values_list("id", flat=True))
    done = 0
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        parsed: dict[int, ParsedMessage] = {}
        for message_id, data in (
            RawMail.objects.filter(message_id__in=chunk).mail_by_message().items()
        ):
            outcome = analyse_raw(data)
            if outcome.parsed is not None:
                parsed[message_id] = outcome.parsed
        with transaction.atomic(), connection.cursor() as cursor:
            index_messages(cursor, parsed)
        done += len(parsed)
    return done
