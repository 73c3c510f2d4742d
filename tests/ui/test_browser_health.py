# SPDX-License-Identifier: AGPL-3.0-or-later
"""Review health in real headless Chromium: the charts render, light and dark, on a phone."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import MARKS, new_page, shot

pytestmark = MARKS

HEALTH = Path(__file__).resolve().parents[1] / "data" / "health"


@pytest.fixture
def posted(transactional_db):
    """The health scenarios, ingested before Playwright starts (see test_browser.seeded)."""
    import importlib

    from django.apps import apps
    from django.contrib.auth import get_user_model

    from archive.ingest import ingest
    from archive.sources import iter_source
    from reviews import services
    from reviews.models import Patch, Project
    from reviews.states import state

    importlib.import_module("reviews.migrations.0002_default_states").add_states(apps, None)
    for path in sorted(HEALTH.glob("*.mbox")):
        ingest(iter_source(str(path)), workers=1)
    project = Project.objects.get()
    maintainer = get_user_model().objects.create_user("maint", password="pw-health-17")
    project.maintainers.add(maintainer)
    alpha = Patch.objects.get(name__contains="rtc: alpha:")
    services.set_patch_state(maintainer, alpha, state("accepted"))
    return project.link_name


def _chart_sizes(page) -> list[tuple[float, float]]:
    boxes = page.eval_on_selector_all(
        "svg.chart",
        "els => els.map(e => [e.getBoundingClientRect().width, e.getBoundingClientRect().height])",
    )
    return [tuple(b) for b in boxes]


def test_charts_render_light_dark_and_on_a_phone(posted, live_server, browser):
    url = f"{live_server.url}/project/{posted}/health/"
    errors: list[str] = []

    page = new_page(browser, errors, width=1400)
    page.goto(f"{live_server.url}/project/{posted}/list/")
    page.locator(".page-links a", has_text="Review health").click()
    page.wait_for_url("**/health/")
    sizes = _chart_sizes(page)
    assert len(sizes) == 7 and all(w > 300 and h > 60 for w, h in sizes)
    # Bars are drawn, and a chart's table opens from its summary.
    assert page.locator("svg.chart rect.s-accepted").count() == 1  # accepted this week
    assert page.locator("svg.chart path.line").count() >= 2
    table = page.locator("table[data-measure=first_reply]")
    assert not table.is_visible()
    page.locator("#first-reply summary").click()
    assert table.is_visible() and "2024-01" in table.inner_text()
    shot(page, "health-light")

    dark = new_page(browser, errors, width=1400, scheme="dark")
    dark.goto(url)
    # Text and bars follow the dark palette: light text on the dark page.
    fill = dark.eval_on_selector("svg.chart text.tick", "e => getComputedStyle(e).fill")
    bar = dark.eval_on_selector("svg.chart rect.s-accepted", "e => getComputedStyle(e).fill")
    assert fill != "rgb(0, 0, 0)" and bar == "rgb(86, 211, 100)"
    shot(dark, "health-dark")

    phone = new_page(browser, errors, width=390)
    phone.goto(url)
    widths = [w for w, _ in _chart_sizes(phone)]
    assert all(w <= 390 for w in widths)
    # Nothing wider than the screen: no sideways scrolling of the page.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "health-phone-390")
    assert errors == []
