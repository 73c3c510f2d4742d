"""Every main page type on a 390 px phone, light and dark, and at 1400 px (#19).

Real Chromium: the page is never wider than the screen (only a diff scrolls,
inside its own box), nothing logs an error, and the screenshots are kept in
test-artifacts/ (phone-<page>.png, phone-<page>-dark.png, wide-<page>.png).
The patch list's filters and a message's long To/Cc start folded on phones.
"""

from __future__ import annotations

import pytest

from tests.browser import MARKS, new_page, shot
from tests.conftest import DATA
from tests.ui.conftest import SEED_MSGID, SEED_URL, ingest_seed

pytestmark = MARKS

PHONE = 390
PHONE_HEIGHT = 844


@pytest.fixture
def pages(transactional_db) -> dict[str, str]:
    """An archive with every kind of page, and the path of one of each.

    Everything is written before Playwright starts (see test_browser.seeded).
    """
    from django.contrib.auth import get_user_model

    from archive.ingest import ingest
    from archive.models import Person
    from archive.people import merge_people
    from archive.sources import iter_source
    from reviews import services
    from reviews.models import Patch, State

    ingest_seed()
    ingest(iter_source(str(DATA / "people" / "two-addresses.mbox")), workers=1)
    bootlin = Person.objects.get(email="alexandre.belloni@bootlin.com")
    merge_people(bootlin, Person.objects.filter(name="Alexandre Belloni"), origin="mailmap")
    patch = Patch.objects.get(message__msgid=SEED_MSGID)
    maintainer = get_user_model().objects.create_user("maint", password="pw-maint-123")
    services.add_maintainer(patch.project, maintainer)
    services.update_patch(maintainer, patch, state=State.objects.get(slug="under-review"))
    services.create_bundle(maintainer, "for-next", [patch], public=True)
    return {
        "home": "/",
        "list-index": "/linux-mm/",
        "all-lists": "/all/",
        "thread": f"/linux-mm/{SEED_MSGID}/T/",
        "thread-nested": f"/linux-mm/{SEED_MSGID}/t/",
        "message": f"/linux-mm/{SEED_MSGID}/",
        "search": "/linux-mm/?q=alloc_pages_vma",
        "patch-list": "/project/linux-mm/list/",
        "patch": SEED_URL,
        "series": f"/project/linux-mm/series/{patch.series_id}/",
        "person": f"/person/{bootlin.id}/",
        "events": "/project/linux-mm/events/",
        "bundle": "/bundle/maint/for-next/",
        "not-found": "/project/linux-mm/patch/no-such-patch@example.org/",
    }


def _visit(page, url: str, errors: list[str], expect_404: bool) -> None:
    response = page.goto(url)
    assert response is not None and response.status == (404 if expect_404 else 200), url
    if expect_404:  # Chromium reports the page's own 404 status as a console error
        errors[:] = [e for e in errors if "status of 404" not in e]


def _width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_no_page_is_wider_than_a_phone(pages, live_server, browser) -> None:
    for scheme in ("light", "dark"):
        errors: list[str] = []
        page = new_page(browser, errors, width=PHONE, scheme=scheme)
        for name, path in pages.items():
            _visit(page, live_server.url + path, errors, name == "not-found")
            suffix = "" if scheme == "light" else "-dark"
            shot(page, f"phone-{name}{suffix}")
            assert _width(page) <= PHONE, f"{name} ({scheme}) is {_width(page)} px wide"
        assert errors == [], scheme
        page.context.close()


def test_wide_pages_have_no_errors(pages, live_server, browser) -> None:
    errors: list[str] = []
    page = new_page(browser, errors, width=1400)
    for name, path in pages.items():
        _visit(page, live_server.url + path, errors, name == "not-found")
        shot(page, f"wide-{name}")
        assert _width(page) <= 1400, name
    assert errors == []


def test_phone_folds_what_would_fill_the_first_screen(pages, live_server, browser) -> None:
    errors: list[str] = []
    page = new_page(browser, errors, width=PHONE)

    # The patch list: the filters fold behind one line; the first patch is on screen.
    page.goto(live_server.url + "/project/linux-mm/list/?state=*")
    fold = page.locator("details.fold-on-phone")
    assert fold.get_attribute("open") is None
    assert not page.locator("form.filters select[name=state]").is_visible()
    assert "Any state" in fold.locator("summary").inner_text()
    assert page.locator("tr.patch-row").first.bounding_box()["y"] < PHONE_HEIGHT
    fold.locator("summary").click()
    assert page.locator("form.filters select[name=state]").is_visible()

    # A message with ten recipients: To/Cc fold to a line, the body starts on screen.
    page.goto(live_server.url + pages["message"])
    recipients = page.locator("details.pi-rcpt")
    assert recipients.get_attribute("open") is None
    assert "To/Cc: Dan Williams, Jason Gunthorpe and 8 more" in recipients.inner_text()
    assert page.locator("pre.pi-body").bounding_box()["y"] < PHONE_HEIGHT
    recipients.locator("summary").click()
    assert page.get_by_text("linux-nvdimm@lists.01.org").first.is_visible()

    # The home page's cards name their numbers.
    page.goto(live_server.url + "/")
    labels = page.evaluate(
        """[...document.querySelectorAll("table.projects tbody tr:first-child td")]
             .map(td => getComputedStyle(td, "::before").content)"""
    )
    for label in ("Messages", "Patches", "Action required", "Last activity"):
        assert f'"{label} "' in labels, labels

    # The list index: each thread's author, size and date stay on screen.
    page.goto(live_server.url + "/linux-mm/")
    row = page.locator("table.pi-threads tbody tr").first
    assert "13 messages" in row.inner_text()
    assert row.bounding_box()["width"] <= PHONE
    assert errors == []


def test_wide_screens_show_the_filters_open(pages, live_server, browser) -> None:
    errors: list[str] = []
    page = new_page(browser, errors, width=1400)
    page.goto(live_server.url + "/project/linux-mm/list/")
    assert page.locator("details.fold-on-phone").get_attribute("open") is not None
    assert page.locator("form.filters select[name=state]").is_visible()
    assert not page.locator("details.fold-on-phone > summary").is_visible()
    assert errors == []


def test_admin_pages_ask_for_nothing_that_is_missing(pages, live_server, browser) -> None:
    """The admin names our icon; nothing it loads (icon included) answers 404."""
    errors: list[str] = []
    page = new_page(browser, errors, width=PHONE)
    failed: list[str] = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    page.goto(live_server.url + "/admin/login/")
    page.wait_for_load_state("networkidle")
    icon = page.evaluate("document.querySelector('link[rel=icon]').href")
    assert icon.endswith("/static/favicon.svg")
    assert page.request.get(live_server.url + "/favicon.ico").status == 200  # via the redirect
    assert failed == [] and errors == []


def test_phone_folds_a_maintainers_bulk_actions(pages, live_server, browser) -> None:
    errors: list[str] = []
    page = new_page(browser, errors, width=PHONE)
    page.goto(live_server.url + "/accounts/login/")
    page.fill("input[name=username]", "maint")
    page.fill("input[name=password]", "pw-maint-123")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    page.goto(live_server.url + "/project/linux-mm/list/?state=*")
    bulk = page.locator("form.bulk details.fold-on-phone")
    assert bulk.get_attribute("open") is None
    assert page.locator("tr.patch-row").first.bounding_box()["y"] < PHONE_HEIGHT
    shot(page, "phone-patch-list-maintainer")
    bulk.locator("summary").click()
    assert page.locator(".bulk-bar select[name=state]").is_visible()
    assert _width(page) <= PHONE
    assert errors == []
