# SPDX-License-Identifier: AGPL-3.0-or-later
"""One message: its page, its raw bytes, and the redirects to them."""

from __future__ import annotations

import shlex

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_safe

from archive import browse
from archive.invisible import escape_visible
from archive.models import RawMail
from archive.views.article import message_article
from archive.views.common import (
    Elsewhere,
    find_list,
    find_message,
    message_base,
    safe_filename,
)
from archive.views.frame import PageFrames, marker
from archive.views.render import fill_links, links_marker, render_body, render_thread_overview

_CACHE_SECONDS = 3600


def _marked(list_name: str) -> dict:
    return {"list_name": list_name, "subject": marker("title"),
            "article": mark_safe(marker("article"))}  # a marker, nothing from outside  # fmt: skip


MESSAGE_FRAMES = PageFrames("archive/message.html", _marked, {"title": 1, "article": 1})


@require_safe
def message_page(request: HttpRequest, list_name: str, msgid: str) -> HttpResponse:
    # The article depends on the message, its thread and its lists only (never
    # on who is asking), so it is rendered once per thread state and cached.
    # Finding the list is part of the key's query: one round trip when cached.
    found = browse.message_page_key(list_name, msgid)
    if found is None:
        try:
            find_list(request, list_name)  # /<msgid>/ (no such list) is served elsewhere
        except Elsewhere as redirect:
            return redirect.response
        raise Http404("no such message")
    page = cache.get(found.key)
    if page is None:
        page = _message_article(list_name, found)
        cache.set(found.key, page, _CACHE_SECONDS)
    # Links to review pages change with a patch's state, not with the mail:
    # read with the key, filled in per request.
    page = {**page, "article": fill_links(page["article"], {found.message_id: found.links})}
    return MESSAGE_FRAMES.response(request, list_name, page, slot_values(page))


def slot_values(page: dict) -> dict[str, str]:
    """The frame's slots as the template fills them: the subject, or "(no subject)",
    and the article."""
    return {"title": page["subject"] or "(no subject)", "article": page["article"]}


def _message_article(list_name: str, found: browse.PageKey) -> dict[str, str]:
    if found.thread_id is None:
        message = browse.message_by_id(found.message_id, found.list_names)
        replies, thread = browse.replies_and_thread(message)
    else:
        message, replies, thread = browse.message_with_outline(
            found.message_id, found.thread_id, found.list_names
        )
    article = message_article(
        list_name,
        message,
        base=message_base(list_name, message.msgid),
        body=render_body(message.body),
        lists=browse.message_lists(message),
        replies=replies,
        thread_overview=_thread_overview(list_name, message, thread),
        links_marker=links_marker(message.pk),
        reply_command=reply_command(message),
    )
    return {"list_name": list_name, "subject": message.subject, "article": mark_safe(article)}


def _thread_overview(list_name: str, message, thread) -> str:
    """The thread tree; cached only as part of the article, which changes with the thread."""
    return render_thread_overview(list_name, message.pk, thread) if thread else ""


def reply_command(message) -> SafeString:
    """``git send-email`` answering ``message``, as HTML, safe to paste into a shell.

    Every value comes from mail, so each is quoted for the shell (a Message-ID
    may read ``<a'$(rm -rf ~)'@x>``); invisible characters, which could
    reorder or hide part of the command on screen, are shown as markers.
    """
    sender = message.author.email if message.author else ""
    cc = ", ".join(x for x in (message.to, message.cc) if x)
    options = [("--in-reply-to", message.msgid), ("--to", sender)] + ([("--cc", cc)] if cc else [])
    lines = ["git send-email"]
    lines += [f"  {name}={shlex.quote(value)}" for name, value in options]
    lines.append("  /path/to/YOUR_REPLY")
    return mark_safe(escape_visible(" \\\n".join(lines)))  # escaped by escape_visible


@require_safe
def message_raw(request: HttpRequest, list_name: str, msgid: str) -> HttpResponse:
    try:
        list_name, message = find_message(request, list_name, msgid)
    except Elsewhere as redirect:
        return redirect.response
    raw = RawMail.objects.mail_of(message.pk)
    if raw is None:
        raise Http404("no raw mail kept for this message")
    response = HttpResponse(raw, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{safe_filename(message.msgid, ".txt")}"'
    return response


def message_redirect(request: HttpRequest, list_name: str, msgid: str) -> HttpResponse:
    """``/<list>/<msgid>`` -> ``/<list>/<msgid>/``; ``/<msgid>/raw`` -> ``/all/<msgid>/raw``."""
    try:
        find_list(request, list_name)
    except Elsewhere as redirect:
        return redirect.response
    return HttpResponsePermanentRedirect(message_base(list_name, msgid))
