# SPDX-License-Identifier: AGPL-3.0-or-later
"""Mail to submitters when their patches are accepted (or land), need changes or are rejected.

Opt-in per project (``Project.notify_submitters``). The Event log is the
queue: ``manage.py notify`` (cron) reads a project's state changes since its
cursor, keeps each patch's latest, and sends one mail per submitter and
series through Django's mail backend, at most once every
``Project.notify_interval`` minutes per project. The cursor row is locked
while a run sends, so two runs never mail the same change; it moves only
once the mail is handed to the backend, so a failed send is retried.
Addresses that opted out (a signed link in every mail) are skipped.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone

from reviews import links
from reviews.models import Event, EventCategory, NotificationOptOut, Patch, Project
from reviews.services.notices import advance_cursor, lock_cursor

__all__ = ["NOTIFIED", "SeriesNotice", "notify_project", "opt_out_token", "read_opt_out_token"]

NOTIFIED = {"accepted": "accepted", "changes-requested": "changes requested",
            "rejected": "rejected"}  # fmt: skip
# A project's first run tells of the last day only: older changes are history, not news.
FIRST_RUN = timedelta(days=1)
_SALT = "threadwork.notifications.opt-out"


def opt_out_token(email: str) -> str:
    return signing.dumps(email.lower(), salt=_SALT)


def read_opt_out_token(token: str) -> str | None:
    """The address a link was made for, or None for a link that was not ours."""
    try:
        return str(signing.loads(token, salt=_SALT))
    except signing.BadSignature:
        return None


@dataclass(frozen=True)
class PatchNotice:
    name: str
    url: str
    state: str  # a NOTIFIED key
    commit: str = ""
    branch: str = ""


@dataclass(frozen=True)
class SeriesNotice:
    email: str
    person: str
    project: str
    series: str
    series_url: str
    thread: str  # the Message-ID the mail answers: the cover letter, else the first patch
    patches: tuple[PatchNotice, ...]


@dataclass
class NotifyRun:
    project: str
    mails: int = 0
    patches: int = 0
    waiting: str = ""  # why nothing was sent yet

    def line(self) -> str:
        if self.waiting:
            return f"{self.project}: {self.waiting}"
        return f"{self.project}: {self.mails} mails about {self.patches} patches"


def notify_project(project: Project, base_url: str, now: datetime | None = None) -> NotifyRun:
    """Send ``project``'s pending notices, unless its last mail is too recent."""
    now = now or timezone.now()
    run = NotifyRun(project.link_name)
    with transaction.atomic():
        cursor = lock_cursor(project)
        if cursor.last_sent and now - cursor.last_sent < timedelta(minutes=project.notify_interval):
            run.waiting = f"waiting: the last mails went out at {cursor.last_sent:%H:%M}"
            return run
        events = Event.objects.filter(
            project=project, category=EventCategory.PATCH_STATE_CHANGED, id__gt=cursor.last_event
        )
        if not cursor.last_event:
            events = events.filter(date__gte=now - FIRST_RUN)
        rows = list(events.select_related("actor").order_by("id"))
        if not rows:
            run.waiting = "nothing to tell"
            return run
        notices = _notices(project, rows, base_url)
        mails = [_mail(n, base_url) for n in notices]
        if mails:
            get_connection().send_messages(mails)
        advance_cursor(cursor, rows[-1].id, now if mails else cursor.last_sent)
    run.mails, run.patches = len(mails), sum(len(n.patches) for n in notices)
    return run


def _latest_changes(rows: list[Event]) -> dict[int, Event]:
    """Each patch's last state change: a patch changed twice is told once, as it is now."""
    latest: dict[int, Event] = {}
    for event in rows:
        if event.patch_id is not None:
            latest[event.patch_id] = event
    return latest


def _notices(project: Project, rows: list[Event], base_url: str) -> list[SeriesNotice]:
    latest = _latest_changes(rows)
    patches = (
        Patch.objects.filter(id__in=list(latest), state__slug__in=list(NOTIFIED))
        .select_related("state", "submitter", "message", "series__cover__message")
        .order_by("series_id", "number", "date", "id")
    )
    opted_out = set(
        NotificationOptOut.objects.filter(
            email__in=[p.submitter.email for p in patches if p.submitter]
        ).values_list("email", flat=True)
    )
    groups: dict[tuple[str, int | None], list[Patch]] = defaultdict(list)
    # Not news: a change the submitter made, or one undone since.
    for patch in patches:
        event = latest[patch.id]
        email = patch.submitter.email if patch.submitter else ""
        by_self = event.actor is not None and (event.actor.email or "").lower() == email
        current = event.payload.get("current_state") == patch.state.slug
        if email and email not in opted_out and not by_self and current:
            groups[(email, patch.series_id)].append(patch)
    return [_notice(project, group, latest, base_url) for group in groups.values()]


def _notice(
    project: Project, patches: list[Patch], latest: dict[int, Event], base_url: str
) -> SeriesNotice:
    first = patches[0]
    series = first.series
    cover = getattr(series, "cover", None) if series else None
    link = project.link_name
    return SeriesNotice(
        email=first.submitter.email,
        person=first.submitter.name or first.submitter.email,
        project=project.name,
        series=(series.name if series else "") or first.name,
        series_url=base_url + links.series_url(link, series.id) if series else "",
        thread=cover.message.msgid if cover else first.message.msgid,
        patches=tuple(_patch_notice(p, latest[p.id].payload, link, base_url) for p in patches),
    )


def _patch_notice(patch: Patch, payload: dict[str, Any], link: str, base_url: str) -> PatchNotice:
    return PatchNotice(
        name=patch.name,
        url=base_url + links.patch_url(link, patch.message.msgid),
        state=patch.state.slug,
        commit=str(payload.get("commit") or ""),
        branch=str(payload.get("branch") or ""),
    )


def _mail(notice: SeriesNotice, base_url: str) -> EmailMessage:
    counts: dict[str, int] = defaultdict(int)
    for p in notice.patches:
        counts[NOTIFIED[p.state]] += 1
    summary = ", ".join(f"{n} {state}" for state, n in counts.items())
    opt_out = base_url + f"/notifications/opt-out/{opt_out_token(notice.email)}/"
    lines = [f"Hello {notice.person},", "",
             f"patches you sent to {notice.project} changed state:", ""]  # fmt: skip
    for p in notice.patches:
        landed = f", landed in {p.branch} as {p.commit[:12]}" if p.commit else ""
        lines += [f"  {p.name}", f"    {NOTIFIED[p.state]}{landed}", f"    {p.url}", ""]
    if notice.series_url:
        lines += [f"The series: {notice.series_url}", ""]
    lines += ["-- ", f"Sent by Threadwork because {notice.project} mails submitters about "
              "their patches.", f"To receive no more of these mails: {opt_out}"]  # fmt: skip
    return EmailMessage(
        subject=f"[{notice.project}] {notice.series}: {summary}",
        body="\n".join(lines) + "\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notice.email],
        headers={
            "In-Reply-To": f"<{notice.thread}>",
            "References": f"<{notice.thread}>",
            "Auto-Submitted": "auto-generated",
            "List-Unsubscribe": f"<{opt_out}>",
        },
    )
