"""``make loadtest``: 50 clients for 60 s against `make serve` with linux-rtc loaded.

1. Loads ../shared/corpus/linux-rtc.mbox.gz into its own database
   (``threadwork_load`` on the embedded server, or ``LOADTEST_DB_NAME``),
   once: a later run reuses it.
2. Discovers real URLs from it (tests/loadtest/targets.py).
3. Starts `make serve` on a spare port against that database, waits for it,
   runs the clients (tests/loadtest/client.py) after a short warm-up, stops it.
4. Prints throughput and p50/p99 per kind, and writes them into the
   "## Load test" section of docs/performance.md (the rest of the file is kept;
   `make bench` keeps this section too).

Exits non-zero if any request failed. ``--url`` targets a server that is
already running instead (it must serve the same database).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from tests.bench.scratch import lift_address_limits
from tests.loadtest import client, hostile, report, targets

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpus" / "linux-rtc.mbox.gz"
LOAD_DB = "threadwork_load"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.loadtest", description=__doc__)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--warmup", type=float, default=5.0, help="unmeasured seconds first")
    parser.add_argument("--port", type=int, default=int(os.environ.get("LOAD_PORT", 8100)))
    parser.add_argument("--url", help="an already running server (default: start make serve)")
    parser.add_argument("--no-write", action="store_true", help="do not touch performance.md")
    parser.add_argument(
        "--hostile",
        action="store_true",
        help="instead: the patch list while clients download all mail (loadtest/hostile.py)",
    )
    parser.add_argument("--hostile-seconds", type=float, default=30.0, help="per --hostile phase")
    parser.add_argument(
        "--direct",
        action="store_true",
        help="start gunicorn as make serve does, without make (and its install step)",
    )
    return parser.parse_args()


def load_archive() -> None:
    """Point Django at the load database, migrate it, and ingest linux-rtc unless present."""
    if os.environ.get("DATABASE_URL"):
        sys.exit("make loadtest loads linux-rtc into the embedded PostgreSQL; unset DATABASE_URL.")
    # Its own database whatever THREADWORK_DB_NAME says (LOADTEST_DB_NAME to change it).
    os.environ["THREADWORK_DB_NAME"] = os.environ.get("LOADTEST_DB_NAME", LOAD_DB)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
    os.environ["DJANGO_DEBUG"] = "0"
    import django

    django.setup()
    from django.core.management import call_command

    from archive.models import Message

    call_command("migrate", verbosity=0)
    if Message.objects.real().exists():
        return  # ingest is idempotent; `manage.py ingest` again completes a partial load
    if not CORPUS.exists():
        sys.exit(f"{CORPUS} is missing: the load test needs the shared corpus.")
    call_command("ingest", str(CORPUS))


def start_server(port: int) -> subprocess.Popen:
    log = (REPO / ".data" / "loadtest-serve.log").open("w")
    env = {**os.environ, "PORT": str(port)}
    lift_address_limits(env)  # fifty visitors, all from this one address
    env.pop("DJANGO_SETTINGS_MODULE", None)  # make serve sets production settings itself
    env.pop("DJANGO_DEBUG", None)
    # Its own session, so stopping it stops make, gunicorn and every worker.
    return subprocess.Popen(
        ["make", "--no-print-directory", "serve", f"PORT={port}"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip


def wait_until_up(url: str, server: subprocess.Popen | None, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server is not None and server.poll() is not None:
            sys.exit("make serve stopped; see .data/loadtest-serve.log")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    sys.exit(f"{url} did not answer within {timeout:.0f} s")


def stop_server(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)


def main() -> None:
    args = parse_args()
    load_archive()
    serve = hostile.serve_directly if args.direct else start_server
    if args.hostile:
        hostile.main(args, serve, stop_server, wait_until_up)
        return
    urls = targets.discover()
    from django.db import connections

    connections.close_all()
    base = args.url or f"http://127.0.0.1:{args.port}"
    server = None if args.url else serve(args.port)
    try:
        wait_until_up(base + "/", server)
        parts = urlsplit(base)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        if args.warmup:
            client.run(host, port, urls, targets.WEIGHTS, clients=args.clients,
                       seconds=args.warmup)  # fmt: skip
        results = client.run(host, port, urls, targets.WEIGHTS, clients=args.clients,
                             seconds=args.seconds)  # fmt: skip
    finally:
        if server is not None:
            stop_server(server)
    section = report.section(
        results, clients=args.clients, workers=server_workers(), warmup=args.warmup
    )
    print(section)
    for kind, errors in results.errors.items():
        for error in errors[:5]:
            print(f"error ({kind}): {error}", file=sys.stderr)
    if not args.no_write and not args.url:
        report.write_section(REPO / "docs" / "performance.md", section)
    if any(results.errors.values()):
        sys.exit(1)


def server_workers() -> int:
    return int(os.environ.get("WEB_CONCURRENCY") or 2 * (os.cpu_count() or 1) + 1)


if __name__ == "__main__":
    main()
