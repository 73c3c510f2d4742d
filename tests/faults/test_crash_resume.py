"""``kill -9`` an ingest halfway, run the same command again: nothing lost, nothing doubled.

The resumed archive must equal one uninterrupted run of the same command
into a fresh database: messages, thread membership, lists, raw mail,
patches with their states and series, comments and trailers.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection

from archive.ingest import ingest
from archive.sources import iter_source
from tests.faults.mailgen import archive_mails, write_mbox
from tests.faults.processes import Ingest, database_url, wait_until
from tests.faults.snapshot import archive_state, counts, differences, problems, wipe_archive

# Subprocesses write through their own connections: the test needs real commits.
pytestmark = pytest.mark.django_db(transaction=True)

BATCH = 20


def stored_messages() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM archive_message WHERE NOT is_ghost")
        return cursor.fetchone()[0]


def test_ingest_killed_halfway_resumes_to_the_uninterrupted_archive(tmp_path: Path) -> None:
    mails = archive_mails(topics=90)
    source = write_mbox(tmp_path / "big.mbox", mails)
    url = database_url(connection.settings_dict)

    run = Ingest.start(url, [source], tmp_path / "killed.log", workers=2, batch=BATCH)
    wait_until(lambda: stored_messages() >= len(mails) // 3 or run.process.poll() is not None,
               timeout=60, what="a third of the mail to be committed")  # fmt: skip
    run.kill()
    assert run.process.returncode == -9, f"ingest ended before the kill:\n{run.output()}"
    partial = stored_messages()
    assert 0 < partial < len(mails) - 2 * BATCH
    with connection.cursor() as cursor:
        # Whatever was committed before the kill is whole; nothing half-written.
        assert problems(cursor) == {}

    resumed = Ingest.start(url, [source], tmp_path / "resumed.log", workers=2, batch=BATCH)
    assert resumed.wait(120) == 0, resumed.output()
    with connection.cursor() as cursor:
        assert problems(cursor) == {}
        after_resume = archive_state(cursor)
        wipe_archive(cursor)

    ingest(iter_source(str(source)), workers=1)  # one uninterrupted run, full-size batches
    with connection.cursor() as cursor:
        uninterrupted = archive_state(cursor)
    assert counts(after_resume) == counts(uninterrupted)
    assert differences(after_resume, uninterrupted) == {}
    assert after_resume["checksum"] == uninterrupted["checksum"]
