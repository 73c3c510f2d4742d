"""``diffstat`` reads diffs with our own scan; it must agree with unidiff's reading.

Every diff in the scenario mailboxes under tests/data/diffs, and (when the
shared corpus is present) every patch of linux-rtc, gives the same stats
both ways (docs/performance.md, "Where the ingest time goes").
"""

from __future__ import annotations

import mailbox
from pathlib import Path

import pytest

from archive.parsing import parse_message
from reviews.analysis import analyze_message
from reviews.diffs import diffstat, unidiff_stats

DIFFS = Path(__file__).resolve().parents[1] / "data" / "diffs"


def _diffs() -> list[tuple[str, str]]:
    found = []
    for path in sorted(DIFFS.glob("*.mbox")):
        for number, msg in enumerate(mailbox.mbox(path)):
            analysis = analyze_message(parse_message(msg.as_bytes()))
            if analysis.patch is not None and analysis.patch.diff:
                found.append((f"{path.name}#{number}", analysis.patch.diff))
    return found


def test_the_scenarios_hold_diffs() -> None:
    assert len(_diffs()) >= 8


@pytest.mark.parametrize(("name", "diff"), _diffs(), ids=lambda v: v if "#" in v else "")
def test_scan_agrees_with_unidiff(name: str, diff: str) -> None:
    assert diffstat(diff) == unidiff_stats(diff), name


def test_scan_keeps_hunk_lines_that_look_like_file_headers() -> None:
    diff = (
        "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n"
        "--- removed line\n+++ added line\n ctx\n"
    )
    assert diffstat(diff) == unidiff_stats(diff)
    assert (diffstat(diff)[0].added, diffstat(diff)[0].removed) == (1, 1)
