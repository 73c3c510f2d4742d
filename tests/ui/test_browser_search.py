"""Search in real Chromium: the header box searches the list you are in, every list
one click away, and the help page is one click from the box and from the results."""

from __future__ import annotations

import pytest

from tests.browser import MARKS, new_page, shot
from tests.conftest import DATA

pytestmark = MARKS


@pytest.fixture
def searchable(transactional_db):
    """The search fixture, ingested before Playwright starts (see test_browser.seeded)."""
    from archive.ingest import ingest
    from archive.sources import iter_source

    for path in sorted((DATA / "search").glob("*.eml")):
        ingest(iter_source(str(path)), workers=1)


def _overflow(page) -> int:
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


@pytest.mark.parametrize("width", [1400, 390])
def test_search_box_scope_and_help(searchable, live_server, browser, width: int) -> None:
    errors: list[str] = []
    page = new_page(browser, errors, width=width)
    page.goto(live_server.url + "/srch/20240110-alarm-1@example.org/")
    box = page.locator("form.site-search input[name=q]")
    assert box.get_attribute("placeholder") == "Search srch…"

    # Enter searches this list.
    box.fill("kumquat")
    box.press("Enter")
    page.wait_for_load_state()
    assert page.url.endswith("/srch/?q=kumquat")
    assert page.locator("ol.pi-hits li").count() == 1
    shot(page, f"search-results-{width}")
    assert _overflow(page) <= 0

    # "all lists" is one click away, with the same words.
    page.locator("form.site-search input[name=q]").fill("widgets")
    page.locator("form.site-search button.site-search-all").click()
    page.wait_for_load_state()
    assert "/all/?q=widgets" in page.url
    assert page.locator("ol.pi-hits li").count() == 1
    assert page.locator("form.site-search button.site-search-all").count() == 0

    # From the results to the help, and from an example back to results.
    page.goto(live_server.url + "/srch/?q=alarm")
    page.locator(".pi-summary a", has_text="search help").click()
    page.wait_for_load_state()
    assert page.url.endswith("/srch/_/text/help/")
    assert page.locator("h1").inner_text() == "Searching srch"
    assert page.locator("table.pi-help-table tbody tr").count() >= 18
    shot(page, f"search-help-{width}")
    assert _overflow(page) <= 0
    page.locator("table.pi-help-table a", has_text="s:").first.click()
    page.wait_for_load_state()
    assert "/srch/?q=s%3A" in page.url
    assert page.locator(".pi-summary").count() == 1
    assert errors == []


def test_query_we_cannot_run_points_to_help(searchable, live_server, browser) -> None:
    errors: list[str] = []
    page = new_page(browser, errors, width=1400)
    page.goto(live_server.url + "/srch/")
    page.locator("form.site-search a.site-search-help").click()
    page.wait_for_load_state()
    assert page.url.endswith("/srch/_/text/help/")

    page.goto(live_server.url + "/srch/")
    page.locator("form.pi-search input[name=q]").fill("nosuchprefix:foo")
    page.locator("form.pi-search input[name=q]").press("Enter")
    page.wait_for_load_state()
    alert = page.locator(".pi-error[role=alert]")
    assert "nosuchprefix: is not a search prefix" in alert.inner_text()
    shot(page, "search-error-1400")
    alert.locator("a", has_text="Search help").click()
    page.wait_for_load_state()
    assert page.url.endswith("/srch/_/text/help/")
    # The 400 answer is the page the browser reports as a console error; nothing else.
    assert all("400" in e for e in errors)
