# SPDX-License-Identifier: AGPL-3.0-or-later
"""Fill ``Message.search``: the one tsvector (GIN-indexed) behind every search prefix.

Weights separate the full-text fields: A subject, B unquoted body, C quoted
body, D sender/recipient names and addresses. Exact-match prefixes (``f:``,
``t:``, ``c:``, ``dfn:``, ``dfa:``, ``dfb:``, ``patchid:``) are lexemes
``prefix:value`` computed by :mod:`archive.searchterms` and added verbatim.
The vector is derived data: :func:`rebuild_search` recomputes it from raw mail.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection, transaction

# Caps keep every vector well under PostgreSQL's 1 MB tsvector limit, whatever
# the mail carries (base64 blobs pasted inline, huge logs).
_UPDATE_SQL = """
UPDATE archive_message m SET search =
    setweight(to_tsvector('english', m.subject), 'A')
    || setweight(to_tsvector('english',
        left(regexp_replace(m.body, '^>.*$', '', 'gn'), 200000)), 'B')
    || setweight(to_tsvector('english',
        left(regexp_replace(m.body, '^(?!>).*$', '', 'gn'), 100000)), 'C')
    || setweight(to_tsvector('english', coalesce(
        (SELECT p.name || ' ' || p.email FROM archive_person p WHERE p.id = m.author_id), '')
        || ' ' || left(m."to", 10000) || ' ' || left(m.cc, 10000)), 'D')
    || array_to_tsvector(array_remove(string_to_array(u.terms, ' '), ''))
FROM unnest(%s::bigint[], %s::text[]) AS u(id, terms)
WHERE m.id = u.id
"""


def index_messages(cursor, terms_by_id: dict[int, Sequence[str]]) -> None:
    """Compute the search vector of the given messages in one statement."""
    if not terms_by_id:
        return
    ids = list(terms_by_id)
    cursor.execute(_UPDATE_SQL, [ids, [" ".join(terms_by_id[i]) for i in ids]])


def rebuild_search(message_ids: Iterable[int] | None = None, batch: int = 500) -> int:
    """Recompute vectors from raw mail (all real messages by default); returns the count."""
    from archive.models import Message, RawMail
    from archive.parsing import UnparseableMessage, parse_message

    ids = list(message_ids) if message_ids is not None else None
    if ids is None:
        ids = list(Message.objects.real().order_by("id").values_list("id", flat=True))
    done = 0
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        terms: dict[int, Sequence[str]] = {}
        for message_id, data in RawMail.objects.filter(message_id__in=chunk).values_list(
            "message_id", "data"
        ):
            try:
                terms[message_id] = parse_message(bytes(data)).search_terms
            except UnparseableMessage:
                terms[message_id] = ()
        with transaction.atomic(), connection.cursor() as cursor:
            index_messages(cursor, terms)
        done += len(terms)
    return done
