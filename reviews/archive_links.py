# SPDX-License-Identifier: AGPL-3.0-or-later
"""From archive pages to review pages: a patch's page and state, a cover's series.

Asked by the archive through its processor hook (``archive.processors.message_links``),
so that ``archive`` never imports ``reviews``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from archive.processors import MessageLink
from reviews import links
from reviews.models import Cover, Patch, Project


def message_links(message_ids: Sequence[int]) -> dict[int, list[MessageLink]]:
    """Patch and series links of the given messages; two queries whatever their number."""
    found: dict[int, list[MessageLink]] = {}
    patches = Patch.objects.filter(message_id__in=message_ids).values_list(
        "message_id", "name", "project__link_name", "message__msgid", "state__name"
    )
    for message_id, name, link_name, msgid, state in patches:
        url = links.patch_url(link_name, msgid)
        found.setdefault(message_id, []).append(MessageLink(name, url, state))
    covers = list(
        Cover.objects.filter(message_id__in=message_ids).values_list(
            "message_id", "name", "project__link_name", "series_id", "message__msgid"
        )
    )
    states = _series_states([c[3] for c in covers if c[3] is not None])
    for message_id, name, link_name, series_id, msgid in covers:
        if series_id is None:
            url, state = links.cover_url(link_name, msgid), ""
        else:
            url, state = links.series_url(link_name, series_id), states.get(series_id, "")
        found.setdefault(message_id, []).append(MessageLink(name, url, state))
    return found


def _series_states(series_ids: list[int]) -> dict[int, str]:
    """One state when all the series' patches share it, else the count of each."""
    if not series_ids:
        return {}
    counts: dict[int, Counter[str]] = {}
    rows = (
        Patch.objects.filter(series_id__in=series_ids)
        .values_list("series_id", "state__name")
        .order_by("series_id", "state__ordering")
    )
    for series_id, state in rows:
        counts.setdefault(series_id, Counter())[state] += 1
    return {sid: _summary(c) for sid, c in counts.items()}


def _summary(states: Counter[str]) -> str:
    if len(states) == 1:
        return next(iter(states))
    return ", ".join(f"{n} {state}" for state, n in states.items())


def list_links(list_id: int) -> list[MessageLink]:
    """The patch list of the list's project, if it has one."""
    project = Project.objects.filter(mailing_list_id=list_id).values_list("link_name", flat=True)
    return [MessageLink("patches", links.patch_list_url(name)) for name in project[:1]]
