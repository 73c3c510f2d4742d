# SPDX-License-Identifier: AGPL-3.0-or-later
"""Notification bookkeeping: a project's cursor in the Event log, and opting out.

``reviews.notifications`` composes and sends; the rows it changes change here.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from reviews.models import NotificationCursor, NotificationOptOut, Project

__all__ = ["advance_cursor", "lock_cursor", "opt_out"]


def lock_cursor(project: Project) -> NotificationCursor:
    """The project's cursor, locked until the caller's transaction ends (one sender at a time)."""
    NotificationCursor.objects.get_or_create(project=project)
    return NotificationCursor.objects.select_for_update().get(project=project)


def advance_cursor(cursor: NotificationCursor, last_event: int, sent: datetime | None) -> None:
    cursor.last_event, cursor.last_sent = last_event, sent
    cursor.save(update_fields=["last_event", "last_sent"])


@transaction.atomic
def opt_out(email: str) -> bool:
    """Never mail ``email`` about its patches again; False when it had already asked."""
    _, created = NotificationOptOut.objects.get_or_create(
        email=email.lower(), defaults={"date": timezone.now()}
    )
    return created
