"""The UI in real headless Chromium (Debian's), driven by Playwright's Python API."""

from __future__ import annotations

import pytest

from tests.browser import MARKS, new_page
from tests.browser import shot as _shot
from tests.ui.conftest import SEED_URL, ingest_seed

pytestmark = MARKS


@pytest.fixture
def seeded(transactional_db):
    """The seed thread, ingested before Playwright starts.

    Playwright's sync API switches greenlets, and Django keeps connections
    per context: ingesting after it started would leave a second connection
    open that blocks dropping the test database.
    """
    ingest_seed()


def _page(browser, width: int, errors: list[str]):
    return new_page(browser, errors, width=width)


def test_seed_patch_page(seeded, live_server, browser):
    errors: list[str] = []
    page = _page(browser, 1400, errors)
    page.goto(live_server.url + SEED_URL)
    _shot(page, "patch-1400")

    added = page.locator("tr.add", has_text="EXPORT_SYMBOL_GPL(alloc_pages_vma);")
    assert added.count() == 1
    assert added.first.is_visible()
    assert added.first.bounding_box()["y"] < 900, "the diff is on the first screen"
    review = page.locator(".trailers li.review", has_text="John Hubbard")
    assert "Reviewed-by" in review.inner_text()
    assert review.bounding_box()["y"] < 900, "trailers are on the first screen"
    assert page.locator("article.comment").count() == 12

    height = page.evaluate("document.documentElement.scrollHeight")
    print(f"patch page height at 1400 px: {height}")
    # Quotes stay folded; besides the replies, the page shows the answers inside
    # the diff and the three quoted lines above each answer in the discussion.
    assert height <= 4800

    quote = page.locator("article.comment details.quote").first
    hidden = quote.locator("span.q").first
    assert not hidden.is_visible()
    quote.locator("summary").click()
    assert hidden.is_visible()
    assert quote.get_attribute("open") is not None

    page.locator(".series-box h2 a").click()
    page.wait_for_load_state()
    assert "/series/" in page.url
    assert page.locator("table.patches", has_text="mm: export alloc_pages_vma").count() == 1
    _shot(page, "series-1400")
    assert errors == []


def test_patch_list_filters(seeded, live_server, browser):
    errors: list[str] = []
    page = _page(browser, 1400, errors)
    page.goto(live_server.url + "/")
    _shot(page, "home-1400")
    page.locator("a", has_text="linux-mm").first.click()
    page.wait_for_load_state()
    assert "/project/linux-mm/list/" in page.url
    assert page.locator("tr.patch-row").count() == 1
    _shot(page, "list-1400")

    page.select_option("select[name=state]", "accepted")
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_load_state()
    assert "state=accepted" in page.url
    assert page.locator("tr.patch-row").count() == 0

    page.select_option("select[name=state]", "*")
    page.fill("input[name=q]", "alloc_pages")
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("tr.patch-row").count() == 1
    page.locator("[data-select-all]").check()
    assert page.locator('input[name="patch"]').first.is_checked()
    assert page.locator("[data-bulk-status]").inner_text() == "1 selected"
    assert errors == []


@pytest.mark.parametrize("path", ["/", SEED_URL, "/project/linux-mm/list/?state=*"])
def test_phone_width_has_no_sideways_overflow(seeded, live_server, browser, path):
    errors: list[str] = []
    page = _page(browser, 390, errors)
    page.goto(live_server.url + path)
    name = {"/": "home", SEED_URL: "patch"}.get(path, "list")
    _shot(page, f"{name}-390")
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= 390
    assert errors == []
