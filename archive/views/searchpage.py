# SPDX-License-Identifier: AGPL-3.0-or-later
"""A search page's results section as HTML, built in Python.

The markup ``templates/archive/search.html`` wrote in its content block, byte
for byte (a test renders both and compares them): the search box, the count,
the order links, the download form, the hits (``searchhits``) and the pager.
Through the template engine this section cost about 0.4 ms of every search
page, cold or warm (variable lookups, filters, the include, autoescaping per
value); here a few string joins. Every value from the request is escaped as
the template escaped it (``html.escape``, what Django's ``escape`` calls).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from html import escape
from urllib.parse import quote

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

__all__ = ["ResultsSection", "results_section", "search_form"]

# Where the query goes in the search box rendered once per list: no list name
# holds a NUL (archive.converters), and escaping leaves it as it is.
_QUERY_SLOT = "\x00"


@cache
def _form_around_query(list_name: str) -> tuple[str, str]:
    """``archive/_search_form.html`` of a list, before and after its query's value
    (the rest depends on the list's name only)."""
    form = render_to_string(
        "archive/_search_form.html", {"list_name": list_name, "query": _QUERY_SLOT}
    )
    before, after = form.split(_QUERY_SLOT)
    return before, after


def search_form(list_name: str, query: str = "") -> str:
    """The search box of a list's pages holding ``query``, as the template draws it."""
    before, after = _form_around_query(list_name)
    return f"{before}{escape(query)}{after}"


@dataclass(frozen=True)
class ResultsSection:
    """What the section shows besides the hits (already drawn, escaped: ``hits_html``)."""

    list_name: str
    query: str
    error: str
    total: int
    more: bool
    by_relevance: bool
    first_number: int
    order_url: str
    prev_url: str
    next_url: str


def results_section(section: ResultsSection, hits_html: str) -> SafeString:
    """The results' ``<section>``: the search box, then the reason a query cannot
    run, or the count, order, download form, hits and pager."""
    s = section
    name = escape(s.list_name)
    help_url = f"/{name}/_/text/help/"
    head = f'<section class="pi-search-results">\n{search_form(s.list_name, s.query)}\n\n'
    if s.error:
        body = (
            f'<p class="pi-error" role="alert">Cannot search: {escape(s.error)}'
            f' <a href="{help_url}">Search help</a></p>'
        )
    else:
        body = _summary(s, name, help_url) + _hits_and_pages(s, hits_html)
    return mark_safe(f"{head}{body}\n\n</section>")  # escaped here and by the callers


def _summary(s: ResultsSection, name: str, help_url: str) -> str:
    count = f"more than {s.total - 1}" if s.more else str(s.total)
    plural = "" if s.total == 1 else "s"
    order = escape(s.order_url)
    if s.by_relevance:
        sorted_by = f'relevance (<a href="{order}">sort by date</a>)'
    else:
        sorted_by = f'date (<a href="{order}">sort by relevance</a>)'
    download = f"/{name}/?x=m&amp;q={escape(quote(s.query, safe=''))}"
    return (
        f'<p class="pi-summary">{count} result{plural},\n'
        f'<a href="{help_url}">search help</a> · sorted by {sorted_by}.\n'
        f'<form class="pi-inline" method="post" action="{download}">'
        '<input type="hidden" name="x" value="m"><button type="submit">download mbox.gz</button>'
        "</form>\n</p>\n"
    )


def _hits_and_pages(s: ResultsSection, hits_html: str) -> str:
    prev = f'<a href="{escape(s.prev_url)}" rel="prev">previous</a>' if s.prev_url else ""
    after = f'<a href="{escape(s.next_url)}" rel="next">next</a>' if s.next_url else ""
    return (
        f'<ol class="pi-hits" start="{s.first_number}">\n{hits_html}\n</ol>\n'
        f'<nav class="pi-pages">{prev} {after}</nav>'
    )
