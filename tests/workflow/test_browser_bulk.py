"""In real Chromium (#17): select all that match, confirm a change, undo it: every state returns."""

from __future__ import annotations

import importlib

import pytest

from tests.browser import MARKS, new_page, shot
from tests.workflow.conftest import PASSWORD

pytestmark = MARKS

LIST = "/project/test/list/?state=*&archived=both"


@pytest.fixture
def sixty(transactional_db, make_patches, django_user_model):
    """60 patches in every state (more than a page), made before Playwright starts."""
    from django.apps import apps

    importlib.import_module("reviews.migrations.0002_default_states").add_states(apps, None)
    patches = make_patches(60)
    boss = django_user_model.objects.create_user("boss", "boss@example.org", PASSWORD)
    patches[0].project.maintainers.add(boss)


def _states(page, base: str) -> dict[str, str]:
    """Every patch's state as the list shows it (both pages), by patch name."""
    seen = {}
    for number in (1, 2):
        page.goto(f"{base}{LIST}&page={number}")
        names = page.locator("tr.patch-row td.name a").all_inner_texts()
        states = page.locator("tr.patch-row td.state").all_inner_texts()
        seen.update(zip(names, states, strict=True))
    return seen


@pytest.mark.parametrize(
    ("undo_from", "scheme", "width"), [("change", "light", 1400), ("events", "dark", 390)]
)
def test_select_all_that_match_confirm_then_undo(
    sixty, live_server, browser, undo_from, scheme, width
):
    errors: list[str] = []
    page = new_page(browser, errors, scheme=scheme, width=width)
    base = live_server.url
    page.goto(f"{base}/accounts/login/?next=/project/test/list/")
    page.fill("input[name=username]", "boss")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    before = _states(page, base)
    assert len(before) == 60 and len(set(before.values())) > 5

    page.goto(f"{base}{LIST}")
    offer = page.locator(".bulk-offer")
    if width >= 700:  # the page's own select-all first, then the offer beyond it
        page.locator("[data-select-all]").check()
        assert offer.is_visible() and "All 50 on this page are selected." in offer.inner_text()
        offer.get_by_role("button", name="Select all 60 that match").click()
    else:  # a phone: rows are cards without the header, the bar folds; its checkbox
        page.get_by_text("Change or bundle the selected patches").click()
        page.locator("[data-select-matching]").check()
    assert "All 60 patches that match these filters are selected." in offer.inner_text()
    assert page.locator("[data-select-matching]").is_checked()
    page.locator(".bulk-bar select[name=state]").select_option("rejected")
    shot(page, f"bulk-select-matching-{scheme}-{width}")
    page.get_by_role("button", name="Update selected").click()
    page.wait_for_load_state()

    assert page.locator("h1").inner_text() == "Set 60 patches to Rejected?"
    assert "not only those on the page" in page.inner_text(".confirm-change")
    shot(page, f"bulk-confirm-{scheme}-{width}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "no sideways scroll"
    page.get_by_role("button", name="Set 60 patches to Rejected").click()
    page.wait_for_load_state()
    changed = sum(1 for s in before.values() if s != "Rejected")
    assert f"on {changed} patches." in page.inner_text(".messages")
    assert "/project/test/changes/" in page.url
    change_page = page.url
    assert set(_states(page, base).values()) == {"Rejected"}

    if undo_from == "change":
        page.goto(change_page)
    else:
        page.goto(f"{base}/project/test/events/")
        assert page.locator("tr.event td.actor", has_text="boss").count() == 50
    shot(page, f"bulk-undo-from-{undo_from}-{scheme}-{width}")
    page.locator("form[data-undo-form] button").click()
    page.wait_for_load_state()
    assert f"Undone: {changed} patches put back as they were." in page.inner_text(".messages")
    shot(page, f"bulk-undone-{scheme}-{width}")
    assert _states(page, base) == before
    assert errors == []
