"""The load test's section of docs/performance.md replaces only itself, and make bench keeps it."""

from __future__ import annotations

from pathlib import Path

from tests.loadtest.client import Results
from tests.loadtest.report import HEADING, kept_section, section, write_section

BENCH = "# Performance\n\n## Ingest\n\nfast\n\n## Page latency\n\n| a | b |\n"


def results() -> Results:
    measured = Results(seconds=2.0)
    measured.latencies["patch page"] += [10.0, 20.0, 30.0]
    measured.latencies["search"] += [5.0]
    measured.errors["search"].append("HTTP 500 at /all/?q=x")
    return measured


def test_section_has_a_row_per_kind_and_overall() -> None:
    text = section(results(), clients=50, workers=5)
    assert text.startswith(HEADING + "\n")
    assert "| patch page | 3 | 0 | 1.5 | 20 | 30 |" in text
    assert "| search | 1 | 1 | 0.5 | 5 | 5 |" in text
    assert "| **all** | 4 | 1 | 2.0 | 15 | 30 |" in text


def test_write_appends_then_replaces_only_its_section(tmp_path: Path) -> None:
    path = tmp_path / "performance.md"
    path.write_text(BENCH)
    write_section(path, f"{HEADING}\n\nfirst\n")
    assert path.read_text() == BENCH + f"\n{HEADING}\n\nfirst\n"
    # In the middle of the file too (say, after a bench run wrote sections after it).
    path.write_text(f"# Performance\n\n{HEADING}\n\nfirst\n\n## Ingest\n\nfast\n")
    write_section(path, f"{HEADING}\n\nsecond\n")
    assert path.read_text() == f"# Performance\n\n{HEADING}\n\nsecond\n\n## Ingest\n\nfast\n"


def test_bench_report_keeps_the_section(tmp_path: Path) -> None:
    path = tmp_path / "performance.md"
    path.write_text(BENCH + f"\n{HEADING}\n\nnumbers\n")
    assert kept_section(path) == f"{HEADING}\n\nnumbers\n"
    path.write_text(BENCH)
    assert kept_section(path) == ""
