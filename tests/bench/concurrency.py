"""Four ``manage.py ingest`` processes at once on linux-rtc, for ``make bench``.

Two read the whole corpus, two read overlapping halves of it (the middle
fifth is in both). They write into a scratch database on the embedded server
(``threadwork_bench_concurrency``, dropped and recreated); the result row says
how long it took, what was stored, whether anything was stored twice or any
archive invariant broke, and whether the archive equals a serial ingest of
the corpus into a second scratch database.

``python -m tests.bench.concurrency`` runs it alone.
"""

from __future__ import annotations

import gzip
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg

from tests.bench.scratch import recreate_database
from tests.faults.processes import REPO, database_url, environment
from tests.faults.snapshot import archive_state, counts, differences, problems

CORPUS = REPO.parent / "shared" / "corpus" / "linux-rtc.mbox.gz"
DATABASE = "threadwork_bench_concurrency"
REFERENCE = "threadwork_bench_serial"


def concurrent_ingest(
    corpus: Path = CORPUS, *, processes: int = 4, reference: bool = True
) -> dict[str, Any] | None:
    """Run ``processes`` ingests at once on ``corpus``; None (and a note) when it is absent.

    Returns ``{"processes", "seconds", "messages", "threads", "patches", "duplicates",
    "problems", "same_as_serial", "ok"}``; ``same_as_serial`` is None without ``reference``.
    """
    if not corpus.exists():
        print(f"concurrent ingest: skipped, {corpus} is missing", file=sys.stderr)
        return None
    with tempfile.TemporaryDirectory(prefix="tw-concurrency-") as tmp:
        halves = _overlapping_halves(corpus, Path(tmp))
        plans = [[corpus], [corpus], [halves[0]], [halves[1]]]
        plans = [plans[n % len(plans)] for n in range(processes)]
        url = _scratch_database(DATABASE)
        start = time.perf_counter()
        runs = [_start_ingest(url, plan) for plan in plans]
        outputs = [run.communicate()[0] for run in runs]
        seconds = time.perf_counter() - start
    exits = [run.returncode for run in runs]
    new = sum(_new(output) for output in outputs)
    with psycopg.connect(url) as conn:
        state = archive_state(conn.cursor())
        broken = problems(conn.cursor())
    totals = counts(state)
    same = None
    differing: dict[str, int] = {}
    if reference:
        serial_url = _scratch_database(REFERENCE)
        _run_ingest(serial_url, [corpus])
        with psycopg.connect(serial_url) as conn:
            expected = archive_state(conn.cursor())
        same = state["checksum"] == expected["checksum"]
        if not same:
            diff = differences(state, expected)
            print(f"differs from serial: {diff}", file=sys.stderr)
            differing = {k: len(v.get("extra", [])) for k, v in diff.items()}
    row = {
        "processes": processes,
        "seconds": round(seconds, 1),
        "messages": totals["messages"],
        "threads": totals["threads"],
        "patches": totals["patches"],
        # Stored more than once: each message must have been new in exactly one process.
        "duplicates": new - totals["messages"],
        "problems": broken,
        "same_as_serial": same,
        # Rows that differ from the serial run, per table. Messages, threads and
        # series must never differ; a few patch states can, because which
        # revision supersedes which still depends on the order mail arrives in.
        "differing": differing,
        "exit_codes": exits,
    }
    order_only = set(differing) <= {"patches"}
    row["ok"] = not any(exits) and row["duplicates"] == 0 and not broken and order_only
    print(_line(row))
    return row


def _overlapping_halves(corpus: Path, into: Path, overlap: float = 0.2) -> tuple[Path, Path]:
    """Split the mbox at message boundaries, bytes untouched (mboxrd escapes stay valid)."""
    with gzip.open(corpus, "rb") as stream:
        data = stream.read()
    starts = [0] if data.startswith(b"From ") else []
    position = data.find(b"\nFrom ")
    while position != -1:
        starts.append(position + 1)
        position = data.find(b"\nFrom ", position + 1)
    starts.append(len(data))
    count = len(starts) - 1
    first_end = starts[int(count * (1 + overlap) / 2)]
    second_start = starts[int(count * (1 - overlap) / 2)]
    first, second = into / "first.mbox", into / "second.mbox"
    first.write_bytes(data[:first_end])
    second.write_bytes(data[second_start:])
    return first, second


def _scratch_database(name: str) -> str:
    """An empty, migrated database on the embedded server; returns its URL."""
    from config.database import embedded_server_uri, parse_database_url

    recreate_database(name)
    url = database_url({**parse_database_url(embedded_server_uri()), "NAME": name})
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--verbosity", "0"],
        cwd=REPO, env=environment(url), check=True,
    )  # fmt: skip
    return url


def _start_ingest(url: str, sources: list[Path]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "manage.py", "ingest", "--verbosity", "0", *map(str, sources)],
        cwd=REPO, env=environment(url), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip


def _run_ingest(url: str, sources: list[Path]) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "ingest", "--verbosity", "0", *map(str, sources)],
        cwd=REPO, env=environment(url), check=True, capture_output=True,
    )  # fmt: skip


def _new(output: str) -> int:
    for line in output.splitlines():
        if " read, " in line and " new, " in line:
            return int(line.split(" read, ")[1].split(" new")[0])
    return 0


def _line(row: dict[str, Any]) -> str:
    return (
        f"concurrent ingest: {row['processes']} processes in {row['seconds']} s, "
        f"{row['messages']} messages, {row['threads']} threads, {row['patches']} patches, "
        f"{row['duplicates']} duplicates, same as serial: {row['same_as_serial']}, "
        f"{'ok' if row['ok'] else 'NOT OK'}"
    )


if __name__ == "__main__":
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    if os.environ.get("DATABASE_URL"):
        sys.exit("the concurrency bench uses the embedded PostgreSQL; unset DATABASE_URL.")
    result = concurrent_ingest()
    sys.exit(0 if result is None or result["ok"] else 1)
