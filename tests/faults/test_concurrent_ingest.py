"""Four ``manage.py ingest`` processes at once on overlapping sources.

The same mbox twice and a generated archive split into overlapping halves,
all started together: every message must be stored exactly once, threads and
series whole, and the archive the same as one serial ingest of the union.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.db import connection

from archive.ingest import ingest
from archive.sources import iter_source
from tests.conftest import SAMPLE
from tests.faults.mailgen import archive_mails, overlapping_halves, write_mbox
from tests.faults.processes import Ingest, database_url
from tests.faults.snapshot import (
    archive_state,
    counts,
    differences,
    problems,
    wipe_archive,
)

# Subprocesses write through their own connections: the test needs real commits.
pytestmark = pytest.mark.django_db(transaction=True)

SUMMARY = re.compile(r"^(\d+) read, (\d+) new, (\d+) duplicate, (\d+) quarantined", re.M)
SAMPLES = sorted(SAMPLE.glob("*.mbox"))


def sources(tmp_path: Path) -> tuple[list[Path], list[list[Path]]]:
    """The union of all mail, and what each of the four processes reads."""
    mails = archive_mails(topics=64)
    whole = write_mbox(tmp_path / "archive.mbox", mails)
    first, second = overlapping_halves(mails)
    first_half = write_mbox(tmp_path / "first.mbox", first)
    second_half = write_mbox(tmp_path / "second.mbox", second)
    union = [*SAMPLES, whole]
    return union, [union, union, [first_half, SAMPLES[0]], [second_half, *SAMPLES]]


def new_counts(run: Ingest) -> int:
    found = SUMMARY.search(run.output())
    assert found, run.output()
    return int(found.group(2))


def test_four_overlapping_ingests_equal_one_serial_ingest(tmp_path: Path) -> None:
    union, plans = sources(tmp_path)
    url = database_url(connection.settings_dict)
    # Two with forked parsing workers and a writer thread, two parsing inline.
    runs = [
        Ingest.start(url, plan, tmp_path / f"ingest-{n}.log", workers=2 - n % 2, batch=40)
        for n, plan in enumerate(plans)
    ]
    for run in runs:
        assert run.wait(120) == 0, run.output()
    with connection.cursor() as cursor:
        assert problems(cursor) == {}
        concurrent = archive_state(cursor)
        real = sum(1 for _, ghost in concurrent["messages"] if not ghost)
        # Exactly once: across the four processes each message was new once.
        assert sum(new_counts(run) for run in runs) == real
        wipe_archive(cursor)
    for source in union:
        ingest(iter_source(str(source)), workers=1)
    with connection.cursor() as cursor:
        reference = archive_state(cursor)
    assert differences(concurrent, reference) == {}
    assert concurrent["checksum"] == reference["checksum"]
    assert counts(reference) == {
        "messages": 417, "ghosts": 33, "threads": 80, "patches": 155, "series": 75,
        "quarantined": 4,
    }  # fmt: skip
