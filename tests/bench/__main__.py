"""``make bench``: measure ingest against the parsing floor, then page and API latency.

Runs on ../shared/corpus/linux-rtc.mbox.gz in a scratch database
(``threadwork_bench`` on the embedded server, dropped and recreated) and
rewrites docs/performance.md with the numbers. Then, unless ``BENCH_GROWTH=0``,
loads linux-rtc ``BENCH_GROWTH`` times (default 10) into ``threadwork_growth``
and measures the same pages there (tests/bench/growth.py), and from ten copies
up sets it beside public-inbox holding the same copies (tests/bench/anchor_growth.py).

``python -m tests.bench --growth-only`` runs just the growth part and prints
its section beside the 17k numbers last written to docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.bench import growth

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus" / "linux-rtc.mbox.gz"
FLOOR = SHARED / "tools" / "floor.py"
BENCH_DB = "threadwork_bench"


def fresh_database(name: str = BENCH_DB) -> None:
    """Point Django at an empty scratch database ``name`` before it is set up."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    os.environ["DJANGO_DEBUG"] = "0"
    if os.environ.get("DATABASE_URL"):
        sys.exit("make bench uses the embedded PostgreSQL; unset DATABASE_URL to run it.")
    from tests.bench.scratch import lift_address_limits, recreate_database

    recreate_database(name)
    os.environ["THREADWORK_DB_NAME"] = name
    lift_address_limits(os.environ)  # pages are requested many times a second from here


# Scratch databases of the later parts: gigabytes, and freshly loaded ones keep
# autovacuum busy for minutes, which would skew the next run's 17k ingest.
SCRATCH = ("threadwork_growth", "threadwork_bench_concurrency", "threadwork_bench_serial")


def drop_scratch() -> None:
    from tests.bench.scratch import drop_databases

    drop_databases(*SCRATCH)


def floor() -> tuple[int, float]:
    out = subprocess.run(
        [sys.executable, str(FLOOR), str(CORPUS)], capture_output=True, text=True, check=True
    ).stdout.split()
    return int(out[0]), float(out[1])


def growth_only(copies: int, json_out: str | None) -> None:
    """The growth part alone, in its own database; JSON for the parent, else a printout."""
    fresh_database(growth.GROWTH_DB)
    import django

    django.setup()
    from django.core.management import call_command

    from tests.bench import anchor_growth, report

    call_command("migrate", verbosity=0)
    results = growth.run(str(CORPUS), copies)
    if copies >= anchor_growth.MIN_COPIES:  # public-inbox side by side at this size (#18)
        results["anchor"] = anchor_growth.measure_safely(copies, results["ingest"]["seconds"])
    if json_out:
        Path(json_out).write_text(json.dumps(results))
        return
    base_pages, base_counts = report.baseline_from_doc(REPO / "docs" / "performance.md")
    print(report.growth_section(results, base_pages, base_counts))
    if "anchor" in results:
        print(anchor_growth.section(results["anchor"]))


def growth_in_child(copies: int) -> dict[str, Any] | None:
    """Run the growth part in a fresh process.

    A new process starts with empty in-process caches (the page cache is
    locmem, and the same URLs exist in both archives) and a Django connection
    to the growth database only, so nothing of the 17k run leaks into it.
    """
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "growth.json"
        command = [sys.executable, "-m", "tests.bench", "--growth-only", "--json", str(out)]
        env = {**os.environ, "BENCH_GROWTH": str(copies)}
        if subprocess.run(command, cwd=REPO, env=env, check=False).returncode != 0:
            print("growth part failed; its section keeps the last numbers", file=sys.stderr)
            return None
        return json.loads(out.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench")
    parser.add_argument("--growth-only", action="store_true", help="only the growth part")
    parser.add_argument("--json", help="with --growth-only: write results here, print nothing")
    args = parser.parse_args()
    if not CORPUS.exists():
        sys.exit(f"{CORPUS} is missing: the benchmark needs the shared corpus.")
    copies = growth.copies_from_env()
    if args.growth_only:
        if copies <= 0:
            sys.exit("BENCH_GROWTH=0: nothing to run.")
        growth_only(copies, args.json)
        return
    fresh_database()
    drop_scratch()
    import django

    django.setup()
    from django.core.management import call_command

    from tests.bench import pages, report

    call_command("migrate", verbosity=0)
    floor_count, floor_seconds = floor()
    from archive.ingest import ingest
    from archive.sources import iter_source

    summary = ingest(iter_source(str(CORPUS)), progress_stream=sys.stderr)
    second = ingest(iter_source(str(CORPUS)))
    # Pages are measured on a settled archive: autovacuum would have analysed
    # the new rows (and merged the search index's pending entries) within a
    # minute or two; do it now rather than wait.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    _, floor2_seconds = floor()
    results = {
        "floor": (floor_count, min(floor_seconds, floor2_seconds)),
        "ingest": summary,
        "reingest": second,
        "counts": report.archive_counts(report.mbox_size(CORPUS)),
        "pages": pages.measure(),
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    # public-inbox side by side over HTTP (issue 18), on the same settled archive.
    from tests.bench import anchor

    try:
        results["anchor"] = anchor.measure()
    except Exception as exc:  # the anchor's failure must not cost the rest of the run
        print(f"public-inbox part failed: {exc!r}", file=sys.stderr)
        results["anchor"] = {"skipped": f"it failed: {exc!r:.120}"}
    # After the 17k measurements, so the growth load cannot disturb them.
    results["growth"] = growth_in_child(copies) if copies > 0 else None
    from tests.bench.concurrency import concurrent_ingest

    results["concurrency"] = concurrent_ingest()
    drop_scratch()
    from tests.bench import hostile

    results["hostile"] = hostile.measure()  # mail built to stall ingest (issue 14)
    from tests.bench import landing

    # track-git on linux-rtc's patches applied to a synthetic tree (issue 20).
    results["landing"] = landing.measure()
    text = landing.with_section(report.render(results), landing.section(results["landing"]))
    (REPO / "docs" / "performance.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
