"""``manage.py reparse``: recompute the review tables from the raw mail.

Maintainer decisions (state, delegate, archived, commit ref, a series name)
are not in the mail, so they are kept by (message, project) across the rebuild.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, transaction

from archive.ingest import analyse_raw
from archive.models import Message, MessageList, RawMail
from archive.processors import StoredMessage
from reviews.ingest import record_batch
from reviews.models import Cover, Event, Patch, Project, Series, Trailer

BATCH = 1000


def rebuild_reviews(list_ids: Sequence[int] | None) -> int:
    """Drop and rebuild review data for the given lists (all when None). Returns messages seen."""
    links = MessageList.objects.all()
    if list_ids is not None:
        links = links.filter(mailing_list_id__in=list_ids)
    message_ids = list(
        links.order_by("message__date", "message_id")
        .values_list("message_id", flat=True)
        .distinct()
    )
    with transaction.atomic():
        kept, names = _decisions(list_ids), _locked_names(list_ids)
        _drop(list_ids, message_ids)
        for start in range(0, len(message_ids), BATCH):
            _replay(message_ids[start : start + BATCH], list_ids)
        _restore(kept)
        _restore_names(names)
    return len(message_ids)


def _projects(list_ids: Sequence[int] | None):
    projects = Project.objects.all()
    return projects if list_ids is None else projects.filter(mailing_list_id__in=list_ids)


def _decisions(list_ids) -> list[tuple]:
    return list(
        Patch.objects.filter(project__in=_projects(list_ids)).values_list(
            "message_id", "project_id", "state_id", "delegate_id", "archived", "commit_ref"
        )
    )


# A series has no identity in the mail; a maintainer-set name follows its first message.
_LOCKED_NAMES_SQL = """
SELECT s.project_id, coalesce(
    (SELECT min(p.message_id) FROM reviews_patch p WHERE p.series_id = s.id),
    (SELECT c.message_id FROM reviews_cover c WHERE c.series_id = s.id)), s.name
FROM reviews_series s WHERE s.name_locked AND s.project_id = ANY(%s)
"""

_RESTORE_NAMES_SQL = """
UPDATE reviews_series s SET name = u.name, name_locked = true
FROM unnest(%s::bigint[], %s::bigint[], %s::text[]) u(project, anchor, name)
JOIN (SELECT message_id, project_id, series_id FROM reviews_patch
      UNION ALL SELECT message_id, project_id, series_id FROM reviews_cover) x
    ON x.message_id = u.anchor AND x.project_id = u.project
WHERE s.id = x.series_id
"""


def _locked_names(list_ids) -> list[tuple]:
    project_ids = list(_projects(list_ids).values_list("id", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(_LOCKED_NAMES_SQL, [project_ids])
        return [row for row in cursor.fetchall() if row[1] is not None]


def _restore_names(names: list[tuple]) -> None:
    if names:
        with connection.cursor() as cursor:
            cursor.execute(_RESTORE_NAMES_SQL, [list(c) for c in zip(*names, strict=True)])


def _drop(list_ids, message_ids: list[int]) -> None:
    projects = _projects(list_ids)
    Event.objects.filter(project__in=projects).delete()
    Patch.objects.filter(project__in=projects).delete()
    Cover.objects.filter(project__in=projects).delete()
    Series.objects.filter(project__in=projects).delete()
    Trailer.objects.filter(message_id__in=message_ids).delete()


def _replay(message_ids: list[int], list_ids) -> None:
    raws = dict(
        RawMail.objects.filter(message_id__in=message_ids).values_list("message_id", "data")
    )
    links: dict[int, list[int]] = {}
    for message_id, list_id in MessageList.objects.filter(message_id__in=message_ids).values_list(
        "message_id", "mailing_list_id"
    ):
        if list_ids is None or list_id in list_ids:
            links.setdefault(message_id, []).append(list_id)
    authors = dict(Message.objects.filter(id__in=message_ids).values_list("id", "author_id"))
    stored = []
    for message_id in message_ids:
        outcome = analyse_raw(bytes(raws[message_id])) if message_id in raws else None
        if outcome is None or outcome.parsed is None:
            continue
        stored.append(
            StoredMessage(
                id=message_id,
                parsed=outcome.parsed,
                analysis=outcome.analysis,
                is_new=True,
                new_lists=tuple(links.get(message_id, ())),
                author_id=authors.get(message_id),
            )
        )
    record_batch(stored)


def _restore(kept: list[tuple]) -> None:
    """Put the maintainers' decisions back, in one statement."""
    if not kept:
        return
    columns = list(zip(*kept, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE reviews_patch p SET state_id = u.state, delegate_id = u.delegate,
                archived = u.archived, commit_ref = u.commit_ref
            FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[], %s::bool[],
                        %s::text[]) u(message, project, state, delegate, archived, commit_ref)
            WHERE p.message_id = u.message AND p.project_id = u.project
            """,
            [list(column) for column in columns],
        )
