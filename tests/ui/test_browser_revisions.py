"""Revisions in real headless Chromium: changelog, carried review, a revision link, compare."""

from __future__ import annotations

import pytest

from tests.browser import MARKS, new_page, shot
from tests.ui.test_revision_pages import BASE, REVISIONS, V1_ALARM, V2_ALARM

pytestmark = MARKS


@pytest.fixture
def posted(transactional_db):
    """v1, v2 and the v2 resend, ingested before Playwright starts (see test_browser.seeded)."""
    import importlib

    from django.apps import apps

    from archive.ingest import ingest
    from archive.sources import iter_source

    importlib.import_module("reviews.migrations.0002_default_states").add_states(apps, None)
    for name in ("demo-rtc.v1.mbox", "demo-rtc.v2.mbox", "demo-rtc.v2-resend.mbox"):
        ingest(iter_source(str(REVISIONS / name)), workers=1)


def test_changelog_revision_link_and_compare_page(posted, live_server, browser):
    errors: list[str] = []
    page = new_page(browser, errors, width=1400)
    page.goto(f"{live_server.url}{BASE}/patch/{V2_ALARM}/")
    changelog = page.locator("section.changelog")
    assert changelog.is_visible() and "Drop the Kconfig option" in changelog.inner_text()
    carried = page.locator("section.carried")
    assert carried.is_visible() and "review of v1" in carried.inner_text().lower()
    assert carried.locator(".carried-answer.open", has_text="This does nothing").is_visible()
    shot(page, "revisions-patch-v2")

    page.locator("p.revisions a", has_text="v1").click()
    page.wait_for_url(f"**{BASE}/patch/{V1_ALARM}/")
    assert "[2/3] rtc: demo: add alarm support" in page.locator("h1").inner_text()

    page.goto(f"{live_server.url}{BASE}/patch/{V2_ALARM}/")
    page.locator("a.changes-since").click()
    page.wait_for_url("**/interdiff/**")
    assert page.locator("tr.add", has_text="return -ERANGE;").is_visible()
    page.locator(".item-meta a", has_text="whole series").click()
    page.wait_for_url("**/compare/**")
    pairs = page.locator("ol.compare-pairs > li")
    kinds = [pairs.nth(i).locator(".pair-kind").inner_text() for i in range(pairs.count())]
    assert kinds == ["unchanged", "changed", "dropped", "added"]
    changed = pairs.nth(1)
    assert not changed.locator("tr.add", has_text="return -ERANGE;").is_visible()
    changed.locator("summary").click()
    assert changed.locator("tr.add", has_text="return -ERANGE;").is_visible()
    shot(page, "revisions-compare")
    assert errors == []
