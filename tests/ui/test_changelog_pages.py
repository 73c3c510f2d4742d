"""The author's changelog on the patch page and the cover letter's on the series page."""

from __future__ import annotations

import pytest

from tests.conftest import DATA

pytestmark = pytest.mark.django_db

REVISIONS = DATA / "revisions"
V2_ALARM = "/project/linux-rtc/patch/demo-v2-2@example.org/"


@pytest.fixture
def v2(ingest_file):
    ingest_file(REVISIONS / "demo-rtc.v2.mbox")


def test_patch_page_shows_the_notes_without_the_diffstat(client, v2):
    html = client.get(V2_ALARM).content.decode()
    box = html[
        html.index('id="changelog-h"') : html.index("</section>", html.index('id="changelog-h"'))
    ]
    assert "Changes since v1:" in box and "Drop the Kconfig option" in box
    assert "insertions(+)" not in box
    # The commit message box stops at the separator.
    assert html.index("dates before 2000 are refused") < html.index('id="changelog-h"')


def test_patch_without_notes_has_no_changelog_box(client, v2):
    html = client.get("/project/linux-rtc/patch/demo-v2-1@example.org/").content.decode()
    assert 'id="changelog-h"' not in html


def test_series_page_shows_the_cover_letters_changelog(client, v2):
    from reviews.models import Series

    series = Series.objects.get(cover__message__msgid="demo-v2-0@example.org")
    html = client.get(f"/project/linux-rtc/series/{series.id}/").content.decode()
    start = html.index('id="changelog-h"')
    box = html[start : html.index("</section>", start)]
    assert "Changes since v1:" in box and "wakeup through alarm_irq_enable added" in box
    assert "Dana Dev (3):" not in box


def test_series_page_shows_the_replies_to_its_cover_letter(client, ingest_file):
    """Drawn by ``render_discussion``, as the patch page's: the reply, its quote marked."""
    from reviews.models import Series

    ingest_file(DATA / "series" / "cover-letter-acked.mbox")
    series = Series.objects.get(cover__message__msgid="ack-0@example.org")
    html = client.get(f"/project/{series.project.link_name}/series/{series.id}/").content.decode()
    start = html.index('id="discussion"')
    section = html[start : html.index("</section>", start)]
    assert '<span class="count">1</span>' in section
    assert section.count('<article class="comment"') == 1
    assert "<bdi>Andy Acker</bdi>" in section and "For the series:" in section
    assert '<span class="q q1">&gt; Two small fixes.</span>' in section
