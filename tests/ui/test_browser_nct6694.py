"""Issue 16's "done when" in real headless Chromium, on the NCT6694 fixture thread:
the question under the loop's closing brace, open and closed; the changelog; the
interdiff link."""

from __future__ import annotations

import pytest

from tests.browser import MARKS, new_page, shot
from tests.ui.test_nct6694_review import BASE, QUESTION, THREAD, V11, V12

pytestmark = MARKS


@pytest.fixture
def thread(transactional_db):
    """Ingested before Playwright starts (see test_browser.seeded)."""
    import importlib

    from django.apps import apps

    from archive.ingest import ingest
    from archive.sources import iter_source

    importlib.import_module("reviews.migrations.0002_default_states").add_states(apps, None)
    ingest(iter_source(str(THREAD)), workers=1)


def test_v12_shows_the_question_under_the_loop_the_changelog_and_the_interdiff(
    thread, live_server, browser
):
    errors: list[str] = []
    page = new_page(browser, errors, width=1400)
    page.goto(f"{live_server.url}{BASE}/{V12}/")
    brace = page.locator("tr.add.answered").filter(has=page.locator('td[data-ln="212"]'))
    above = page.locator("tr.add").filter(has=page.locator('td[data-ln="211"]'))
    assert "*int_status &= ~BIT(irq);" in above.inner_text()
    assert brace.count() == 1 and brace.inner_text().strip().endswith("}")
    answers = page.locator("tr.answers").first
    question = answers.locator(".answer", has_text=QUESTION)
    assert question.is_visible() and "Oliver Neukum" in answers.inner_text()
    brace_box, answers_box = brace.bounding_box(), answers.bounding_box()
    assert abs(answers_box["y"] - (brace_box["y"] + brace_box["height"])) < 2
    changelog = page.locator("section.changelog")
    assert changelog.is_visible() and "Changes since version 11:" in changelog.inner_text()
    shot(page, "nct6694-v12-question-under-loop")
    answers.locator("summary").click()
    assert not question.is_visible()
    answers.locator("summary").click()
    assert question.is_visible()
    page.locator("a.changes-since").click()
    page.wait_for_url(f"**{BASE}/{V12}/interdiff/{V11}/")
    assert page.locator("tr.add", has_text="irq_domain_create_simple").first.is_visible()
    assert errors == []
