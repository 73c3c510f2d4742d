# SPDX-License-Identifier: AGPL-3.0-or-later
"""A whole thread: flat and nested pages, mbox downloads and its Atom feed."""

from __future__ import annotations

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.views.decorators.http import require_safe

from archive import browse
from archive.feeds import atom_feed
from archive.mbox import mboxrd
from archive.models import Message, Thread
from archive.views.common import Elsewhere, find_message, message_base, safe_filename
from archive.views.render import fill_links
from archive.views.thread_items import thread_items
from throttle.limits import anonymous_limit


def _thread_of(request: HttpRequest, list_name: str, msgid: str) -> tuple[str, Message, Thread]:
    list_name, message = find_message(request, list_name, msgid)
    if message.thread is None:
        raise Http404("this message is not threaded yet")
    return list_name, message, message.thread


@require_safe
@anonymous_limit("thread-mbox")
def thread_mbox(request: HttpRequest, list_name: str, msgid: str, compress: bool) -> HttpResponse:
    """The thread as mboxrd; gzipped as the *body* (b4 gunzips it itself)."""
    try:
        _, message, thread = _thread_of(request, list_name, msgid)
    except Elsewhere as redirect:
        return redirect.response
    if compress:
        response = HttpResponse(browse.cached_thread_gzip(thread), content_type="application/gzip")
        name = safe_filename(message.msgid, ".mbox.gz")
    else:
        data = mboxrd(browse.thread_mbox_raws(thread.pk))
        response = HttpResponse(data, content_type="application/mbox")
        name = safe_filename(message.msgid, ".mbox")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


def _thread_page(request: HttpRequest, list_name: str, msgid: str, nested: bool) -> HttpResponse:
    try:
        list_name, message, thread = _thread_of(request, list_name, msgid)
    except Elsewhere as redirect:
        return redirect.response
    key = browse.thread_cache_key(thread, f"{'t' if nested else 'T'}:{list_name}:{message.pk}")
    html = cache.get(key)
    if html is None:
        items = thread_items(thread, list_name, nested)
        context = {
            "list_name": list_name,
            "message": message,
            "thread": thread,
            "base": message_base(list_name, message.msgid),
            "items": items,
            "nested": nested,
        }
        html = render_to_string("archive/thread.html", context, request=None)
        cache.set(key, html, 3600)
    return HttpResponse(fill_links(html))  # review links: per request, never cached


@require_safe
def thread_flat(request: HttpRequest, list_name: str, msgid: str) -> HttpResponse:
    return _thread_page(request, list_name, msgid, nested=False)


@require_safe
def thread_nested(request: HttpRequest, list_name: str, msgid: str) -> HttpResponse:
    return _thread_page(request, list_name, msgid, nested=True)


@require_safe
def thread_atom(request: HttpRequest, list_name: str, msgid: str) -> HttpResponse:
    try:
        list_name, message, thread = _thread_of(request, list_name, msgid)
    except Elsewhere as redirect:
        return redirect.response
    messages = browse.thread_messages(thread.pk)
    base = request.build_absolute_uri("/")
    feed = atom_feed(
        title=thread.subject or message.subject,
        feed_url=request.build_absolute_uri(),
        site=base,
        list_name=list_name,
        messages=list(reversed(messages)),
    )
    return HttpResponse(feed, content_type="application/atom+xml; charset=utf-8")
