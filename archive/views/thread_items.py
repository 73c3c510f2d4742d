# SPDX-License-Identifier: AGPL-3.0-or-later
"""The messages of a thread page (``T/``, ``t/``) as HTML, built in Python.

A thread of a hundred messages through the template loop (an include, a
``with`` and a dozen variable lookups per message) cost more than reading the
thread; this builds the same bytes as ``archive/_message_head.html`` did, in
one pass. The result depends on the thread and the list only, not on which
message the page was asked for, so it is cached once per thread: every other
message of a long thread then gets its page without rendering any body.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape

from django.core.cache import cache
from django.utils.safestring import SafeString, mark_safe

from archive import browse
from archive.models import Message, Thread
from archive.templatetags.recipients import recipients
from archive.views.common import message_base
from archive.views.render import links_marker, render_body

_CACHE_SECONDS = 3600
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def thread_items(thread: Thread, list_name: str, nested: bool) -> SafeString:
    """Every message article of the page, cached per thread, list and layout."""
    key = browse.thread_cache_key(thread, f"{'t' if nested else 'T'}items:{list_name}")
    html = cache.get(key)
    if html is None:
        html = _render_items(thread.pk, list_name, nested)
        cache.set(key, html, _CACHE_SECONDS)
    return mark_safe(html)  # built from escaped pieces below


def _render_items(thread_id: int, list_name: str, nested: bool) -> str:
    entries = browse.thread_tree(thread_id)
    if not nested:
        entries.sort(key=lambda e: (e.message.date is None, e.message.date, e.message.pk))
    out: list[str] = []
    for e in entries:
        m = e.message
        if m.is_ghost:
            if nested:
                out.append(
                    f'\n<article class="pi-message depth-{min(e.depth, 12)}" id="m{m.pk}">\n\n'
                    f'<p class="ghost">[not archived] &lt;<bdi>{escape(m.msgid)}</bdi>&gt;</p>\n\n'
                    "</article>\n"
                )
            continue
        base = escape(message_base(list_name, m.msgid))
        out.append(
            f'\n<article class="pi-message depth-{min(e.depth, 12) if nested else 0}"'
            f' id="m{m.pk}">\n\n{message_head(m)}\n\n{links_marker(m.pk)}\n'
            f'<nav class="pi-links"><a href="{base}">permalink</a> <a href="{base}raw">raw</a>'
            f' <a href="{base}#reply">reply</a></nav>\n'
            f'<pre class="pi-body">{render_body(m.body)}</pre>\n\n</article>\n'
        )
    return "".join(out)


def message_head(m: Message) -> str:
    """The headers block of ``archive/_message_head.html``, byte for byte."""
    r = recipients(m)
    author = m.author
    parts = ['<pre class="pi-headers">From: ']
    if author:
        parts.append(
            f"<bdi>{escape(author.display_name)}</bdi> &lt;<bdi>{escape(author.email)}</bdi>&gt;"
        )
    parts.append("\n")
    if r.folded:
        parts.append(
            f'</pre><details class="pi-rcpt"><summary>To/Cc: <bdi>{escape(r.first)}</bdi>'
            f' and {r.more} more</summary><pre class="pi-headers">'
        )
    if m.to:
        parts.append(f"To: <bdi>{escape(m.to)}</bdi>\n")
    if m.cc:
        parts.append(f"Cc: <bdi>{escape(m.cc)}</bdi>\n")
    if r.folded:
        parts.append('</pre></details><pre class="pi-headers">')
    when = _date(m.date) if m.date else ""
    parts.append(
        f"Subject: <b><bdi>{escape(m.subject)}</bdi></b>\n"
        f"Date: {when} +0000\nMessage-ID: &lt;<bdi>{escape(m.msgid)}</bdi>&gt;"
    )
    if m.in_reply_to:
        parts.append(f"\nIn-Reply-To: &lt;<bdi>{escape(m.in_reply_to)}</bdi>&gt;")
    parts.append("</pre>")
    return "".join(parts)


def _date(when: datetime) -> str:
    """``{{ date|date:"D, j M Y H:i:s" }}`` in UTC (the site's zone; the page says
    +0000), without Django's formatter: a tenth of a thread page's time."""
    d = when.astimezone(UTC)
    return f"{_DAYS[d.weekday()]}, {d.day} {_MONTHS[d.month - 1]} {d.year:04d} {d:%H:%M:%S}"
