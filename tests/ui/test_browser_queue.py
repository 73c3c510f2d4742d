"""My queue in real headless Chromium: each series says why it waits; the list's filters."""

from __future__ import annotations

import pytest

from tests.browser import MARKS, new_page, shot
from tests.reviews.test_turns import DATA

pytestmark = MARKS
PASSWORD = "queue-pass-17"


@pytest.fixture
def threads(transactional_db, tmp_path):
    """Scenario threads ingested, and mo who maintains linux-rtc (before Playwright starts)."""
    import importlib

    from django.apps import apps
    from django.contrib.auth import get_user_model

    from archive.ingest import ingest
    from archive.sources import iter_source
    from reviews.models import Project

    importlib.import_module("reviews.migrations.0002_default_states").add_states(apps, None)
    for name in ("reviewed", "no-reply", "question"):
        # one thread each: their patches share Message-IDs, so each keeps its own list
        text = (DATA / f"{name}.mbox").read_text().replace("@x>", f"@{name}>")
        path = tmp_path / f"{name}.mbox"
        path.write_text(text)
        ingest(iter_source(str(path)), workers=1)
    mo = get_user_model().objects.create_user("mo", "mo@example.org", PASSWORD)
    Project.objects.get(link_name="linux-rtc").maintainers.add(mo)


@pytest.mark.parametrize(("scheme", "width"), [("light", 1400), ("dark", 390)])
def test_queue_explains_why_each_series_waits(threads, live_server, browser, scheme, width):
    errors: list[str] = []
    page = new_page(browser, errors, width=width, scheme=scheme)
    page.goto(f"{live_server.url}/accounts/login/?next=/")
    page.fill("input[name=username]", "mo")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="My queue").click()
    page.wait_for_url("**/user/queue/")
    items = page.locator("ol.queue > li")
    assert items.count() == 2
    whys = [items.nth(i).locator(".why").inner_text() for i in range(2)]
    assert whys[0].startswith("Nobody has replied yet, waiting for you ")
    assert whys[1].startswith("1 Reviewed-by, waiting for you ")
    assert "1 reply" in items.nth(1).locator(".meta").inner_text()
    shot(page, f"queue-{scheme}-{width}")

    page.get_by_role("link", name="Waiting on others").click()
    page.wait_for_load_state()
    why = page.locator("ol.queue > li .why")
    assert why.count() == 1
    assert why.inner_text().startswith("A reviewer asked a question, waiting for the submitter ")

    page.goto(f"{live_server.url}/project/linux-rtc/list/?turn=maintainer&trailers=reviewed")
    rows = page.locator("tr.patch-row")
    assert rows.count() == 1
    badge = rows.first.locator(".turn")
    assert badge.get_attribute("title").startswith("1 Reviewed-by, waiting for the maintainer")
    if width >= 1400:  # one line per patch
        heights = {round(rows.nth(i).bounding_box()["height"]) for i in range(rows.count())}
        assert max(heights) < 40
    shot(page, f"queue-list-filtered-{scheme}-{width}")
    assert errors == []
