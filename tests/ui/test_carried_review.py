"""Review carried forward: v1's answers and trailers on v2, and in the patch mbox."""

from __future__ import annotations

import re

import pytest

from tests.ui.test_revision_pages import BASE, V2_ALARM, _series_id, _text

pytestmark = pytest.mark.django_db

V2_DRIVER = "demo-v2-1@example.org"


@pytest.fixture
def posted(ingest_file):
    from tests.ui.test_revision_pages import REVISIONS

    for name in ("demo-rtc.v1.mbox", "demo-rtc.v2.mbox"):
        ingest_file(REVISIONS / name)


def _answers(html: str) -> dict[str, str]:
    """Each carried answer's text by its status."""
    items = re.findall(r'<li class="carried-answer (\w+)">(.*?)</li>', html, re.S)
    return {status: _text(body) for status, body in items}


def test_v1_answers_on_v2_are_addressed_open_or_gone(client, posted):
    html = client.get(f"{BASE}/patch/{V2_ALARM}/").content.decode()
    assert "Review of <a" in html and f'href="{BASE}/patch/demo-v1-2@example.org/"' in html
    answers = _answers(html)
    assert set(answers) == {"addressed", "open", "gone"}
    assert (
        "return -EINVAL;" in answers["addressed"]
        and "Why refuse enabled alarms?" in answers["addressed"]
    )
    assert "demo_alarm_irq_enable" in answers["open"] and "This does nothing" in answers["open"]
    assert "drivers/rtc/Kconfig" in answers["gone"] and "separate option" in answers["gone"]
    # The box comes before the diff.
    assert html.index('id="carried-h"') < html.index('id="diff-h"')


def test_trailers_carried_only_to_an_unchanged_patch(client, posted):
    same = client.get(f"{BASE}/patch/{V2_DRIVER}/").content.decode()
    assert "Carried from v1" in same and "Rev Iewer" in same
    changed = client.get(f"{BASE}/patch/{V2_ALARM}/").content.decode()
    assert "Given on v1, not applied" in changed and "Ann Acker" in changed
    assert "Carried from" not in changed


def test_the_mbox_applies_carried_trailers_like_b4(client, posted):
    same = client.get(f"{BASE}/patch/{V2_DRIVER}/mbox/").content.decode()
    assert "Reviewed-by: Rev Iewer <rev@example.org>" in same
    changed = client.get(f"{BASE}/patch/{V2_ALARM}/mbox/").content.decode()
    assert "Acked-by: Ann Acker" not in changed
    v2 = _series_id("demo-v2-0@example.org")
    series = client.get(f"/series/{v2}/mbox/").content.decode()
    assert series.count("Reviewed-by: Rev Iewer") == 1  # on 1/3 only


def test_series_page_marks_each_patch_since_the_previous_revision(client, posted):
    v2 = _series_id("demo-v2-0@example.org")
    html = client.get(f"{BASE}/series/{v2}/").content.decode()
    marks = re.findall(r'<span class="tag patch-status (\w+)"', html)
    assert marks == ["unchanged", "changed", "new"]
    assert "unchanged since v1" in html


def test_a_first_revision_carries_nothing(client, posted):
    html = client.get(f"{BASE}/patch/demo-v1-2@example.org/").content.decode()
    assert 'id="carried-h"' not in html and "Carried from" not in html


def test_a_resend_carries_the_last_review_given_not_the_unanswered_revision(client, ingest_file):
    from tests.ui.test_revision_pages import REVISIONS

    for name in ("demo-rtc.v1.mbox", "demo-rtc.v2.mbox", "demo-rtc.v2-resend.mbox"):
        ingest_file(REVISIONS / name)
    # Nobody answered v2; its RESEND shows v1's review, measured against itself.
    html = client.get(f"{BASE}/patch/demo-rv2-2@example.org/").content.decode()
    assert f'href="{BASE}/patch/demo-v1-2@example.org/"' in html
    assert set(_answers(html)) == {"addressed", "open", "gone"}
    # 1/3 is the same patch in all three: v1's Reviewed-by is carried to the RESEND.
    resent = client.get(f"{BASE}/patch/demo-rv2-1@example.org/").content.decode()
    assert "Reviewed-by" in resent and f'href="{BASE}/patch/demo-v1-1@example.org/"' in resent
