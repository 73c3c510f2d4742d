# SPDX-License-Identifier: AGPL-3.0-or-later
"""The carriage-return patch in real Chromium: the diff a reviewer sees has the
stored diff's lines, one for one, with the carriage return drawn as ``\\r``.

A browser turns a bare CR in HTML text into a line break, which no test of
the HTML string alone shows (tests/security/test_display.py checks the HTML).
"""

from __future__ import annotations

import pytest

from tests.browser import MARKS, new_page, shot
from tests.conftest import DATA
from tests.shown import hunk_lines

pytestmark = MARKS


@pytest.fixture
def cr_patch(transactional_db) -> tuple[str, str]:
    """(URL, stored diff) of the carriage-return patch, ingested before Playwright starts
    (see tests/ui/test_browser.py)."""
    import importlib

    from django.apps import apps

    from archive.ingest import ingest
    from archive.sources import iter_source
    from reviews import links
    from reviews.models import Patch

    importlib.import_module("reviews.migrations.0002_default_states").add_states(apps, None)
    ingest(iter_source(str(DATA / "display" / "cr-inside-added-line.mbox")), workers=1)
    patch = Patch.objects.select_related("project", "message").get()
    return links.patch_url(patch.project.link_name, patch.message.msgid), patch.diff


def test_the_visible_diff_has_the_stored_lines(cr_patch, live_server, browser) -> None:
    url, diff = cr_patch
    errors: list[str] = []
    page = new_page(browser, errors)
    page.goto(live_server.url + url)
    shot(page, "display-cr-patch")
    # innerText: rows on lines of their own, the empty line-number cells as tabs.
    text = "\n".join(page.locator("table.diff-table").all_inner_texts())
    shown = [line.lstrip("\t") for line in text.split("\n")]
    stored = hunk_lines(diff)
    assert len(shown) == len(stored)
    assert shown == [line.replace("\r", "\\r") for line in stored]
    marker = page.locator("tr.add .ctrl", has_text="\\r")
    assert marker.count() == 4 and marker.first.is_visible()
    assert marker.first.get_attribute("title") == "U+000D CARRIAGE RETURN"
    assert errors == []
