"""mbox downloads read a series' texts in a fixed number of queries.

A patch's commit message and diff are spans of its message's body
(reviews.patchtext); a reader that loads a patch without its message falls
back to one query per patch for the body. The downloads select the message
with the patch, so a series of eight costs what a series of two does, and the
texts come out whole and in order.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reviews.links import patch_mbox_url, series_mbox_url
from reviews.models import Patch

pytestmark = pytest.mark.django_db


def _series_mbox(path: Path, total: int) -> Path:
    """A series of ``total`` patches with a cover letter, each patch its own file."""
    mails = [
        f"From x@y Mon Jan  1 00:00:00 2024\nFrom: Ann Dev <ann@example.org>\n"
        f"To: test@lists.example.org\nList-Id: <test.lists.example.org>\n"
        f"Subject: [PATCH 0/{total}] Download series\nMessage-ID: <s{total}-0@example.org>\n"
        f"Date: Mon, 1 Jan 2024 00:00:00 +0000\n\nThe cover.\n"
    ]
    for i in range(1, total + 1):
        mails.append(
            f"From x@y Mon Jan  1 00:00:00 2024\nFrom: Ann Dev <ann@example.org>\n"
            f"To: test@lists.example.org\nList-Id: <test.lists.example.org>\n"
            f"Subject: [PATCH {i}/{total}] file{i}: change it\n"
            f"Message-ID: <s{total}-{i}@example.org>\nIn-Reply-To: <s{total}-0@example.org>\n"
            f"References: <s{total}-0@example.org>\nDate: Mon, 1 Jan 2024 00:0{i % 10}:00 +0000\n"
            f"\nChange file{i}.\n\nSigned-off-by: Ann Dev <ann@example.org>\n---\n"
            f" file{i}.c | 2 +-\n 1 file changed, 1 insertion(+), 1 deletion(-)\n\n"
            f"diff --git a/file{i}.c b/file{i}.c\nindex 1111111..2222222 100644\n"
            f"--- a/file{i}.c\n+++ b/file{i}.c\n@@ -1 +1 @@\n-old line {i}\n+new line {i}\n"
            f"-- \n2.43.0\n"
        )
    target = path / f"series-{total}.mbox"
    target.write_text("\n".join(mails))
    return target


def _queries(client, url: str) -> tuple[int, bytes]:
    client.get(url)  # once first: statements a worker prepares once are not per download
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries), b"".join(
        response.streaming_content if response.streaming else [response.content]
    )


def test_series_and_patch_downloads_cost_the_same_for_two_or_eight_patches(
    tmp_path, ingest_file, client
) -> None:
    counts: dict[int, tuple[int, int]] = {}
    for total in (2, 8):
        ingest_file(_series_mbox(tmp_path, total))
        patches = list(
            Patch.objects.filter(message__msgid__startswith=f"s{total}-").order_by("number")
        )
        assert len(patches) == total
        # The texts are spans of the body here, which is what the fallback would read.
        assert all(p.diff_text is None and p.commit_message_text is None for p in patches)
        series_id = patches[0].series_id
        series_queries, data = _queries(client, series_mbox_url(series_id))
        text = data.decode()
        places = [text.index(f"+new line {i}\n") for i in range(1, total + 1)]
        assert places == sorted(places)
        assert text.count("Change file") == total
        last = patches[-1]
        url = patch_mbox_url(last.project.link_name, last.message.msgid) + "?series=*"
        patch_queries, data = _queries(client, url)
        assert data.decode().count("diff --git a/file") == total
        counts[total] = (series_queries, patch_queries)
    assert counts[2] == counts[8], counts
