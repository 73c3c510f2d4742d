"""A search page's hits written in Python (archive/views/searchhits.py) are the markup the
template's loop over them wrote, byte for byte, on hostile values."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.template import Context, Template
from django.utils.safestring import SafeString

from archive.msgids import msgid_path
from archive.searchresults import Hit
from archive.snippets import MARK_END, MARK_START
from archive.views.render import render_snippet
from archive.views.searchhits import render_hits

# The loop templates/archive/search.html had before dfbd569, its tags and filters as they
# were (``hit.author.display_name`` is now the Hit's ``author``). Only its whitespace is
# arranged as the page has had it since: no blank line between items nor for a missing snippet.
_LOOP = (
    "{% for hit in hits %}{% if not forloop.first %}\n{% endif %}<li>\n"
    '  <a href="{{ hit.base }}"><bdi>{{ hit.subject|default:"(no subject)" }}</bdi></a>\n'
    '  <span class="pi-meta">{% if hit.author %}<bdi>{{ hit.author }}</bdi>{% endif %} '
    '<time>{{ hit.date|date:"Y-m-d H:i" }}</time></span>'
    '{% if hit.snippet_html %}\n  <p class="pi-snippet">{{ hit.snippet_html }}</p>{% endif %}'
    "\n</li>{% empty %}<li>No messages match.</li>{% endfor %}"
)

_HOSTILE = "<script>\"Eve\" & 'Mallory'</script>"


@dataclass
class _TemplateHit:
    """A hit as the template read it: its link and snippet made by the view beforehand."""

    base: str
    subject: str
    author: str
    date: dt.datetime | None
    snippet_html: SafeString


def _reference(list_name: str, hits: list[Hit]) -> str:
    shown = [
        _TemplateHit(
            f"/{list_name}/{msgid_path(h.msgid)}/",
            h.subject,
            h.author,
            h.date,
            render_snippet(h.snippet),
        )
        for h in hits
    ]
    return Template(_LOOP).render(Context({"hits": shown}))


def _hits(zone: dt.tzinfo) -> list[Hit]:
    """Every shape the loop tells apart, values from mail hostile, dates in ``zone``."""
    # a quarter to midnight UTC: the next day in Kolkata, shown as UTC either way
    when = dt.datetime(2024, 3, 31, 23, 45, 7, tzinfo=dt.UTC).astimezone(zone)
    marked = f"{MARK_START}<b>{MARK_END} & \"q\" 'x'\x04tail {MARK_START}é{MARK_END}"
    # a right-to-left override and a zero-width space: the snippet's slower, marker path
    invisible = f"rtl \u202eevil\u202c and zero\u200bwidth {MARK_START}word{MARK_END}"
    return [
        Hit('a/b"&<c>@x', _HOSTILE, when, _HOSTILE, marked),
        Hit("plain@x", "", None, "", ""),
        Hit("é@x", "Ünïcödé — 日本語 \u202eRLO", when, "Zoë <z@x>", invisible),
        Hit("odd@x", "  ", when.replace(microsecond=999999), "'", "no marks & <tags>"),
    ]


@pytest.mark.parametrize("zone", [dt.UTC, dt.timezone(dt.timedelta(hours=5, minutes=30))])
@pytest.mark.parametrize("count", [0, 1, 4])
@pytest.mark.parametrize("list_name", ["all", "a&b"])
def test_search_hits_in_python_are_the_templates_loop(zone, count, list_name):
    hits = _hits(zone)[:count]
    python = render_hits(list_name, hits)
    assert python == _reference(list_name, hits)
    assert "<script>" not in python and "<b>" not in python and "<tags>" not in python
    if count == 4:
        assert python.count("<li>") == 4 and python.count('class="pi-snippet"') == 3
        assert python.count("<time>2024-03-31 23:45</time>") == 3  # UTC, whatever the offset
        assert "<mark>&lt;b&gt;</mark>" in python and "<mark>é</mark>" in python
        assert "(no subject)" in python and "\u202e" not in python.split("pi-snippet")[2]
    if count == 0:
        assert python == "<li>No messages match.</li>"


@pytest.mark.parametrize(
    "when",
    [
        dt.datetime(999, 12, 31, 23, 59, tzinfo=dt.UTC),
        dt.datetime(1000, 1, 1, 0, 0, tzinfo=dt.UTC),
        dt.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=dt.UTC),
        dt.datetime(2024, 1, 1, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30))),
        dt.datetime(5, 6, 7, 8, 9, tzinfo=dt.timezone(dt.timedelta(hours=-3))),
    ],
)
def test_a_hits_time_is_what_strftime_wrote(when: dt.datetime) -> None:
    """Written out (archive/views/searchhits.py), as strftime wrote it: unpadded before 1000."""
    from archive.views.searchhits import _when

    assert _when(when) == when.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M")
