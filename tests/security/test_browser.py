# SPDX-License-Identifier: AGPL-3.0-or-later
"""The hostile patch and message pages in real Chromium: no alert, no injected element.

Also proves the pages are clean under the Content-Security-Policy: Chromium
reports every refused inline script, handler or style as a console error,
and our own static JavaScript still runs.
"""

from __future__ import annotations

import pytest

from tests.browser import MARKS, new_page
from tests.security.conftest import Hostile, build_hostile

pytestmark = MARKS

# What any of the payloads would have created had one escaped.
INJECTED = (
    "img[src='x'], svg, iframe, script:not([src]), [onerror], [onload], [onmouseover], "
    "[onfocus], [onclick], a[href^='javascript'], a[href^='data:']"
)


@pytest.fixture
def hostile_urls(transactional_db) -> list[str]:
    """The hostile patch page, its message page and the nested thread.

    Built (queries and all) before Playwright starts: see tests/ui/test_browser.py.
    """
    from archive.msgids import msgid_path
    from reviews import links

    h: Hostile = build_hostile()
    msgid = h.diff_patch.message.msgid
    return [
        links.patch_url(h.project.link_name, msgid),
        f"/{h.mailing_list.name}/{msgid_path(msgid)}/",
        f"/{h.mailing_list.name}/{msgid_path(h.messages[0].msgid)}/t/",
    ]


def test_hostile_pages_run_no_script(hostile_urls: list[str], live_server, browser) -> None:
    errors: list[str] = []
    dialogs: list[str] = []
    page = new_page(browser, errors)
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    urls = hostile_urls
    for url in urls:
        page.goto(live_server.url + url)
        page.wait_for_load_state("load")
        assert page.locator(INJECTED).count() == 0, url
        # The payloads are there, as text.
        assert "<script>alert(" in page.inner_text("body"), url
    # The patch page's own JavaScript ran under the CSP (it adds this button).
    page.goto(live_server.url + urls[0])
    assert page.locator("section.discussion button", has_text="quotes").count() == 1
    assert dialogs == []
    assert errors == [], errors
