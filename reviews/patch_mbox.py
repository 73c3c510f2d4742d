# SPDX-License-Identifier: AGPL-3.0-or-later
"""Patches as ``git am``-able mail, with the trailers reviewers gave in replies.

A patch is rebuilt from its stored commit message and diff (as Patchwork
does) rather than served as received, so that the Reviewed-by, Acked-by and
Tested-by lines collected from the discussion land in the commit. The
trailers of replies to the series' cover letter apply to every patch.
"""

from __future__ import annotations

import datetime as dt
import email.header
import email.utils
import re
from collections.abc import Iterable, Sequence

from django.db.models import Q

from archive.mbox import mboxrd_message
from reviews.models import Comment, Patch, Trailer
from reviews.trailers import Trailer as TrailerLine
from reviews.trailers import add_trailers

__all__ = ["collected_trailers", "download_filename", "patch_mail", "patches_mbox"]

_UNSAFE = re.compile(r"[^A-Za-z0-9_.]+")


def download_filename(name: str, fallback: str) -> str:
    """A safe, unquoted ``NAME.patch`` (clients cut the last six characters)."""
    slug = _UNSAFE.sub("-", name).strip("-.")[:100].rstrip("-.")
    return f"{slug or fallback}.patch"


def collected_trailers(patches: Sequence[Patch]) -> dict[int, list[TrailerLine]]:
    """Each patch's own trailers, then its replies', then its cover letter's.

    Three queries for any number of patches; trailers in the date order of
    the messages carrying them. ``add_trailers`` drops the duplicates.
    """
    by_message: dict[int, set[int]] = {}
    for patch in patches:
        by_message.setdefault(patch.message_id, set()).add(patch.id)
    series_patches: dict[int, set[int]] = {}
    for patch in patches:
        if patch.series_id is not None:
            series_patches.setdefault(patch.series_id, set()).add(patch.id)
    comments = Comment.objects.filter(
        Q(patch_id__in=[p.id for p in patches]) | Q(cover__series_id__in=list(series_patches))
    ).values_list("message_id", "patch_id", "cover__series_id")
    for message_id, patch_id, series_id in comments:
        targets = {patch_id} if patch_id else series_patches.get(series_id, set())
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
