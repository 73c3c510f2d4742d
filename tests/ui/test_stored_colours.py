"""Large diffs coloured at ingest (reviews.diffcolours): stored once, the page unchanged."""

from __future__ import annotations

import pytest

from tests.ui.test_revision_pages import BASE, REVISIONS

pytestmark = pytest.mark.django_db

V1_ALARM = "demo-v1-2@example.org"  # C and a Kconfig hunk (Pygments)


def _cold(client, url: str) -> str:
    from django.core.cache import cache

    cache.clear()
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def cheap_threshold(monkeypatch):
    """The fixtures' diffs are small: colour every diff at ingest."""
    from reviews import diffcolours

    monkeypatch.setattr(diffcolours, "COST_CHARS", 10)


def test_only_costly_diffs_are_coloured_at_ingest(ingest_file):
    from reviews.models import ColouredDiff

    ingest_file(REVISIONS / "demo-rtc.v1.mbox")
    assert not ColouredDiff.objects.exists()  # a few hundred characters: coloured live


def test_the_page_is_the_same_with_stored_colours_stale_or_none(
    client, ingest_file, cheap_threshold
):
    from reviews.models import ColouredDiff, Patch
    from reviews.rendering.diff import colour_diff

    ingest_file(REVISIONS / "demo-rtc.v1.mbox")
    patch = Patch.objects.get(message__msgid=V1_ALARM)
    stored = ColouredDiff.objects.get(patch_id=patch.id)
    assert stored.hunks == colour_diff(patch.diff)
    url = f"{BASE}/patch/{V1_ALARM}/"
    with_stored = _cold(client, url)
    assert ' answered"' in with_stored  # answers go between the stored lines
    # Made by other renderers, or for another diff: not used.
    ColouredDiff.objects.filter(patch_id=patch.id).update(
        made_for="0:00000000", hunks=[["<b>stale</b>"]]
    )
    assert _cold(client, url) == with_stored
    ColouredDiff.objects.all().delete()
    assert _cold(client, url) == with_stored


def test_stored_colours_are_used(client, ingest_file, cheap_threshold):
    from reviews.models import ColouredDiff, Patch

    ingest_file(REVISIONS / "demo-rtc.v1.mbox")
    patch = Patch.objects.get(message__msgid=V1_ALARM)
    stored = ColouredDiff.objects.get(patch_id=patch.id)
    marked = [[f"{line}<!--stored-->" for line in hunk] for hunk in stored.hunks]
    ColouredDiff.objects.filter(patch_id=patch.id).update(hunks=marked)
    assert "<!--stored-->" in _cold(client, f"{BASE}/patch/{V1_ALARM}/")


def test_renderer_ignores_colours_of_another_shape():
    from reviews.rendering.diff import colour_diff, render_diff

    diff = (REVISIONS / "demo-rtc.v1.mbox").read_text().split("\ndiff --git ", 1)[1]
    diff = "diff --git " + diff.split("\n-- \n", 1)[0].split("\nFrom ", 1)[0] + "\n"
    coloured = colour_diff(diff)
    assert coloured and render_diff(diff, coloured=coloured) == render_diff(diff)
    assert render_diff(diff, coloured=coloured[:-1]) == render_diff(diff)
    assert render_diff(diff, coloured=[[*coloured[0], "x"], *coloured[1:]]) == render_diff(diff)
