# SPDX-License-Identifier: AGPL-3.0-or-later
"""The patch list's rows as HTML, built in Python: the markup of
``reviews/_patch_rows.html`` as the patch list includes it (selectable, with
series, submitter, review and the optional delegate and checks columns).

Fifty rows through the template language took about 15 ms on a cold list
(some thirty variable lookups, filters and tags per row), more than the
list's statements; the same markup from one function costs a few. Every
piece from mail is escaped as the template would; a test renders both and
compares them, so the two cannot drift apart.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator, add_truncation_text, calculate_truncate_chars_length

from reviews import links
from reviews.listing import PatchListQuery
from reviews.models import Patch
from reviews.rendering.markup import escape
from reviews.templatetags.threadwork import list_params
from reviews.templatetags.turns import badge_html
from reviews.templatetags.workflow import CHECK_LABELS


def render_rows(
    patches: list[Patch], query: PatchListQuery, show_delegate: bool, show_checks: bool
) -> SafeString:
    """The ``<tr>`` rows of the list's ``<tbody>``, as the template's loop wrote them."""
    filters: dict[int, str] = {}  # "only this submitter" links, one per person
    # The time zone and the time read once, not per row: Django's lookup of the
    # current zone alone took 7 us, three times a row.
    clock = (timezone.get_current_timezone(), timezone.now())
    rows = [_row(p, query, (show_delegate, show_checks), filters, clock) for p in patches]
    return mark_safe("".join(rows) + "\n")  # escaped below


def _time(when: dt.datetime | None, zone: dt.tzinfo) -> str:
    if when is None:
        return ""
    # the current time zone's time, as the template's date filter showed it
    local = when.astimezone(zone)
    iso = local.isoformat()
    # "Y-m-d" as the date filter writes it, the year in four digits: the ISO text's head
    return f'<time datetime="{iso}">{iso[:10]}</time>'


def _cut(text: str, limit: int) -> str:
    """``Truncator(text).chars(limit)``: no longer than ``limit`` characters.

    Truncator walks every character to skip combining ones, which an ASCII
    text has none of (and it is NFC already): there its result is the head
    and the ellipsis, without the walk (a fifth of the list's rows' time, for
    linux-rtc's long series names).
    """
    if len(text) <= limit:
        return text
    if text.isascii():
        return add_truncation_text(text[: calculate_truncate_chars_length(limit, None)])
    return Truncator(text).chars(limit)


def _count(n: int) -> str:
    return str(n) if n else "–"


def _on(n: int) -> str:
    return " on" if n else ""


def _series(p: Patch) -> str:
    s = p.series
    if not s:
        return ""
    name = s.name or "series"
    name = escape(_cut(name, 48))
    tag = f' <span class="tag">v{s.version}</span>' if s.version > 1 else ""
    href = escape(links.series_url(p.project.link_name, s.id))
    return f'<a href="{href}"><bdi>{name}</bdi></a>{tag}'


def _submitter(p: Patch, query: PatchListQuery, filters: dict[int, str]) -> str:
    if not p.submitter:
        return ""
    who = p.submitter.identity
    if who.id not in filters:
        filters[who.id] = escape(list_params(query, submitter=who.id))
    return (
        f'<a href="{filters[who.id]}" title="Only patches from '
        f'{escape(who.email)}"><bdi>{escape(who.display_name)}</bdi></a>'
    )


def _since(p: Patch) -> str:
    since = getattr(p, "since_previous", "")  # set by the series page only
    if not since:
        return ""
    name = escape(getattr(p, "since_name", ""))
    words = f" since {name}" if since != "new" else ""
    return (
        f' <span class="tag patch-status {escape(since)}" title="Since {name}">'
        f"{escape(since)}{words}</span>"
    )


def _checks(state: str | None) -> str:
    if not state:
        return "\n"
    label = CHECK_LABELS.get(state, "")
    s = escape(state)
    return f'<span class="check-badge ck-{s}" title="Checks: {s}">{label} {s}</span>\n'


def _row(
    p: Patch,
    query: PatchListQuery,
    columns: tuple[bool, bool],
    filters: dict[int, str],
    clock: tuple[dt.tzinfo, dt.datetime],
) -> str:
    show_delegate, show_checks = columns
    zone, now = clock
    href = escape(links.patch_url(p.project.link_name, p.message.msgid))
    delegate = (
        f'<td class="delegate">{escape(p.delegate.username if p.delegate else "")}</td>'
        if show_delegate
        else ""
    )
    checks = f'<td class="checks">{_checks(p.check_state)}</td>' if show_checks else ""  # type: ignore[attr-defined]
    state = p.state
    return (
        f'\n<tr class="patch-row{" archived" if p.archived else ""}">\n'
        f'  <td class="sel"><input type="checkbox" name="patch" value="{p.id}"'
        f' aria-label="Select patch {p.id}"></td>\n'
        f'  <td class="name"><a href="{href}"><bdi>{escape(p.name)}</bdi></a>{_since(p)}</td>\n'
        f'  <td class="series">{_series(p)}</td>\n'
        '  <td class="art" title="Acked / Reviewed / Tested" data-label="A/R/T">'
        f'<span class="a{_on(p.acked)}">{_count(p.acked)}</span>'
        f'<span class="r{_on(p.reviewed)}">{_count(p.reviewed)}</span>'
        f'<span class="t{_on(p.tested)}">{_count(p.tested)}</span></td>\n'
        f'  <td class="num replies" title="Replies" data-label="Replies">{_count(p.replies)}</td>\n'
        f'  <td class="date nowrap" data-label="Sent">{_time(p.date, zone)}</td>\n'
        '  <td class="activity date nowrap" data-label="Last activity">'
        f"{_time(p.last_activity, zone)}</td>\n"
        f'  <td class="submitter">{_submitter(p, query, filters)}</td>\n'
        f"  {delegate}\n"
        f'  <td class="state"><span class="state-badge st-{escape(state.slug)}">'
        f"{escape(state.name)}</span></td>\n"
        f'  <td class="turn-cell nowrap">{badge_html(p, now)}</td>\n'
        f"  {checks}\n"
        "</tr>\n"
    )
