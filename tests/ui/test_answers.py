"""Answers shown inside the diff, under the line they quote; and in the API."""

from __future__ import annotations

import re

import pytest

from tests.conftest import DATA

pytestmark = pytest.mark.django_db

THREAD = DATA / "anchors" / "wilco-thread.mbox"
PATCH_MSGID = "20190910151929.780-1-ncrews@chromium.org"
PATCH_URL = f"/project/linux-rtc/patch/{PATCH_MSGID}/"


@pytest.fixture
def thread(ingest_file):
    ingest_file(THREAD)
    from reviews.models import Patch

    return Patch.objects.get(message__msgid=PATCH_MSGID)


def _row_after(html: str, row_start: str) -> str:
    """The ``<tr>`` right after the row that starts with ``row_start``."""
    at = html.index(row_start)
    following = html.index("<tr", at + 1)
    return html[following : html.index("</tr>", following) + 5]


def test_each_answer_is_under_the_line_it_quotes(client, thread):
    html = client.get(PATCH_URL).content.decode()
    removed = '<tr class="del answered"><td class="ln" data-ln="113"></td>'
    under = _row_after(html, removed)
    assert under.startswith('<tr class="answers"')
    assert '<details class="answers" open>' in under and "1 answer" in under
    assert "If your driver doesn't care about yday" in under
    assert "Alexandre Belloni" in under and "/linux-rtc/20190912080953.GO21254@piout.net/" in under
    added = '<tr class="add answered"><td class="ln" data-ln=""></td><td class="ln" data-ln="199">'
    assert "This should be in a separate patch." in _row_after(html, added)
    # Two answered lines, each once; the signature is no answer; the discussion stays.
    assert html.count('<tr class="answers"') == 2 and "Embedded Linux" not in _answers(html)
    assert 'id="discussion"' in html and html.count('class="comment"') == 1


def _answers(html: str) -> str:
    return "".join(re.findall(r'<tr class="answers".*?</tr>', html, re.S))


def test_a_new_reply_shows_under_its_line_at_once(client, thread, ingest_file, tmp_path):
    assert "Is -EIO right here?" not in client.get(PATCH_URL).content.decode()  # now cached
    late = tmp_path / "late-reply.mbox"
    late.write_text(
        "From late@example.org Fri Sep 13 00:00:00 2019\n"
        "From: Late Reviewer <late@example.org>\nTo: linux-rtc@vger.kernel.org\n"
        "Subject: Re: [PATCH] rtc: wilco-ec: Sanitize values received from RTC\n"
        "Date: Fri, 13 Sep 2019 00:00:00 +0000\nMessage-ID: <late@example.org>\n"
        f"In-Reply-To: <{PATCH_MSGID}>\nReferences: <{PATCH_MSGID}>\n"
        "List-Id: <linux-rtc.vger.kernel.org>\n\n"
        "> +\t\treturn -EIO;\n> +\t}\n\nIs -EIO right here?\n"
    )
    ingest_file(late)  # anchored once, as it is stored
    html = client.get(PATCH_URL).content.decode()
    under = _row_after(html, '<tr class="add answered"><td class="ln" data-ln=""></td>'
                             '<td class="ln" data-ln="120">')  # fmt: skip
    assert "Is -EIO right here?" in under and "Late Reviewer" in under


def test_a_patch_without_anchored_answers_renders_as_before(client, thread):
    from reviews.models import Comment

    Comment.objects.filter(patch=thread).delete()
    html = client.get(PATCH_URL).content.decode()
    assert "answered" not in html and '<tr class="answers"' not in html


def test_the_api_lists_each_comments_anchors(client, thread):
    from tests.api.test_schema import _validate

    url = f"/api/1.3/patches/{thread.id}/comments/"
    items = client.get(url).json()
    assert [item["anchors"] for item in items] == [[
        {"path": "drivers/rtc/rtc-wilco-ec.c", "old_line": 113, "new_line": None,
         "text": "If your driver doesn't care about yday, userspace doesn't either. You\n"
                 "can simply not set it."},
        {"path": "drivers/rtc/rtc-wilco-ec.c", "old_line": None, "new_line": 199,
         "text": "This should be in a separate patch."},
    ]]  # fmt: skip
    # Every Patchwork field is still there, and the schema describes the addition.
    assert {"id", "web_url", "msgid", "date", "subject", "submitter", "content", "headers",
            "addressed"} <= set(items[0])  # fmt: skip
    schema = client.get("/api/schema/", {"format": "json"}).json()
    _validate(schema, f"/api/patches/{thread.id}/comments/", items)


def test_anchors_are_stored_at_ingest_and_stored_again_by_a_rebuild(client, thread):
    from reviews.models import Comment
    from reviews.rebuild import rebuild_reviews

    stored = list(Comment.objects.filter(patch=thread).values_list("anchors", flat=True))
    assert [[(a["old_line"], a["new_line"]) for a in s] for s in stored] == [
        [(113, None), (None, 199)]
    ]
    # Rows wrong or emptied (an older parse): reparse anchors every reply again.
    Comment.objects.filter(patch=thread).update(anchors=[])
    assert client.get(f"/api/1.3/patches/{thread.id}/comments/").json()[0]["anchors"] == []
    rebuild_reviews(None)
    assert list(Comment.objects.filter(patch=thread).values_list("anchors", flat=True)) == stored
