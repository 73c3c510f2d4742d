# SPDX-License-Identifier: AGPL-3.0-or-later
"""Where a patch landed, in real headless Chromium: light, dark, and on a 390 px phone."""

from __future__ import annotations

import pytest

from tests.browser import MARKS, new_page, shot

pytestmark = MARKS


@pytest.fixture
def landed(transactional_db, tmp_path):
    """The demo series ingested, two patches applied to a tree and cherry-picked to next."""
    import importlib

    from django.apps import apps

    from archive.ingest import ingest
    from archive.sources import iter_source
    from reviews.models import Project
    from tests.landingrepo import A1, A2, MBOX, MaintainerTree, follow, patch, track

    importlib.import_module("reviews.migrations.0002_default_states").add_states(apps, None)
    ingest(iter_source(str(MBOX)), list_override="linux-rtc", workers=1)
    project = Project.objects.get()
    tree = MaintainerTree(tmp_path)
    first = tree.am(A1)
    tree.am(A2)
    tree.git("checkout", "-q", "-b", "rtc-next", "base")
    tree.git("cherry-pick", first)
    follow(project, tree, "main", "accepted")
    follow(project, tree, "rtc-next", "next")
    track(project)
    landed = patch(A1)
    return project.link_name, landed.message.msgid, landed.series_id


@pytest.mark.parametrize(("width", "scheme"), [(1400, "light"), (390, "dark")])
def test_lineage_and_landed_counts_show_without_overflow(landed, live_server, browser, width,
                                                         scheme):  # fmt: skip
    link, msgid, series = landed
    errors: list[str] = []
    page = new_page(browser, errors, width=width, scheme=scheme)
    page.goto(f"{live_server.url}/project/{link}/patch/{msgid}/")
    box = page.locator("section.lineage")
    assert box.is_visible()
    assert box.locator("li").count() == 2
    assert "rtc-next" in box.inner_text() and "in next" in box.inner_text()
    overflow = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{overflow}px wider than the {width}px window"
    shot(page, f"landing-patch-{width}-{scheme}")
    page.goto(f"{live_server.url}/project/{link}/series/{series}/")
    assert "landed: 2 of 4 patches in main; 1 of 4 patches in rtc-next" in page.locator(
        "p.landed").inner_text()  # fmt: skip
    assert page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth") <= 1
    assert errors == []
