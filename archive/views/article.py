# SPDX-License-Identifier: AGPL-3.0-or-later
"""A message page's article as HTML, built in Python.

The same bytes ``archive/_message_article.html`` rendered (a test renders both
and compares them), without the template engine's variable lookups, includes
and per-value autoescaping: about a third of a message page's first view.
Every piece from mail is escaped here as the template escaped it; the body,
the thread overview and the reply command come already escaped.
"""

from __future__ import annotations

from datetime import UTC
from html import escape

from archive.models import Message
from archive.msgids import msgid_path
from archive.views.searchpage import search_form
from archive.views.thread_items import message_head

_NO_SUBJECT = "(no subject)"


def message_article(
    list_name: str,
    message: Message,
    *,
    base: str,
    body: str,
    lists: list[str],
    replies: list[Message],
    thread_overview: str,
    links_marker: str,
    reply_command: str,
) -> str:
    """``archive/_message_article.html``, byte for byte."""
    m = message
    b = escape(base)
    in_lists = ""
    if lists:
        names = ", ".join(f'<a href="/{escape(n)}/">{escape(n)}</a>' for n in lists)
        in_lists = f'<span class="pi-lists">in: {names}</span>'
    return (
        f'<article class="pi-message" id="m">\n{search_form(list_name)}\n'
        f'<h1 class="pi-subject"><bdi>{escape(m.subject or _NO_SUBJECT)}</bdi></h1>\n'
        f"{links_marker}\n{message_head(m)}\n\n"
        f'<nav class="pi-links">\n  <a href="{b}raw">raw</a>\n'
        f'  <a href="{b}T/#m{m.pk}">thread (flat)</a>\n'
        f'  <a href="{b}t/#m{m.pk}">thread (nested)</a>\n'
        f'  <a href="{b}t.mbox.gz">mbox.gz</a>\n  <a href="{b}t.mbox">mbox</a>\n'
        f'  <a href="{b}t.atom">Atom</a>\n  <a href="#reply">reply</a>\n  {in_lists}\n</nav>\n'
        f'<pre class="pi-body">{body}</pre>\n<section class="pi-related">\n'
        f"{_related(list_name, m)}\n{_replies(list_name, replies)}\n</section>\n"
        f'{thread_overview}\n<section class="pi-reply" id="reply">\n<h2>Reply instructions</h2>\n'
        "<p>Reply to this message with your mail client's reply-to-all, or save the "
        f'<a href="{b}raw">raw message</a> and use these headers:</p>\n'
        f"<pre>{reply_command}</pre>\n</section>\n</article>\n"
    )


def _related(list_name: str, m: Message) -> str:
    parent = m.parent if m.parent_id else None
    if parent is not None and not parent.is_ghost:
        href = escape(f"/{list_name}/{msgid_path(parent.msgid)}/")
        subject = escape(parent.subject or _NO_SUBJECT)
        return f'\n  <p>parent: <a href="{href}"><bdi>{subject}</bdi></a></p>\n'
    if m.in_reply_to:
        unknown = escape(m.in_reply_to)
        return f"\n  <p>in reply to: &lt;<bdi>{unknown}</bdi>&gt; (not archived)</p>\n"
    return ""


def _replies(list_name: str, replies: list[Message]) -> str:
    if not replies:
        return ""
    items = []
    for r in replies:
        href = escape(f"/{list_name}/{msgid_path(r.msgid)}/")
        author = f"<bdi>{escape(r.author.display_name)}</bdi>" if r.author else ""
        when = r.date.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if r.date else ""
        items.append(
            f'\n    <li><a href="{href}"><bdi>{escape(r.subject or _NO_SUBJECT)}</bdi></a>'
            f" {author} {when}</li>"
        )
    return f"\n  <p>replies:</p>\n  <ul>{''.join(items)}\n  </ul>\n"
