"""Revisions you can move between: names, links to the matching patch, interdiff, compare."""

from __future__ import annotations

import re

import pytest

from tests.conftest import DATA

pytestmark = pytest.mark.django_db

REVISIONS = DATA / "revisions"
BASE = "/project/linux-rtc"
V1_ALARM, V2_ALARM = "demo-v1-2@example.org", "demo-v2-2@example.org"
INTERDIFF = f"{BASE}/patch/{V2_ALARM}/interdiff/{V1_ALARM}/"


@pytest.fixture
def posted(ingest_file):
    for name in ("demo-rtc.v1.mbox", "demo-rtc.v2.mbox", "demo-rtc.v2-resend.mbox"):
        ingest_file(REVISIONS / name)


def _series_id(cover_msgid: str) -> int:
    from reviews.models import Series

    return Series.objects.get(cover__message__msgid=cover_msgid).id


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def test_revisions_are_named_and_link_the_matching_patch(client, posted):
    html = client.get(f"{BASE}/patch/{V2_ALARM}/").content.decode()
    bar = re.search(r'<p class="revisions">.*?</p>', html, re.S).group(0)
    assert _text(bar).strip() == "Revisions of this patch: v1 ⇄ v2 ⇄ v2 RESEND"
    # v1's 2/3 (paired by title; its diff changed) and the resend's 2/3 (same patch-id).
    assert f'href="{BASE}/patch/{V1_ALARM}/"' in bar
    assert f'href="{BASE}/patch/demo-rv2-2@example.org/"' in bar
    assert f'class="changes-since" href="{INTERDIFF}">changes since v1<' in html


def test_a_patch_new_in_this_revision_links_the_older_series(client, posted):
    html = client.get(f"{BASE}/patch/demo-v2-3@example.org/").content.decode()
    bar = re.search(r'<p class="revisions">.*?</p>', html, re.S).group(0)
    v1 = _series_id("demo-v1-0@example.org")
    assert f'class="revision-series" href="{BASE}/series/{v1}/"' in bar
    assert "changes-since" not in html


def test_interdiff_shows_the_change_file_by_file_and_the_message(client, posted):
    response = client.get(INTERDIFF)
    assert response.status_code == 200
    html = response.content.decode()
    assert "What changed from" in _text(html) and ">v1<" in html and ">v2<" in html
    old = re.findall(r'<tr class="del">.*?</tr>', html)
    new = re.findall(r'<tr class="add">.*?</tr>', html)
    assert any("return -EINVAL;" in row for row in old)
    assert any("return -ERANGE;" in row for row in new)
    assert "no longer touched" in html and "drivers/rtc/Kconfig" in html
    assert "Commit message" in html and "dates before 2000 are refused" in html
    # Either order of the two Message-IDs shows the change from the older to the newer.
    swapped = client.get(f"{BASE}/patch/{V1_ALARM}/interdiff/{V2_ALARM}/").content.decode()
    assert swapped.count('<tr class="del">') == html.count('<tr class="del">')


def test_interdiff_of_an_unchanged_patch_says_so(client, posted):
    url = f"{BASE}/patch/demo-v2-1@example.org/interdiff/demo-v1-1@example.org/"
    html = client.get(url).content.decode()
    assert "no change" in html and html.count("unchanged") >= 1


def test_interdiff_of_unknown_patches_is_404(client, posted):
    assert client.get(f"{BASE}/patch/{V2_ALARM}/interdiff/nope@example.org/").status_code == 404
    assert client.get(f"{BASE}/patch/{V2_ALARM}/interdiff/{V2_ALARM}/").status_code == 404


def test_compare_pairs_the_series_like_range_diff(client, posted):
    v1, v2 = _series_id("demo-v1-0@example.org"), _series_id("demo-v2-0@example.org")
    series_html = client.get(f"{BASE}/series/{v2}/").content.decode()
    url = f"{BASE}/series/{v2}/compare/{v1}/"
    assert f'class="changes-since" href="{url}">changes since v1<' in series_html
    html = client.get(url).content.decode()
    pairs = [_text(li).strip() for li in re.findall(r'<li class="pair.*?</li>', html, re.S)]
    assert pairs[0].startswith("unchanged [1/3] rtc: demo: add driver → [v2,1/3] rtc: demo")
    assert pairs[1].startswith("changed [2/3] rtc: demo: add alarm support → [v2,2/3]")
    assert pairs[2].startswith("dropped [3/3] rtc: demo: add debug prints → —")
    assert pairs[3].startswith("added — → [v2,3/3] rtc: demo: add wakeup source")
    assert "1 unchanged · 1 changed · 1 added · 1 dropped" in _text(html)
    assert "return -ERANGE;" in html  # the changed pair's interdiff, folded
    # The resend of v2 compared with v2: everything unchanged.
    resend = _series_id("demo-rv2-0@example.org")
    again = client.get(f"{BASE}/series/{resend}/compare/{v2}/").content.decode()
    assert "3 unchanged · 0 changed · 0 added · 0 dropped" in _text(again)


def test_compare_of_unknown_series_is_404(client, posted):
    v2 = _series_id("demo-v2-0@example.org")
    assert client.get(f"{BASE}/series/{v2}/compare/999999/").status_code == 404


def test_revision_pages_have_fixed_query_counts(client, posted, django_assert_max_num_queries):
    v1, v2 = _series_id("demo-v1-0@example.org"), _series_id("demo-v2-0@example.org")
    # both patches; the revisions; their patches
    with django_assert_max_num_queries(3):
        assert client.get(INTERDIFF).status_code == 200
    # the two series; the revisions; their patches; the diffs; the pairing stored at
    # ingest (asked since patches stay unpaired on both sides: v1's debug prints, v2's wakeup)
    with django_assert_max_num_queries(5):
        assert client.get(f"{BASE}/series/{v2}/compare/{v1}/").status_code == 200


def test_patch_and_series_pages_with_revisions_have_fixed_query_counts(
    client, posted, django_assert_max_num_queries
):
    from django.core.cache import cache

    cache.clear()
    # patch and its submitter/series/cover; parts: discussion, trailers, series
    # patches, revisions, their patches (+ the diffs pairing may need), and the
    # previous revision's patch, discussion and trailers
    with django_assert_max_num_queries(13):
        assert client.get(f"{BASE}/patch/{V2_ALARM}/").status_code == 200
    with django_assert_max_num_queries(4):  # parts cached: the patch and its relations
        assert client.get(f"{BASE}/patch/{V2_ALARM}/").status_code == 200
    v2 = _series_id("demo-v2-0@example.org")
    # series, discussion, trailers, patches, revisions, their patches, and the
    # diffs of the patches left unpaired (v1's debug prints, v2's wakeup)
    with django_assert_max_num_queries(7):
        assert client.get(f"{BASE}/series/{v2}/").status_code == 200


def test_pairing_is_cached_until_what_it_reads_of_either_revision_changes(posted, monkeypatch):
    import dataclasses

    from reviews.models import Series
    from reviews.pages import revisions as rev

    series = Series.objects.get(id=_series_id("demo-v2-0@example.org"))
    line = rev.lineage(series.revisions())
    old, new = line.patches[line.previous(series.id).id], line.patches[series.id]
    first = rev.pair_fully(old, new)
    assert [p.kind.value for p in first]  # paired once, for real

    def no_pairing(*args, **kwargs):
        raise AssertionError("paired again")

    monkeypatch.setattr(rev, "pair_revisions", no_pairing)
    monkeypatch.setattr(rev, "pair_remembered", no_pairing)  # stored or computed, not cached
    assert rev.pair_fully(old, new) == first  # the series page of v2 again: from the cache
    # A rebuild reading v2's first patch differently (another patch-id) pairs again.
    changed = (dataclasses.replace(new[0], patchid="0" * 40), *new[1:])
    with pytest.raises(AssertionError, match="paired again"):
        rev.pair_fully(old, changed)


def test_a_patch_pages_revision_links_survive_new_mail_without_pairing_again(
    client, posted, monkeypatch, ingest_file, tmp_path
):
    from reviews.pages import revisions as rev

    first = client.get(f"{BASE}/patch/{V2_ALARM}/").content.decode()

    def no_pairing(*args, **kwargs):
        raise AssertionError("paired again")

    monkeypatch.setattr(rev, "pair_revisions", no_pairing)
    # New mail elsewhere moves the change stamp: the page is built again, not its pairing.
    other = tmp_path / "other.mbox"
    other.write_text(
        "From x@example.org Mon Jan  1 00:00:00 2024\nFrom: X <x@example.org>\n"
        "To: linux-rtc@vger.kernel.org\nSubject: unrelated\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n"
        "Message-ID: <unrelated@example.org>\nList-Id: <linux-rtc.vger.kernel.org>\n\nhello\n"
    )
    ingest_file(other)
    again = client.get(f"{BASE}/patch/{V2_ALARM}/").content.decode()
    assert 'class="changes-since"' in first and 'class="changes-since"' in again
