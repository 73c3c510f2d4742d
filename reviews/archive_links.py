# SPDX-License-Identifier: AGPL-3.0-or-later
"""From archive pages to review pages: a patch's page and state, a cover's series.

Asked by the archive through its processor hook (``archive.processors.message_links``),
so that ``archive`` never imports ``reviews``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from django.db.models import Model

from archive.dbrouting import read_connection
from archive.models import Message
from archive.prepared import execute_prepared
from archive.processors import MessageLink
from reviews import links
from reviews.models import Cover, Patch, Project, State


def message_links(message_ids: Sequence[int]) -> dict[int, list[MessageLink]]:
    """Patch and series links of the given messages, patches first; one query.

    Asked on every view of a message page (states change without the mail
    changing, so the links are never cached with the page): one round trip
    instead of three, most messages being neither a patch nor a cover.
    """
    found: dict[int, list[MessageLink]] = {}
    with read_connection(Patch).cursor() as cursor:
        ids = list(message_ids)
        execute_prepared(cursor, "threadwork_message_links", _LINKS_SQL, [ids, ids])
        rows = cursor.fetchall()
    for kind, message_id, *fields in rows:
        found.setdefault(message_id, []).append(_link(kind, *fields))
    return found


def message_links_sql(message_id: str) -> str:
    """The links of the message whose id is the SQL ``message_id``, as one json value.

    For the archive's message page, which selects it with its cache key
    (``archive.processors.message_links_sql``): no round trip of its own.
    """
    return _ONE_LINKS_SQL.format(message_id=message_id)


def read_links(value: object) -> list[MessageLink]:
    """``message_links_sql``'s json value (psycopg decodes it) as links, patches first."""
    if not isinstance(value, list):
        return []
    return [_link(*row) for row in value]


def _link(
    kind: int, name: str, link_name: str, msgid: str, state: str | None,
    series_id: int | None, states: list[str] | None,
) -> MessageLink:  # fmt: skip
    if kind == 0:  # a patch
        return MessageLink(name, links.patch_url(link_name, msgid), state or "")
    if series_id is None:
        return MessageLink(name, links.cover_url(link_name, msgid), "")
    return MessageLink(
        name, links.series_url(link_name, series_id), _summary(Counter(states)) if states else ""
    )


def _table(model: type[Model]) -> str:
    return model._meta.db_table


# A series' state: its patches' states in the states' order (see ``_summary``).
_LINKS_SQL = f"""
SELECT 0 AS kind, p.message_id, p.name, pr.link_name, m.msgid, st.name, NULL::bigint, NULL::text[]
FROM {_table(Patch)} p
JOIN {_table(Project)} pr ON pr.id = p.project_id
JOIN {_table(Message)} m ON m.id = p.message_id
JOIN {_table(State)} st ON st.id = p.state_id
WHERE p.message_id = ANY(%s::bigint[])
UNION ALL
SELECT 1, c.message_id, c.name, pr.link_name, m.msgid, NULL, c.series_id, ARRAY(
    SELECT st.name FROM {_table(Patch)} sp JOIN {_table(State)} st ON st.id = sp.state_id
    WHERE sp.series_id = c.series_id ORDER BY st.ordering, st.id)
FROM {_table(Cover)} c
JOIN {_table(Project)} pr ON pr.id = c.project_id
JOIN {_table(Message)} m ON m.id = c.message_id
WHERE c.message_id = ANY(%s::bigint[])
ORDER BY kind
"""


# The same rows for one message, as a json array of arrays, patches first.
_ONE_LINKS_SQL = (
    "(SELECT json_agg(json_build_array(l.kind, l.name, l.link_name, l.msgid, l.state, "
    "l.series_id, l.states) ORDER BY l.kind) FROM ("
    + _LINKS_SQL.replace("ANY(%s::bigint[])", "({message_id})").replace("ORDER BY kind", "")
    + ") AS l(kind, message_id, name, link_name, msgid, state, series_id, states))"
)


def _summary(states: Counter[str]) -> str:
    if len(states) == 1:
        return next(iter(states))
    return ", ".join(f"{n} {state}" for state, n in states.items())


def list_links(list_id: int) -> list[MessageLink]:
    """The patch list of the list's project, if it has one."""
    project = Project.objects.filter(mailing_list_id=list_id).values_list("link_name", flat=True)
    return [MessageLink("patches", links.patch_list_url(name)) for name in project[:1]]
