"""Answers inside the diff in real headless Chromium: under the quoted line, open and close."""

from __future__ import annotations

import pytest

from tests.browser import MARKS, new_page, shot
from tests.ui.test_answers import PATCH_URL, THREAD

pytestmark = MARKS


@pytest.fixture
def thread(transactional_db):
    """The wilco thread, ingested before Playwright starts (see test_browser.seeded)."""
    import importlib

    from django.apps import apps

    from archive.ingest import ingest
    from archive.sources import iter_source

    importlib.import_module("reviews.migrations.0002_default_states").add_states(apps, None)
    ingest(iter_source(str(THREAD)), workers=1)


def test_an_answer_opens_and_closes_under_the_line_it_quotes(thread, live_server, browser):
    errors: list[str] = []
    page = new_page(browser, errors, width=1400)
    page.goto(live_server.url + PATCH_URL)
    line = page.locator("tr.del.answered", has_text="tm->tm_yday")
    answers = page.locator("tr.answers").first
    text = answers.locator(".answer .mail", has_text="If your driver doesn't care about yday")
    assert line.count() == 1 and text.is_visible()
    # Right below the quoted line, across the whole width of the diff.
    line_box, answers_box = line.bounding_box(), answers.bounding_box()
    assert abs(answers_box["y"] - (line_box["y"] + line_box["height"])) < 2
    shot(page, "answers-open")
    answers.locator("summary").click()
    assert not text.is_visible()
    assert "1 answer" in answers.locator("summary").inner_text()
    answers.locator("summary").click()
    assert text.is_visible()
    assert errors == []
