# SPDX-License-Identifier: AGPL-3.0-or-later
"""The one way history is written: every service records its Events here.

Recording also moves the change stamp (``reviews.pages.stamp``) once the
transaction commits, so a cached page part never outlives the change it
shows. Writes that leave no Event (an edited state name in the admin, a
rebuild in place) call :func:`touch` themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from archive.bulk import copy_new
from reviews.models import Event, EventCategory

__all__ = [
    "STAMP_SEQUENCE",
    "StateChange",
    "event_for",
    "record",
    "record_state_changes",
    "touch",
]

# Bumped after every committed write; read by the change stamp. A sequence
# rather than a row: concurrent writers never wait on each other for it.
STAMP_SEQUENCE = "reviews_change_stamp"


def touch() -> None:
    """Move the change stamp now and again once the current transaction commits.

    The second move is the one that matters: a reader between our write and
    our commit may cache the old data under the first new stamp, and the
    commit moves past it. (A sequence is not transactional: the first move is
    seen at once, and stays even if the transaction rolls back.)
    """
    _bump()
    transaction.on_commit(_bump)


def _bump() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s)", [STAMP_SEQUENCE])


def _actor(actor: Any) -> Any:
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def event_for(
    category: str,
    *,
    project_id: int | None,
    actor: Any = None,
    patch_id: int | None = None,
    series_id: int | None = None,
    cover_id: int | None = None,
    date: datetime | None = None,
    change_set_id: int | None = None,
    **payload: Any,
) -> Event:
    """An unsaved Event; :func:`record` writes it.

    ``date``: when it happened; for what ingest records, the date of the mail
    it describes, so importing history does not bury today's changes.
    """
    return Event(
        project_id=project_id,
        category=category,
        date=date or timezone.now(),
        actor=_actor(actor),
        patch_id=patch_id,
        series_id=series_id,
        cover_id=cover_id,
        payload=payload,
        change_set_id=change_set_id,
    )


def record(events: Iterable[Event]) -> list[Event]:
    """Write ``events`` (in the caller's transaction) and move the change stamp."""
    rows = list(events)
    if rows:
        with connection.cursor() as cursor:
            copy_new(cursor, rows)
        touch()
    return rows


@dataclass(frozen=True)
class StateChange:
    """One patch's state change, as a set-based update reports it."""

    patch_id: int
    project_id: int
    series_id: int | None
    previous: str
    current: str
    reason: str = ""
    # The mail's date when ingest made the change; None: now.
    date: datetime | None = None


def record_state_changes(changes: Sequence[StateChange], actor: Any = None) -> list[Event]:
    """The Events of state changes made in bulk SQL (superseding and its undoing)."""
    return record(_state_changed(change, actor) for change in changes)


def _state_changed(change: StateChange, actor: Any) -> Event:
    payload: dict[str, Any] = {"previous_state": change.previous, "current_state": change.current}
    if change.reason:
        payload["reason"] = change.reason
    return event_for(
        EventCategory.PATCH_STATE_CHANGED,
        project_id=change.project_id,
        actor=actor,
        patch_id=change.patch_id,
        series_id=change.series_id,
        date=change.date,
        **payload,
    )
