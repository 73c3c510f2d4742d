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


def _mails(name: str) -> list[bytes]:
    from archive.sources import iter_source

    return [raw.data for raw in iter_source(str(REVISIONS / name))]


def test_parse_workers_colour_costly_patches(cheap_threshold):
    from archive.parsing import parse_message
    from reviews.diffcolours import made_for
    from reviews.processor import ReviewProcessor
    from reviews.rendering.diff import colour_diff

    analyses = [ReviewProcessor().analyze(parse_message(raw)) for raw in _mails("demo-rtc.v1.mbox")]
    patches = [a for a in analyses if a.patch is not None and a.patch.diff]
    assert patches and all(a.colours is not None for a in patches)
    diff = patches[0].patch.diff
    assert patches[0].colours == (made_for(diff), colour_diff(diff))
    assert all(a.colours is None for a in analyses if a.patch is None)


def test_the_writer_stores_what_the_workers_coloured(ingest_file, cheap_threshold):
    from reviews.diffcolours import colour_patches, made_for
    from reviews.models import ColouredDiff, Patch

    ingest_file(REVISIONS / "demo-rtc.v1.mbox")
    patch = Patch.objects.get(message__msgid=V1_ALARM)
    ColouredDiff.objects.all().delete()
    given = {patch.message_id: (made_for(patch.diff), [["<i>from a worker</i>"]])}
    assert colour_patches([patch.message_id], given) == 1
    assert ColouredDiff.objects.get(patch_id=patch.id).hunks == [["<i>from a worker</i>"]]
    # Made for another diff (one the writer stored differently): coloured here.
    ColouredDiff.objects.all().delete()
    colour_patches([patch.message_id], {patch.message_id: ("0:00000000", [["x"]])})
    assert ColouredDiff.objects.get(patch_id=patch.id).hunks != [["x"]]


def test_a_long_diff_cheap_to_colour_is_measured_once(ingest_file, monkeypatch):
    """The worker's measure of a long but cheap diff spares the writer measuring it again."""
    from reviews import diffcolours
    from reviews.diffcolours import colour_patches, made_for, precolour
    from reviews.models import ColouredDiff, Patch

    ingest_file(REVISIONS / "demo-rtc.v1.mbox")
    patch = Patch.objects.get(message__msgid=V1_ALARM)
    monkeypatch.setattr(diffcolours, "COST_CHARS", 10)  # every diff is long
    monkeypatch.setattr(diffcolours, "colouring_cost", lambda diff: 0)  # and cheap
    assert precolour(patch.diff) == (made_for(patch.diff), None)

    def measured(diff: str) -> int:
        raise AssertionError("the writer measured a diff the worker had measured")

    monkeypatch.setattr(diffcolours, "colouring_cost", measured)
    given = {patch.message_id: (made_for(patch.diff), None)}
    assert colour_patches([patch.message_id], given) == 0
    assert not ColouredDiff.objects.exists()
    # Measured for another diff than the one stored: the writer measures it.
    monkeypatch.setattr(diffcolours, "colouring_cost", lambda diff: 10**6)
    assert colour_patches([patch.message_id], {patch.message_id: ("0:00000000", None)}) == 1
    assert ColouredDiff.objects.get(patch_id=patch.id).made_for == made_for(patch.diff)
