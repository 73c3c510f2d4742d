# SPDX-License-Identifier: AGPL-3.0-or-later
"""Patches as ``git am``-able mail, with the trailers reviewers gave in replies.

A patch is rebuilt from its stored commit message and diff (as Patchwork
does) rather than served as received, so that the Reviewed-by, Acked-by and
Tested-by lines collected from the discussion land in the commit. The
trailers of replies to the series' cover letter apply to every patch, and,
as b4 carries them, so do the trailers of replies to the same patch in the
previous revision of the series when its patch-id is unchanged.
"""

from __future__ import annotations

import datetime as dt
import email.header
import email.utils
import re
from collections.abc import Iterable, Sequence

from django.db.models import Q
from django.db.models.functions import Coalesce

from archive.mbox import mboxrd_message
from reviews.models import Comment, Patch, Series, Trailer
from reviews.trailers import Trailer as TrailerLine
from reviews.trailers import add_trailers

__all__ = [
    "carried_from",
    "collected_trailers",
    "download_filename",
    "patch_mail",
    "patches_mbox",
]

_UNSAFE = re.compile(r"[^A-Za-z0-9_.]+")


def download_filename(name: str, fallback: str) -> str:
    """A safe, unquoted ``NAME.patch`` (clients cut the last six characters)."""
    slug = _UNSAFE.sub("-", name).strip("-.")[:100].rstrip("-.")
    return f"{slug or fallback}.patch"


def _previous_series(series_ids: set[int]) -> dict[int, int]:
    """The revision posted right before each series, by series id (one query)."""
    roots = Series.objects.filter(id__in=series_ids).annotate(root=Coalesce("lineage_id", "id"))
    rows = (
        Series.objects.filter(
            Q(lineage_id__in=roots.values("root")) | Q(id__in=roots.values("root"))
        )
        .annotate(root=Coalesce("lineage_id", "id"))
        .order_by("root", "version", "date", "id")
        .values_list("id", "root")
    )
    previous: dict[int, int] = {}
    last: tuple[int, int] | None = None  # (root, series id)
    for series_id, root in rows:
        if last is not None and last[0] == root:
            previous[series_id] = last[1]
        last = (root, series_id)
    return {s: previous[s] for s in series_ids if s in previous}


def carried_from(patches: Sequence[Patch]) -> dict[int, int]:
    """For each patch, the previous revision's patch with its patch-id, by id (two queries)."""
    series_ids = {p.series_id for p in patches if p.series_id is not None and p.patchid}
    previous = _previous_series(series_ids) if series_ids else {}
    if not previous:
        return {}
    rows = Patch.objects.filter(
        series_id__in=set(previous.values()), patchid__in={p.patchid for p in patches}
    ).values_list("id", "series_id", "patchid")
    earlier = {(series_id, patchid): pid for pid, series_id, patchid in rows}
    return {
        p.id: earlier[(previous[p.series_id], p.patchid)]
        for p in patches
        if p.series_id in previous and (previous[p.series_id], p.patchid) in earlier
    }


def collected_trailers(patches: Sequence[Patch]) -> dict[int, list[TrailerLine]]:
    """Each patch's own trailers, then its replies', then its cover letter's, then the
    replies' to the same patch (same patch-id) in the previous revision.

    Five queries for any number of patches; trailers in the date order of
    the messages carrying them. ``add_trailers`` drops the duplicates.
    """
    by_message: dict[int, set[int]] = {}
    for patch in patches:
        by_message.setdefault(patch.message_id, set()).add(patch.id)
    series_patches: dict[int, set[int]] = {}
    for patch in patches:
        if patch.series_id is not None:
            series_patches.setdefault(patch.series_id, set()).add(patch.id)
    carried: dict[int, set[int]] = {}  # previous revision's patch -> patches it carries to
    for patch_id, earlier in carried_from(patches).items():
        carried.setdefault(earlier, set()).add(patch_id)
    wanted = {p.id for p in patches}
    comments = Comment.objects.filter(
        Q(patch_id__in=wanted | set(carried)) | Q(cover__series_id__in=list(series_patches))
    ).values_list("message_id", "patch_id", "cover__series_id")
    for message_id, patch_id, series_id in comments:
        targets = series_patches.get(series_id, set()) if not patch_id else set()
        targets |= ({patch_id} & wanted) | carried.get(patch_id, set())
        by_message.setdefault(message_id, set()).update(targets)
    rows = (
        Trailer.objects.filter(message_id__in=list(by_message))
        .order_by("message__date", "message_id", "position")
        .values_list("message_id", "kind", "value", "name", "email")
    )
    found: dict[int, list[TrailerLine]] = {p.id: [] for p in patches}
    for message_id, kind, value, name, addr in rows:
        for patch_id in by_message[message_id]:
            found[patch_id].append(TrailerLine(kind, value, name, addr))
    return found


def patch_mail(patch: Patch, trailers: Iterable[TrailerLine]) -> bytes:
    """One patch as a mail: the original headers that matter, trailers added.

    ``patch`` needs ``submitter`` and ``message`` loaded.
    """
    message = patch.message
    body = add_trailers(patch.commit_message, list(trailers))
    if body and not body.endswith("\n"):
        body += "\n"
    body += patch.diff
    submitter = patch.submitter
    sender = (
        email.utils.formataddr((submitter.name, submitter.email), charset="utf-8")
        if submitter is not None
        else "unknown@unknown"
    )
    headers = [
        ("From", sender),
        ("Subject", _encoded(message.subject or patch.name)),
        ("Date", _mail_date(patch.date or message.date, message.utc_offset)),
        ("Message-ID", f"<{message.msgid}>"),
        ("X-Patchwork-Id", str(patch.id)),
        ("MIME-Version", "1.0"),
        ("Content-Type", 'text/plain; charset="utf-8"'),
        ("Content-Transfer-Encoding", "8bit"),
    ]
    head = "".join(f"{key}: {value}\n" for key, value in headers)
    return (head + "\n" + body).encode("utf-8", "surrogateescape")


def patches_mbox(patches: Sequence[Patch]) -> bytes:
    """An mboxrd of patches, in the given order, each with its collected trailers."""
    trailers = collected_trailers(patches)
    return b"".join(mboxrd_message(patch_mail(p, trailers[p.id])) for p in patches)


def _encoded(value: str) -> str:
    value = " ".join(value.split())
    if value.isascii():
        return value
    return email.header.Header(value, "utf-8").encode()


def _mail_date(date: dt.datetime | None, utc_offset: int) -> str:
    if date is None:
        return email.utils.format_datetime(dt.datetime(1970, 1, 1, tzinfo=dt.UTC))
    zone = dt.timezone(dt.timedelta(minutes=utc_offset))
    return email.utils.format_datetime(date.astimezone(zone))
