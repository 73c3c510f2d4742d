"""``manage.py reparse``: recompute the review tables from the raw mail.

Maintainer decisions (state, delegate, archived, commit ref) are not in the
mail, so they are kept by (message, project) across the rebuild.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

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
        kept = _decisions(list_ids)
        _drop(list_ids, message_ids)
        for start in range(0, len(message_ids), BATCH):
            _replay(message_ids[start : start + BATCH], list_ids)
        _restore(kept)
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
    for message_id, project_id, state_id, delegate_id, archived, commit_ref in kept:
        Patch.objects.filter(message_id=message_id, project_id=project_id).update(
            state_id=state_id, delegate_id=delegate_id, archived=archived, commit_ref=commit_ref
        )
