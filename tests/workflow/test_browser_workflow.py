"""The maintainer workflow in real headless Chromium: log in, change a state, bundle."""

from __future__ import annotations

import pytest

from tests.browser import MARKS, new_page
from tests.browser import shot as _shot
from tests.ui.conftest import SEED_URL, ingest_seed
from tests.workflow.conftest import PASSWORD, make_accounts

pytestmark = MARKS


@pytest.fixture
def seeded(transactional_db):
    """Seed data and accounts, made before Playwright starts (see tests/ui/test_browser.py)."""
    from reviews.models import Project

    ingest_seed()
    make_accounts(Project.objects.get(link_name="linux-mm"))


def _page(browser, errors: list[str], scheme: str = "light", width: int = 1400):
    return new_page(browser, errors, width=width, scheme=scheme)


def _login(page, base: str, next_url: str) -> None:
    page.goto(f"{base}{next_url}")
    page.get_by_role("link", name="Log in").first.click()
    page.wait_for_load_state()
    page.fill("input[name=username]", "maint")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_maintainer_changes_the_state_on_the_patch_page(seeded, live_server, browser, scheme):
    errors: list[str] = []
    page = _page(browser, errors, scheme)
    page.goto(live_server.url + "/accounts/login/")
    page.fill("input[name=username]", "maint")
    page.fill("input[name=password]", "wrong")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    assert "Please enter a correct username and password" in page.inner_text(".form-errors")
    _shot(page, f"workflow-login-error-{scheme}")

    _login(page, live_server.url, SEED_URL)
    assert page.url.endswith(SEED_URL)
    form = page.locator("form[data-patch-form]")
    assert form.is_visible()
    assert form.bounding_box()["y"] < 900, "the maintainer's form is on the first screen"
    _shot(page, f"workflow-patch-form-{scheme}")
    form.locator("select[name=state]").select_option("under-review")
    form.get_by_role("button", name="Save changes").click()
    page.wait_for_load_state()
    assert "State changed to Under Review." in page.inner_text(".messages")
    assert page.locator(".item-meta .state-badge").inner_text() == "Under Review"

    form = page.locator("form[data-patch-form]")
    form.locator("select[name=state]").select_option("accepted")
    form.locator("input[name=commit_ref]").fill("0123456789ab")
    form.locator("select[name=delegate]").select_option(label="maint")
    form.get_by_role("button", name="Save changes").click()
    page.wait_for_load_state()
    assert "State changed to Accepted." in page.inner_text(".messages")
    assert "Delegated to maint." in page.inner_text(".messages")
    _shot(page, f"workflow-patch-accepted-{scheme}")
    # No ORM here: a query from this thread now would hold a connection open
    # (see tests/ui/test_browser.py); the HTTP tests check the rows themselves.
    meta = page.inner_text(".item-meta")
    assert "commit 0123456789ab" in meta and "delegate: maint" in meta

    page.goto(live_server.url + "/project/linux-mm/events/")
    latest_state = page.locator("tr.ev-patch-state-changed").first
    assert latest_state.locator(".after").inner_text() == "Accepted"
    # two state changes, the delegation and the commit reference
    assert page.locator("tr.event td.actor", has_text="maint").count() == 4
    _shot(page, f"workflow-events-{scheme}")
    page.goto(live_server.url + "/user/")
    page.get_by_role("button", name="Create token").click()
    page.wait_for_load_state()
    assert len(page.locator("input.token").input_value()) == 40
    _shot(page, f"workflow-profile-{scheme}")
    assert errors == []


def test_bundle_from_the_list_selection(seeded, live_server, browser):
    errors: list[str] = []
    page = _page(browser, errors)
    _login(page, live_server.url, "/project/linux-mm/list/")
    assert page.url.endswith("/project/linux-mm/list/")
    _shot(page, "workflow-list-bulk-light")
    page.locator('input[name="patch"]').first.check()
    assert "has-selection" in page.locator(".bulk-bar").get_attribute("class")
    page.fill(".bulk-bar input[name=name]", "for-next")
    page.locator(".bulk-bar input[name=public]").check()
    page.get_by_role("button", name="Add to bundle").click()
    page.wait_for_load_state()
    assert page.url.endswith("/bundle/maint/for-next/")
    assert "Added 1 patch to bundle “for-next”." in page.inner_text(".messages")
    assert page.locator("tr.patch-row").count() == 1
    assert "alloc_pages_vma" in page.locator("tr.patch-row").inner_text()
    _shot(page, "workflow-bundle-light")
    assert page.locator(".item-meta .tag").inner_text() == "public"

    # Anyone can read a public bundle; the controls stay the owner's.
    other = _page(browser, errors, "dark")
    other.goto(live_server.url + "/bundle/maint/for-next/")
    assert other.locator("tr.patch-row").count() == 1
    assert other.get_by_role("button", name="Remove").count() == 0
    _shot(other, "workflow-bundle-public-dark")

    page.goto(live_server.url + SEED_URL)
    page.locator(".series-box h2 a").click()
    page.wait_for_load_state()
    assert page.get_by_role("button", name="Apply to series").is_visible()
    _shot(page, "workflow-series-light")
    assert errors == []


def test_phone_width_forms(seeded, live_server, browser):
    errors: list[str] = []
    page = _page(browser, errors, width=390)
    _login(page, live_server.url, SEED_URL)
    _shot(page, "workflow-patch-390")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
    page.goto(live_server.url + "/project/linux-mm/list/")
    _shot(page, "workflow-list-390")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
    assert errors == []
