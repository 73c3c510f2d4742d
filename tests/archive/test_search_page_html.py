"""A search page drawn without the template engine is the template's page, byte for byte:
its results section (archive/views/searchpage.py) and, for a visitor not logged in, the
page around it kept per list (archive/views/searchframe.py)."""

from __future__ import annotations

import pytest
from django.contrib.messages import constants, get_messages
from django.template import Context, Template
from django.template.loader import render_to_string
from django.test import Client
from django.utils.safestring import mark_safe

from archive.views.searchframe import TEMPLATE, search_response
from archive.views.searchpage import ResultsSection, results_section, search_form
from tests.pagerequest import page_request

# The content block templates/archive/search.html had before the section was drawn in
# Python, its tags and filters as they were (the context's names are its own).
_SECTION = """<section class="pi-search-results">
{% with query=results.query %}{% include "archive/_search_form.html" %}{% endwith %}
{% if results.error %}
<p class="pi-error" role="alert">Cannot search: {{ results.error }} <a href="/{{ list_name }}/_/text/help/">Search help</a></p>
{% else %}
<p class="pi-summary">{% if results.more %}more than {{ results.total|add:"-1" }}{% else %}{{ results.total }}{% endif %} result{{ results.total|pluralize }},
<a href="/{{ list_name }}/_/text/help/">search help</a> · sorted by {% if by_relevance %}relevance (<a href="{{ order_url }}">sort by date</a>){% else %}date (<a href="{{ order_url }}">sort by relevance</a>){% endif %}.
<form class="pi-inline" method="post" action="/{{ list_name }}/?x=m&amp;q={{ results.query|urlencode:'' }}"><input type="hidden" name="x" value="m"><button type="submit">download mbox.gz</button></form>
</p>
<ol class="pi-hits" start="{{ first_number }}">
{{ hits_html }}
</ol>
<nav class="pi-pages">{% if prev_url %}<a href="{{ prev_url }}" rel="prev">previous</a>{% endif %} {% if next_url %}<a href="{{ next_url }}" rel="next">next</a>{% endif %}</nav>
{% endif %}
</section>"""  # noqa: E501 (the template's lines as they were)

_HOSTILE = "<script>\"Eve\" & 'Mallory'</script> %00 ü"
_HITS = '<li>\n  <a href="/x/">one</a>\n</li>'


def _sections() -> list[ResultsSection]:
    """Every shape the template told apart: an error, none, one, many, more than the
    count, by relevance, first, middle and last pages; queries and URLs hostile."""
    shapes = []
    for list_name in ("all", "srch", "a&b"):
        for query in ("alarm", _HOSTILE, 's:"alarm irq" f:a@b.org'):
            common = {"list_name": list_name, "query": query, "order_url": f"?q={query}&r="}
            shapes += [
                ResultsSection(error=f"cannot read {query}", total=0, more=False,
                               by_relevance=False, first_number=1, prev_url="", next_url="",
                               **common),
                ResultsSection(error="", total=0, more=False, by_relevance=False,
                               first_number=1, prev_url="", next_url="", **common),
                ResultsSection(error="", total=1, more=False, by_relevance=True,
                               first_number=1, prev_url="", next_url="", **common),
                ResultsSection(error="", total=201, more=True, by_relevance=False,
                               first_number=51, prev_url=f"?q={query}&page=1",
                               next_url=f"?q={query}&page=3&x=<y>", **common),
                ResultsSection(error="", total=77, more=False, by_relevance=True,
                               first_number=51, prev_url="?page=1&r=", next_url="", **common),
            ]  # fmt: skip
    return shapes


@pytest.mark.parametrize("section", _sections())
def test_the_results_section_is_the_templates(section: ResultsSection) -> None:
    results = {"query": section.query, "error": section.error, "total": section.total}
    results["more"] = section.more
    reference = Template(_SECTION).render(
        Context(
            {
                "list_name": section.list_name,
                "results": results,
                "by_relevance": section.by_relevance,
                "first_number": section.first_number,
                "order_url": section.order_url,
                "prev_url": section.prev_url,
                "next_url": section.next_url,
                "hits_html": mark_safe(_HITS),
            }
        )
    )
    assert results_section(section, _HITS) == reference


def test_the_search_box_holds_the_query_as_the_template_wrote_it() -> None:
    for list_name in ("all", "srch", "a&b"):
        for query in ("", "alarm", _HOSTILE):
            reference = render_to_string(
                "archive/_search_form.html", {"list_name": list_name, "query": query}
            )
            assert search_form(list_name, query) == reference


@pytest.mark.parametrize("list_name", ["all", "srch", "a&b", "odd%00next%00name"])
@pytest.mark.parametrize("query", ["alarm", _HOSTILE])
@pytest.mark.parametrize("status", [200, 400])
def test_a_visitors_page_is_the_templates(list_name: str, query: str, status: int) -> None:
    path = f"/{list_name}/?q={query}&page=2&r"
    section = mark_safe(f"<section>{_HITS}</section>")
    context = {"list_name": list_name, "results": {"query": query}, "section": section}
    reference = render_to_string(TEMPLATE, context, page_request(path))
    response = search_response(page_request(path), list_name, query, section, status)
    assert response.status_code == status
    assert response.content.decode() == reference
    assert response["Content-Type"] == "text/html; charset=utf-8"


@pytest.mark.django_db
def test_logged_in_users_and_messages_get_the_template(django_user_model) -> None:
    user = django_user_model.objects.create_user("ada", password="pw-long-enough-1")
    request = page_request("/srch/?q=alarm", user)
    page = search_response(request, "srch", "alarm", mark_safe(""), 200).content.decode()
    assert "Log out" in page and "ada" in page and "Log in" not in page
    request = page_request("/srch/?q=alarm")
    request._messages.add(constants.INFO, "Saved <3.")
    page = search_response(request, "srch", "alarm", mark_safe(""), 200).content.decode()
    assert '<li class="msg-info">Saved &lt;3.</li>' in page
    assert get_messages(request).used  # shown, so not kept for the next page


@pytest.mark.django_db
def test_a_visitors_page_varies_on_cookies_as_the_templates_did(ingest_file) -> None:
    from tests.conftest import DATA

    for path in sorted((DATA / "search").glob("*.eml")):
        ingest_file(path)
    response = Client(HTTP_HOST="127.0.0.1").get("/srch/", {"q": "alarm"})
    assert response.status_code == 200
    assert response["Vary"] == "Cookie"
    assert "Set-Cookie" not in response
