"""The archive does not depend on the order mail arrives in.

Concurrent ingests interleave their batches in any order, so the same mail
ingested oldest-first and newest-first must give the same archive: threads,
series, revision links and what they supersede.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection

from archive import ingest as ingest_module
from archive.ingest import ingest
from archive.sources import iter_source
from tests.faults.mailgen import archive_mails, write_mbox
from tests.faults.snapshot import archive_state, differences, problems, wipe_archive


def ingested(path: Path) -> dict:
    ingest(iter_source(str(path)), workers=1)
    with connection.cursor() as cursor:
        assert problems(cursor) == {}
        state = archive_state(cursor)
        wipe_archive(cursor)
    return state


@pytest.mark.django_db
def test_newest_first_gives_the_same_archive_as_oldest_first(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(ingest_module, "BATCH", 7)  # many batches: order across them matters
    mails = archive_mails(topics=16)
    oldest_first = ingested(write_mbox(tmp_path / "forward.mbox", mails))
    newest_first = ingested(write_mbox(tmp_path / "backward.mbox", mails[::-1]))
    # Of a message delivered twice (two lists), the first copy's bytes are kept.
    del newest_first["raw"], oldest_first["raw"]
    assert differences(newest_first, oldest_first) == {}
    superseded = {row[0] for row in oldest_first["patches"] if row[2] == "superseded"}
    # v1 of topics 0, 4, ... is superseded by its v2; the v1 posted after a v2 is not.
    assert "s0v1.1@gen.example" in superseded and "s0v1r.1@gen.example" not in superseded
