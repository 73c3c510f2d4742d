"""The series compare page reads the pairing stored at ingest (reviews.pairmemo):
no diff similarity on a first view, the page the same as paired live."""

from __future__ import annotations

import pytest

from tests.ui.test_revision_pages import BASE, _series_id, posted  # noqa: F401

pytestmark = pytest.mark.django_db


def _cold(client, url: str) -> str:
    from django.core.cache import cache

    cache.clear()
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_compare_page_pairs_nothing_itself_when_the_pairing_is_stored(
    client,
    posted,  # noqa: F811
    monkeypatch,
):
    from reviews import pairing
    from reviews.models import RevisionPairing

    v1, v2 = _series_id("demo-v1-0@example.org"), _series_id("demo-v2-0@example.org")
    url = f"{BASE}/series/{v2}/compare/{v1}/"
    live_similarity = pairing._similarity
    assert RevisionPairing.objects.exists()

    def no_similarity(*args, **kwargs):
        raise AssertionError("diffs compared on a first view")

    monkeypatch.setattr(pairing, "_similarity", no_similarity)
    stored = _cold(client, url)
    assert "wakeup" in stored  # v2's new 3/3, left unpaired by patch-id and title
    # Without the stored pairing the page pairs live, by diff similarity: the same page.
    RevisionPairing.objects.all().delete()
    with pytest.raises(AssertionError, match="diffs compared"):
        _cold(client, url)
    monkeypatch.setattr(pairing, "_similarity", live_similarity)
    assert _cold(client, url) == stored
