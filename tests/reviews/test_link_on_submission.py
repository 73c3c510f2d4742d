# SPDX-License-Identifier: AGPL-3.0-or-later
"""Revisions are linked again only for series that gained a patch or cover (#21).

A batch of replies changes nothing revision linking reads; linking those
series again each batch read every same-titled series and recounted their
lineages' health, a cost that grew with the archive.
"""

from __future__ import annotations

import mailbox

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from archive.ingest import ingest
from archive.sources import RawMail
from reviews import derived
from reviews.models import Comment, Patch
from tests.ui.conftest import SEED_MBOX


def _mails(messages: list) -> list[RawMail]:
    return [RawMail(m.as_bytes(), f"seed {i}") for i, m in enumerate(messages)]


@pytest.mark.django_db
def test_a_batch_of_replies_links_no_revisions() -> None:
    messages = list(mailbox.mbox(str(SEED_MBOX)))
    patch = [m for m in messages if not m["Subject"].startswith("Re:")]
    replies = [m for m in messages if m["Subject"].startswith("Re:")]
    assert len(patch) == 1 and len(replies) == 12
    with CaptureQueriesContext(connection) as first:
        ingest(_mails(patch), workers=1)
    linking = derived._LATER_SQL.split("(", 1)[0]
    assert any(linking in q["sql"] for q in first.captured_queries)  # the new series
    with CaptureQueriesContext(connection) as later:
        ingest(_mails(replies), workers=1)
    assert not any(linking in q["sql"] for q in later.captured_queries)
    # the replies were recorded all the same
    assert Comment.objects.filter(patch=Patch.objects.get()).count() == 12
