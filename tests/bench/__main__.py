"""``make bench``: measure ingest against the parsing floor, then page and API latency.

Runs on ../shared/corpus/linux-rtc.mbox.gz in a scratch database
(``threadwork_bench`` on the embedded server, dropped and recreated) and
rewrites docs/performance.md with the numbers.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus" / "linux-rtc.mbox.gz"
FLOOR = SHARED / "tools" / "floor.py"
BENCH_DB = "threadwork_bench"


def fresh_database() -> None:
    """Point Django at an empty scratch database before it is set up."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    os.environ["DJANGO_DEBUG"] = "0"
    if os.environ.get("DATABASE_URL"):
        sys.exit("make bench uses the embedded PostgreSQL; unset DATABASE_URL to run it.")
    import psycopg

    from config.database import embedded_server_uri

    uri = embedded_server_uri()
    with psycopg.connect(uri, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    os.environ["THREADWORK_DB_NAME"] = BENCH_DB


def floor() -> tuple[int, float]:
    out = subprocess.run(
        [sys.executable, str(FLOOR), str(CORPUS)], capture_output=True, text=True, check=True
    ).stdout.split()
    return int(out[0]), float(out[1])


def main() -> None:
    if not CORPUS.exists():
        sys.exit(f"{CORPUS} is missing: the benchmark needs the shared corpus.")
    fresh_database()
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
    # the new rows within a minute; do it now rather than wait.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    _, floor2_seconds = floor()
    results = {
        "floor": (floor_count, min(floor_seconds, floor2_seconds)),
        "ingest": summary,
        "reingest": second,
        "counts": report.archive_counts(),
        "pages": pages.measure(),
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    text = report.render(results)
    (REPO / "docs" / "performance.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
