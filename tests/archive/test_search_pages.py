"""Search over HTTP: queries we cannot run say why, the help page, the search box's scope."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from archive.search import PREFIXES, QueryError, parse_query
from tests.conftest import DATA

SEARCH = DATA / "search"


@pytest.fixture
def client() -> Client:
    return Client(HTTP_HOST="127.0.0.1")


@pytest.fixture
def archive(ingest_file) -> None:
    for path in sorted(SEARCH.glob("*.eml")):
        ingest_file(path)


# --- queries we cannot run ---------------------------------------------------


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("nosuchprefix:foo", "nosuchprefix: is not a search prefix"),
        ("alarm OR nosuchprefix:foo", "nosuchprefix: is not a search prefix"),
        ("dfctx:foo", "dfctx: prefix is not supported here"),
        ('s:"alarm irq', "is never closed"),
        ("(alarm", "parentheses do not pair up"),
        ("alarm)", "parentheses do not pair up"),
        ("s: alarm", "The prefix s: needs something to search for"),
        ("d:someday", "Cannot read the date 'someday'"),
        ("d:9999-12-31", "out of range"),
        ("NOT", "nothing to search for"),
    ],
)
def test_a_query_we_cannot_run_says_why(archive, client, query: str, says: str) -> None:
    page = client.get("/srch/", {"q": query})
    assert page.status_code == 400
    html = page.content.decode()
    assert says in html.replace("&#x27;", "'").replace("&quot;", '"')
    assert "No messages match" not in html
    assert 'href="/srch/_/text/help/"' in html
    # The mbox download b4 asks for refuses it with the same sentence.
    mbox = client.post(f"/srch/?x=m&q={query}", {"x": "m"})
    assert mbox.status_code == 400
    assert mbox["Content-Type"].startswith("text/plain")
    assert says in mbox.content.decode()


def test_urls_and_words_with_colons_still_search() -> None:
    assert parse_query("http://example.org/x").text == "http://example.org/x"  # type: ignore[union-attr]
    assert parse_query("change-id:abc").text == "change-id:abc"  # type: ignore[union-attr]
    assert parse_query("rtc: cmos") is not None
    with pytest.raises(QueryError):
        parse_query("mailto:x@example.org")


def test_tc_and_tcf_are_address_prefixes(archive, client) -> None:
    """public-inbox's tc: (To or Cc) and tcf: (and From): bob is Cc of one, From of the other."""
    from archive.browse import compile_text, matching

    def found(q: str) -> set[str]:
        return set(matching(compile_text(q), None).values_list("msgid", flat=True))

    assert found("tc:bob@example.org") == {"20240110-alarm-1@example.org"}
    assert found("tcf:bob@example.org") == found("a:bob@example.org")
    assert len(found("tcf:bob@example.org")) == 2


# --- the help page -------------------------------------------------------------


def test_help_page_lists_every_prefix_with_a_working_example(archive, client) -> None:
    page = client.get("/srch/_/text/help/")
    assert page.status_code == 200
    html = page.content.decode()
    for prefix in sorted(PREFIXES - {""}):
        assert f"<code>{prefix}:</code>" in html or f"<code>{prefix}:" in html, prefix
    for word in ("AND", "OR", "NOT", "d:20240101..20240201", "2.weeks.ago", '"alarm irq"'):
        assert word in html.replace("&quot;", '"')
    # Every example is a link that runs a search the server accepts.
    examples = re.findall(r'href="(/srch/\?q=[^"]+)"', html)
    assert len(examples) >= 15
    for url in examples:
        assert client.get(url.replace("&amp;", "&")).status_code == 200, url


def test_help_is_where_lore_keeps_it(archive, client) -> None:
    assert client.get("/all/_/text/help/").status_code == 200
    assert client.get("/_/text/help/")["Location"] == "/all/_/text/help/"
    results = client.get("/srch/", {"q": "alarm"}).content.decode()
    assert 'href="/srch/_/text/help/"' in results  # from the results
    listing = client.get("/srch/").content.decode()
    assert 'href="/srch/_/text/help/"' in listing  # from the search box


# --- the search box searches the list you are in -------------------------------


def _header_form(html: str) -> str:
    return re.search(r'<form class="site-search".*?</form>', html, re.S).group(0)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("url", "scope"),
    [
        ("/srch/", "srch"),
        ("/srch/20240110-alarm-1@example.org/", "srch"),
        ("/srch/20240110-alarm-1@example.org/T/", "srch"),
        ("/srch/?q=alarm", "srch"),
        ("/project/srch/list/", "srch"),
        ("/project/srch/patch/20240110-alarm-1@example.org/", "srch"),
        ("/all/", "all"),
        ("/", "all"),
    ],
)
def test_header_search_scope(archive, client, url: str, scope: str) -> None:
    form = _header_form(client.get(url).content.decode())
    assert f'action="/{scope}/"' in form
    assert f'href="/{scope}/_/text/help/"' in form
    if scope == "all":
        assert "all lists" not in form.split("placeholder")[0]
        assert 'formaction="/all/"' not in form
    else:
        assert 'formaction="/all/"' in form  # every list: one click
        assert f'placeholder="Search {scope}…"' in form
