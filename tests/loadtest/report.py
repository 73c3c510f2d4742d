"""The "## Load test" section of docs/performance.md: render it and put it in place."""

from __future__ import annotations

import os
import time
from pathlib import Path

from tests.docsections import section_text, with_section
from tests.loadtest.client import Results

HEADING = "## Load test"


def section(results: Results, *, clients: int, workers: int, warmup: float = 0.0) -> str:
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    lines = [
        HEADING,
        "",
        f"Measured by `make loadtest` on {when}: {clients} concurrent clients for "
        f"{results.seconds:.0f} s against `make serve` (gunicorn, {workers} sync workers, "
        f"production settings) on this machine ({os.cpu_count()} cores, shared with the "
        "clients and PostgreSQL), linux-rtc loaded. Each client requests a page, reads "
        "it whole, and asks for the next; latency is as the client sees it, queueing "
        "included." + (f" A {warmup:.0f} s warm-up before it is not counted." if warmup else ""),
        "",
        "| kind | requests | errors | req/s | p50 ms | p99 ms |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in results.rows():
        name = f"**{row['kind']}**" if row["kind"] == "all" else row["kind"]
        lines.append(
            f"| {name} | {row['requests']} | {row['errors']} | {row['rate']:.1f} "
            f"| {row['p50']:.0f} | {row['p99']:.0f} |"
        )
    return "\n".join(lines) + "\n"


def write_section(path: Path, text: str) -> None:
    """Replace the Load test section of ``path`` (up to the next ``## ``), or append it."""
    old = path.read_text() if path.exists() else "# Performance\n"
    path.write_text(with_section(old, HEADING + "\n", text))


def kept_section(path: Path) -> str:
    """The current Load test section of ``path``, or "" (make bench re-includes it)."""
    if not path.exists():
        return ""
    found = section_text(path.read_text(), HEADING + "\n")
    return found.rstrip("\n") + "\n" if found else ""
