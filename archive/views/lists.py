# SPDX-License-Identifier: AGPL-3.0-or-later
"""A list (or ``all``): latest threads, search results, search mboxes, the feed."""

from __future__ import annotations

from functools import partial

from django.conf import settings
from django.core.paginator import Paginator
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.utils.http import urlencode
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from archive import browse, processors, searchmbox
from archive.feeds import atom_feed
from archive.mbox import gzip_chunks
from archive.models import Message
from archive.msgids import msgid_path
from archive.search import QueryError
from archive.views.common import Elsewhere, find_list
from archive.views.searchframe import search_response
from archive.views.searchhits import render_hits
from archive.views.searchpage import ResultsSection, results_section
from throttle import slots
from throttle.limits import gate, refusal


@csrf_exempt  # b4 POSTs searches without a token; nothing is written
def list_index(request: HttpRequest, list_name: str) -> HttpResponse:
    try:
        mlist = find_list(request, list_name)
    except Elsewhere:
        return _maybe_message(list_name)
    if request.method == "POST":
        return _search_mbox(request, mlist)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    query = request.GET.get("q", "").strip()
    page = _page_number(request)
    if query:
        return _search_page(request, list_name, mlist, query, page)
    threads = Paginator(browse.latest_threads(mlist), browse.PAGE_SIZE).get_page(page)
    for thread in threads:
        root = thread.root
        thread.base = f"/{list_name}/{msgid_path(root.msgid)}/" if root else ""
    listing: dict[str, object] = {
        "list_name": list_name,
        "mlist": mlist,
        "threads": threads,
        # The list's pages in other apps (its patch list), through the processor hook.
        "list_links": processors.list_links(mlist.pk) if mlist is not None else [],
    }
    return render(request, "archive/list.html", listing)


def _search_page(
    request: HttpRequest, list_name: str, mlist, query: str, page: int
) -> HttpResponse:
    by_relevance = "r" in request.GET
    draw = partial(render_hits, list_name)
    # A visitor's search is counted by the page's first statement (one round
    # trip for both); past the rate it searches nothing.
    limit = gate(request, "search")
    results = browse.search_page(query, mlist, page, by_relevance, draw, limit)
    if limit and results.tally and (refused := limit.refused(results.tally)):
        return refused
    section = ResultsSection(
        list_name=list_name,
        query=results.query,
        error=results.error,
        total=results.total,
        more=results.more,
        by_relevance=by_relevance,
        first_number=(page - 1) * browse.PAGE_SIZE + 1,
        order_url=_order_url(request, not by_relevance),
        prev_url=_page_url(request, page - 1) if page > 1 else "",
        next_url=_page_url(request, page + 1) if page * browse.PAGE_SIZE < results.total else "",
    )
    # Drawn in Python, escaped there (searchpage, and searchhits for the hits).
    drawn = results_section(section, results.html)
    # A query that cannot be read is the client's error: the page says why, with a 400.
    return search_response(request, list_name, results.query, drawn, 400 if results.error else 200)


def _maybe_message(name: str) -> HttpResponse:
    """``/<msgid>/``: a Message-ID without ``/`` in place of a list name."""
    if Message.objects.real().filter(msgid=name).exists():
        return HttpResponseRedirect(f"/all/{msgid_path(name)}/")
    raise Http404("no such list or message")


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, min(int(request.GET.get("page", "1")), 10_000))
    except ValueError:
        return 1


def _page_url(request: HttpRequest, page: int) -> str:
    params = request.GET.copy()
    params["page"] = str(page)
    return "?" + params.urlencode()


def _order_url(request: HttpRequest, relevance: bool) -> str:
    params = {"q": request.GET.get("q", "")}
    if relevance:
        params["r"] = ""
    return "?" + urlencode(params)


def _search_mbox(request: HttpRequest, mlist) -> HttpResponse:
    """``POST ?x=m&q=...``: matching mail as gzipped mboxrd, whole threads when asked.

    Capped in messages and bytes (archive/searchmbox.py); the header
    ``X-Threadwork-Download`` says what the download holds and whether the cap
    cut it. Streamed: compressed a message at a time as the client reads.
    """
    body = request.body[:64]
    if request.GET.get("x") != "m" and not body.startswith(b"x=m"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    if refused := refusal(request, "search-mbox"):
        return refused
    whole = request.GET.get("t") == "1" or (body.startswith(b"x=") and body[2:3] not in (b"0", b""))
    try:
        compiled = browse.compile_text(request.GET.get("q", ""))
    except QueryError as exc:
        # The sentence the results page shows (templates/archive/search.html).
        return HttpResponse(
            f"Cannot search: {exc}\n", status=400, content_type="text/plain; charset=utf-8"
        )
    anonymous = not request.user.is_authenticated
    # A slot before any work, so that a refusal costs next to nothing.
    slot = slots.take(settings.THREADWORK_SEARCH_MBOX_CONCURRENT) if anonymous else None
    if anonymous and slot is None:
        return _busy()
    try:
        return _mbox_response(compiled, mlist, whole, slot)
    except BaseException:
        if slot is not None:
            slots.release(slot)
        raise


def _mbox_response(compiled, mlist, whole: bool, slot: int | None) -> StreamingHttpResponse:
    download = searchmbox.select(
        compiled,
        mlist,
        whole,
        settings.THREADWORK_SEARCH_MBOX_MESSAGES,
        settings.THREADWORK_SEARCH_MBOX_BYTES,
    )
    if not download.ids:
        raise Http404("no messages match")
    chunks = gzip_chunks(browse.raws_in_order(download.ids), level=1)
    response = StreamingHttpResponse(
        chunks if slot is None else slots.HeldWhile(slot, chunks), content_type="application/gzip"
    )
    response["Content-Disposition"] = 'inline; filename="results.mbox.gz"'
    response["X-Threadwork-Download"] = download.note()
    response["X-Threadwork-Messages"] = str(len(download.ids))
    response["X-Threadwork-Truncated"] = "yes" if download.cut else "no"
    return response


def _busy() -> HttpResponse:
    seconds = 10
    response = HttpResponse(
        "The server is busy sending other search results to visitors who are not logged in. "
        f"Try again in {seconds} seconds, or log in.\n",
        status=503,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = str(seconds)
    return response


@require_safe
def search_alias(request: HttpRequest) -> HttpResponse:
    """``/search/?q=`` is ``/all/?q=``."""
    return HttpResponseRedirect("/all/?" + request.GET.urlencode() if request.GET else "/all/")


@require_safe
def list_feed(request: HttpRequest, list_name: str) -> HttpResponse:
    try:
        mlist = find_list(request, list_name)
    except Elsewhere as redirect:
        return redirect.response
    title = mlist.name if mlist else "all lists"
    feed = atom_feed(
        title=title,
        feed_url=request.build_absolute_uri(),
        site=request.build_absolute_uri("/"),
        list_name=list_name,
        messages=browse.latest_messages(mlist),
    )
    return HttpResponse(feed, content_type="application/atom+xml; charset=utf-8")
