# SPDX-License-Identifier: AGPL-3.0-or-later
"""The patch page's markup, drawn in Python: what ``reviews/patch.html`` and
its includes wrote, byte for byte, around the actions box.

Most visitors see a patch page once, so the template's cost is paid on nearly
every view: about a hundred variable lookups, filters and autoescapes, and a
loop per patch of the series (over 3 ms of a 15 ms first view on the 17k
archive). Here the same markup is joined from strings. Every value that can
come from mail or from a person is escaped as the template escaped it; the
pieces that come as HTML (the commit message, the diff, the discussion, the
carried review) were escaped where they were drawn.

The page is cut in two around the actions box, which depends on who is
looking and stays a template (``{% patch_actions %}``). ``parts`` draws what
the page caches under the change stamp; ``before_actions`` and
``after_actions`` draw the rest on every view (the patch row, the turn's
wait in days, checks and landings).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.template.loader import render_to_string
from django.utils import timezone

from reviews import links
from reviews.models import Patch, Series
from reviews.pages.common import NavigationRow, TrailerView
from reviews.pages.revisions import RevisionLink
from reviews.rendering.markup import escape
from reviews.templatetags.landings import patch_lineage
from reviews.templatetags.threadwork import file_name
from reviews.templatetags.turns import turn_words
from reviews.templatetags.workflow import patch_checks, revision_notes

__all__ = [
    "FileStatRow",
    "diffstat_html",
    "draw_head",
    "draw_main",
    "draw_side",
    "revision_notes_html",
    "series_nav_html",
    "trailers_box_html",
]


@dataclass(frozen=True)
class FileStatRow:
    path: str
    added: int
    removed: int
    anchor: str


def _dates(when: datetime | None) -> tuple[str, str]:
    """``|date:'c'`` and ``|date:"Y-m-d H:i"``: the current time zone's time."""
    if when is None:
        return "", ""
    local = timezone.localtime(when)
    return local.isoformat(), local.strftime("%Y-%m-%d %H:%M")


def draw_head(
    patch: Patch,
    list_name: str,
    changes_since: RevisionLink | None,
    replies: int,
    notes: str,
) -> str:
    """From the breadcrumbs to the end of the header (``notes``: the revision notes)."""
    project, state, msgid = patch.project, patch.state, patch.message.msgid
    archived = ' <span class="tag">archived</span>' if patch.archived else ""
    submitter = patch.submitter
    if submitter is not None:
        who = (
            f'<a href="{escape(links.person_url(submitter.identity_id))}">'
            f"<bdi>{escape(submitter.identity.display_name)}</bdi></a>"
        )
    else:
        who = "(unknown)"
    iso, when = _dates(patch.date)
    delegate = patch.delegate.username if patch.delegate is not None else ""
    commit = (
        f"<span>commit <code>{escape(patch.commit_ref)}</code></span>" if patch.commit_ref else ""
    )
    turn = ""
    if patch.turn != "nobody":
        turn = (
            f'<span class="turn turn-{escape(patch.turn)}" title="Whose turn it is, from the '
            f'mail and the states">{escape(turn_words(patch))}</span>'
        )
    since = ""
    if changes_since is not None:
        since = (
            f'<a class="changes-since" href="{escape(changes_since.interdiff_url)}">'
            f"changes since {escape(changes_since.name)}</a>"
        )
    series_mbox = ""
    if patch.series_id is not None:
        series_mbox = f'<a href="{escape(links.series_mbox_url(patch.series_id))}">series mbox</a>'
    return (
        '\n<nav class="crumbs" aria-label="Breadcrumb"><a href="/">Projects</a> › '
        f'<a href="/project/{escape(project.link_name)}/list/">{escape(project.name)}</a> › '
        "<span>patch</span></nav>\n"
        '<header class="item-head">\n'
        f'  <h1 class="item-title"><bdi>{escape(patch.name)}</bdi></h1>\n'
        '  <div class="item-meta">\n'
        f'    <span class="state-badge big st-{escape(state.slug)}">{escape(state.name)}</span>'
        f"{archived}\n"
        f"    <span>by {who}</span>\n"
        f'    <time datetime="{iso}">{when}</time>\n'
        f"    <span>delegate: {escape(delegate or 'none')}</span>\n"
        f"    {commit}\n"
        '    <span class="art-inline" title="Acked / Reviewed / Tested">'
        f"A {patch.acked} · R {patch.reviewed} · T {patch.tested}</span>\n"
        f"    {turn}\n"
        '  <span class="item-actions small">\n'
        f'    <a href="{escape(links.patch_mbox_url(project.link_name, msgid))}">mbox</a>\n'
        f'    <a href="{escape(links.patch_raw_url(project.link_name, msgid))}">raw</a>\n'
        f'    <a href="{escape(links.message_url(list_name, msgid))}">in archive</a>\n'
        f"    {since}\n"
        f"    {series_mbox}\n"
        f'    <a href="#discussion">{replies} repl{"y" if replies == 1 else "ies"} ↓</a>\n'
        "  </span>\n"
        "  </div>\n"
        f"  {notes}\n"
        "</header>\n"
    )


def revision_notes_html(revisions: Sequence[Series], series: Series | None, link_name: str) -> str:
    """``{% revision_notes %}``: "Superseded by v2" / "Supersedes v1" ("" without a series)."""
    if series is None:
        return ""
    notes = revision_notes(list(revisions), series, link_name)
    newer, older = notes["newer"], notes["older"]
    if not (newer or older):
        return "\n"
    out = ['<p class="revision-notes">']
    if newer:
        out.append(
            f'<span class="superseded-by">Superseded by '
            f'<a href="{escape(links.series_url(link_name, newer.id))}">v{newer.version}</a></span>'
        )
    if newer and older:
        out.append(" · ")
    if older:
        out.append(
            f'<span class="supersedes">Supersedes '
            f'<a href="{escape(links.series_url(link_name, older.id))}">v{older.version}</a></span>'
        )
    out.append("</p>\n")
    return "".join(out)


def draw_main(
    commit: str,
    notes: str | None,
    carried: str,
    diffstat: str,
    patch: Patch,
    diff: str,
    discussion: str,
) -> str:
    """From the commit message to the side column's start (``carried``, ``diffstat``: drawn)."""
    changelog = ""
    if notes:
        changelog = (
            '\n    <section class="box commit changelog" aria-labelledby="changelog-h">\n'
            '      <h2 id="changelog-h" class="box-title">Changelog <span class="muted small">'
            "the author's notes below <code>---</code></span></h2>\n"
            f'      <div class="mail">{notes}</div>\n'
            "    </section>\n    "
        )
    if patch.diff:
        body = diff
    elif patch.pull_url:
        body = f"<p>Pull request: <code>{escape(patch.pull_url)}</code></p>"
    else:
        body = ""
    return (
        '\n<div class="item-layout">\n'
        '  <div class="item-main">\n'
        '    <section class="box commit" aria-label="Commit message">\n'
        f'      <div class="mail">{commit}</div>\n'
        "    </section>\n"
        f"    {changelog}\n\n"
        f"    {carried}\n\n"
        '    <section class="diff" aria-labelledby="diff-h">\n'
        '      <h2 id="diff-h" class="visually-hidden">Diff</h2>\n'
        f"      {diffstat}\n"
        f"      {body}\n"
        "    </section>\n\n"
        f"    {discussion}\n"
        "  </div>\n\n"
        '  <aside class="item-side">\n    '
    )


def diffstat_html(rows: Sequence[FileStatRow]) -> str:
    """The table of files above a diff of more than one file ("" for one)."""
    if len(rows) <= 1:
        return ""
    cells = "".join(
        f'<tr><td class="path"><a href="#{escape(f.anchor)}">{file_name(f.path)}</a></td>'
        f'<td class="num"><span class="plus">+{f.added}</span> '
        f'<span class="minus">−{f.removed}</span></td></tr>'
        for f in rows
    )
    added, removed = sum(f.added for f in rows), sum(f.removed for f in rows)
    return (
        '\n      <table class="diffstat">\n'
        f"        {cells}\n"
        f'        <tr class="total"><td>{len(rows)} files</td><td class="num">'
        f'<span class="plus">+{added}</span> <span class="minus">−{removed}</span></td></tr>\n'
        "      </table>\n      "
    )


def draw_side(patch: Patch, boxes: str) -> str:
    """From after the actions box to the page's end (``boxes``: ``trailers_box_html``'s)."""
    return f"\n    {_box_of(_CHECKS, patch_checks(patch), 'checks')}\n    " + (
        f"{_box_of(_LANDED, patch_lineage(patch), 'rows')}\n    {boxes}\n  </aside>\n</div>\n\n"
    )


# Checks and landings are rare and read on every view, as the template read
# them: their small templates stay, drawn only when they have rows.
_CHECKS, _LANDED = "reviews/_patch_checks.html", "reviews/_lineage.html"


def _box_of(template: str, context: dict, rows: str) -> str:
    # Without rows each template writes only its closing newline.
    return render_to_string(template, context) if context[rows] else "\n"


def trailers_box_html(
    trailers: Sequence[TrailerView],
    carried: Sequence[TrailerView],
    carried_name: str,
    applied: bool,
    series_nav: str,
) -> str:
    """The Trailers box (with those carried from ``carried_name``) and the series box."""
    more = ""
    if carried:
        if applied:
            head = f"Carried from {escape(carried_name)}"
            why = "The patch is unchanged since (same patch-id), so these are in its mbox."
        else:
            head = f"Given on {escape(carried_name)}, not applied"
            why = "The patch changed since, so these are not in its mbox."
        more = (
            f'\n      <h3 class="carried-h">{head}</h3>\n'
            f'      <p class="muted small">{why}</p>\n'
            f"      {trailers_html(carried)}\n      "
        )
    nav = f"\n    {series_nav}\n    " if series_nav else ""
    return (
        '<section class="box" aria-labelledby="trailers-h">\n'
        '      <h2 id="trailers-h">Trailers</h2>\n'
        f"      {trailers_html(trailers)}\n"
        f"      {more}\n"
        "    </section>\n"
        f"    {nav}"
    )


def trailers_html(trailers: Sequence[TrailerView]) -> str:
    """A list of trailers (or "No trailers yet."), for the patch and series pages."""
    if not trailers:
        return '<p class="muted small">No trailers yet.</p>\n'
    out = ['\n<ul class="trailers">\n']
    for t in trailers:
        source = "In the patch itself" if t.in_patch else f"Given by {escape(t.given_by)}"
        out.append(
            f'\n  <li class="{"review" if t.is_review else ""}">\n'
            f'    <span class="kind">{escape(t.kind)}</span>\n'
            f'    <span class="who" title="{escape(t.value)}"><bdi>{escape(t.name)}</bdi></span>\n'
            f'    <a class="src small" href="{escape(t.url)}" title="{source}">'
            f"{'patch' if t.in_patch else 'reply'}</a>\n"
            "  </li>\n"
        )
    out.append("\n</ul>\n\n")
    return "".join(out)


def series_nav_html(
    series: Series,
    link_name: str,
    revisions: Sequence[RevisionLink],
    patches: Sequence[NavigationRow],
    current_id: int,
) -> str:
    """What ``{% include "reviews/_series_nav.html" ... %}`` wrote on a patch page."""
    cover = ""
    # A reverse one-to-one: a series without a cover raises (an AttributeError).
    cover_letter = getattr(series, "cover", None)
    if cover_letter is not None:
        url = links.cover_url(link_name, cover_letter.message.msgid)
        cover = f' · <a href="{escape(url)}">cover letter</a>'
    total = series.total
    out = [
        '\n<section class="box series-box" aria-labelledby="series-h">\n'
        f'  <h2 id="series-h"><a href="{escape(links.series_url(link_name, series.id))}">'
        f"<bdi>{escape(series.name or 'Series')}</bdi></a></h2>\n"
        f'  <p class="muted small">v{series.version} · {series.received_total} of {total} '
        f"patch{'' if total == 1 else 'es'}{cover}</p>\n  ",
        _revisions_bar(revisions),
        "\n  ",
        _previous_next(patches, current_id),
        '\n  <ol class="series-patches">\n  ',
    ]
    for p in patches:
        current = ' class="current" aria-current="page"' if p.id == current_id else ""
        out.append(
            f"\n    <li{current}>\n"
            f'      <a href="{escape(p.url)}"><bdi>{escape(p.name)}</bdi></a>\n'
            f'      <span class="state-badge st-{escape(p.state_slug)}">'
            f"{escape(p.state_name)}</span>\n"
            "    </li>\n  "
        )
    out.append(
        "\n  </ol>\n"
        f'  <p class="small"><a href="{escape(links.series_mbox_url(series.id))}" download>'
        "Download series mbox</a></p>\n"
        "</section>\n"
    )
    return "".join(out)


def _revisions_bar(revisions: Sequence[RevisionLink]) -> str:
    """ "Revisions of this patch: v1 ⇄ v2 ⇄ v3" ("" for a patch sent once)."""
    if len(revisions) <= 1:
        return ""
    names = []
    for r in revisions:
        name = escape(r.name)
        if r.current:
            names.append(f'<strong aria-current="true">{name}</strong>')
        elif r.patch_msgid:
            names.append(
                f'<a class="revision-patch" href="{escape(r.url)}" '
                f'title="This patch in {name}">{name}</a>'
            )
        else:
            names.append(
                f'<a class="revision-series" href="{escape(r.url)}" '
                f'title="No matching patch in {name}: its series">{name}</a>'
            )
    bar = ' <span class="muted">⇄</span> '.join(names)
    return f'\n  <p class="revisions">Revisions of this patch:\n    {bar}\n  </p>\n  '


def _previous_next(patches: Sequence[NavigationRow], current_id: int) -> str:
    """Links to the patches before and after this one in its series ("" when alone)."""
    ids = [p.id for p in patches]
    at = ids.index(current_id) if current_id in ids else None
    previous = patches[at - 1] if at is not None and at > 0 else None
    following = patches[at + 1] if at is not None and at + 1 < len(ids) else None
    if previous is None and following is None:
        return ""
    back = '<span class="muted">‹ previous</span>'
    if previous is not None:
        back = (
            f'<a rel="prev" href="{escape(previous.url)}" '
            f'title="{escape(previous.name)}">‹ previous</a>'
        )
    forth = '<span class="muted">next ›</span>'
    if following is not None:
        forth = (
            f'<a rel="next" href="{escape(following.url)}" '
            f'title="{escape(following.name)}">next ›</a>'
        )
    return f'\n  <p class="prevnext">\n    {back}\n    {forth}\n  </p>\n  '
