"""public-inbox beside Threadwork, over HTTP, in the same run (issue 18).

The anchor is Debian's ``public-inbox`` (``make public-inbox`` installs it as
``make chromium`` installs Chromium): linux-rtc's v2 epoch from
``../shared/corpus/repos`` is cloned into a fresh inbox and indexed (``-L
full``, as lore is), then served by ``public-inbox-httpd``. Threadwork is
served as ``make serve`` does (gunicorn, production settings) from the bench
database that ``make bench`` has just ingested.

Latency: one worker each; every URL is asked of both systems, one after the
other (which goes first alternates), each request on a new connection, the
body read to the end. A sample of distinct messages (or queries) per route:
the first pass over them is *cold* (no URL of the pass was ever requested
from a server started just before it), the second pass is *warm* (the same
URLs again). Throughput: eight clients for a few seconds against each
system in turn, each request on a new connection, with the servers' usual
worker counts.

Skipped, with the reason, when the package or the shared bundle is missing.
"""

from __future__ import annotations

import http.client
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

REPO = Path(__file__).resolve().parents[2]
BUNDLE = REPO.parent / "shared" / "corpus" / "repos" / "linux-rtc-public-inbox-epoch0.bundle"
TOOLS = ("public-inbox-init", "public-inbox-index", "public-inbox-httpd", "git")
INBOX = "linux-rtc"  # the inbox's name, the first part of its URLs
SAMPLE = int(os.environ.get("BENCH_ANCHOR_SAMPLE", 120))  # distinct URLs per route
THROUGHPUT_SECONDS = float(os.environ.get("BENCH_ANCHOR_SECONDS", 10))
CLIENTS = 8


def skip_reason() -> str | None:
    """Why the public-inbox part cannot run here, or None when it can."""
    if os.environ.get("BENCH_ANCHOR") == "0":
        return "BENCH_ANCHOR=0"
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        return f"{', '.join(missing)} not installed (`make public-inbox` installs Debian's package)"
    if not BUNDLE.exists():
        return f"{BUNDLE} is missing (../shared is only present for developers and CI)"
    return None


def _version() -> str:
    found = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Version}", "public-inbox"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    return found.stdout.strip() or "unknown"


def build_inbox(root: Path) -> float:
    """A v2 inbox of linux-rtc under ``root``, indexed; returns the seconds it took."""
    env = _pi_env(root)
    inbox = root / "inbox"
    start = time.perf_counter()
    subprocess.run(
        ["public-inbox-init", "-V2", "-L", "full", INBOX, str(inbox),
         f"http://127.0.0.1/{INBOX}", f"{INBOX}@vger.kernel.org"],
        env=env, check=True, capture_output=True,
    )  # fmt: skip
    epoch = inbox / "git" / "0.git"
    shutil.rmtree(epoch)
    subprocess.run(
        ["git", "clone", "--quiet", "--mirror", str(BUNDLE), str(epoch)], env=env, check=True
    )
    # Its duplicate Message-IDs are reported on stderr, one line each: not errors.
    subprocess.run(
        ["public-inbox-index", str(inbox)],
        env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    return time.perf_counter() - start


def _pi_env(root: Path) -> dict[str, str]:
    return {**os.environ, "PI_CONFIG": str(root / "config"), "HOME": str(root)}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_public_inbox(root: Path, port: int, workers: int) -> subprocess.Popen:
    log = (root / "httpd.log").open("w")
    return subprocess.Popen(
        ["public-inbox-httpd", "-W", str(workers), "-l", f"http://127.0.0.1:{port}"],
        env=_pi_env(root), stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip


def start_threadwork(port: int, workers: int) -> subprocess.Popen:
    from tests.loadtest.hostile import serve_directly

    os.environ["WEB_CONCURRENCY"] = str(workers)
    try:
        return serve_directly(port)  # make serve's gunicorn, without make's install step
    finally:
        del os.environ["WEB_CONCURRENCY"]


def stop(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def wait_until_up(port: int, path: str, server: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server for port {port} stopped (exit {server.returncode})")
        try:
            if 0 < fetch(port, path)[0] < 500:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"http://127.0.0.1:{port}{path} did not answer within {timeout:.0f} s")


def fetch(port: int, path: str) -> tuple[int, float]:
    """GET ``path`` on a new connection, read to the end: (status, milliseconds)."""
    start = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        # As a browser asks: public-inbox then gzips its pages, Threadwork does not.
        conn.request("GET", path, headers={"Accept-Encoding": "gzip", "Connection": "close"})
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    status = 0 if response.status == 200 and not body else response.status  # empty: a failure
    return status, (time.perf_counter() - start) * 1000


@dataclass(frozen=True)
class Route:
    name: str
    ours: list[str]
    theirs: list[str]  # empty: Threadwork only (a Patchwork route; Patchwork cannot run here)
    target: str = "ratio ≤ 1.0"
    # public-inbox answers a search that matches nothing with a 404 page: an answer too.
    answers: tuple[int, ...] = (200,)


def routes(rng: random.Random) -> list[Route]:
    """The compared routes, each on its own sample of real messages or words."""
    from django.db.models import Count

    from archive.models import MailingList, Message
    from reviews.links import patch_url
    from reviews.models import Patch

    biggest = MailingList.objects.annotate(n=Count("messages")).order_by("-n").first()
    ours_list = biggest.name if biggest else "all"
    real = list(Message.objects.real().values_list("msgid", flat=True))
    picked = rng.sample(real, min(len(real), SAMPLE * 3))
    chunks = [picked[i * SAMPLE : (i + 1) * SAMPLE] for i in range(3)]

    def pair(msgids: list[str], suffix: str) -> tuple[list[str], list[str]]:
        paths = [quote(m, safe="@") + "/" + suffix for m in msgids]
        return [f"/{ours_list}/{p}" for p in paths], [f"/{INBOX}/{p}" for p in paths]

    queries = _queries(rng)
    patches = list(
        Patch.objects.order_by("?").values_list("id", "project__link_name", "message__msgid")[
            :SAMPLE
        ]
    )
    return [
        Route("message page", *pair(chunks[0], "")),
        Route("thread T/", *pair(chunks[1], "T/")),
        Route("t.mbox.gz", *pair(chunks[2], "t.mbox.gz")),
        Route(
            "search",
            [f"/{ours_list}/?q={quote(q)}" for q in queries],
            [f"/{INBOX}/?q={quote(q)}" for q in queries],
            answers=(200, 404),
        ),
        Route(
            "patch page",
            [patch_url(link, msgid) for _, link, msgid in patches],
            [],
            "cold p50 ≤ 15 ms",
        ),
        Route(
            "API patch detail",
            [f"/api/1.3/patches/{pk}/" for pk, _, _ in patches],
            [],
            "cold p50 ≤ 10 ms",
        ),
    ]


def _queries(rng: random.Random) -> list[str]:
    """Distinct queries both systems read alike: subject and body words, never repeated."""
    import re

    from archive.models import Message

    subjects = Message.objects.real().values_list("subject", flat=True)
    words = sorted({w.lower() for s in subjects for w in re.findall(r"\b[a-zA-Z]{5,12}\b", s)})
    picked = rng.sample(words, min(len(words), SAMPLE))
    return [f"{'s' if i % 2 else 'b'}:{w}" for i, w in enumerate(picked)]


def _stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    if not ordered:
        return {"p50": 0.0, "p99": 0.0, "n": 0}
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return {"p50": statistics.median(ordered), "p99": p99, "n": len(ordered)}


def latency(route: Route, ours: int, theirs: int | None) -> dict[str, Any]:
    """Cold then warm passes over the route's URLs, alternating the systems."""
    row: dict[str, Any] = {"name": route.name, "target": route.target}
    for phase in ("cold", "warm"):
        times: dict[str, list[float]] = {"ours": [], "theirs": []}
        errors: list[str] = []
        for i, path in enumerate(route.ours):
            asks: list[tuple[str, int, str]] = [("ours", ours, path)]
            if theirs is not None and route.theirs:
                asks.append(("theirs", theirs, route.theirs[i]))
            for who, port, url in asks if i % 2 else asks[::-1]:
                status, ms = fetch(port, url)
                if status in route.answers:
                    times[who].append(ms)
                elif len(errors) < 3:
                    errors.append(f"{who} HTTP {status} at {url}")
        row[phase] = {who: _stats(samples) for who, samples in times.items()}
        row[f"{phase} errors"] = errors
    return row


def throughput(port: int, paths: list[str], seconds: float) -> dict[str, float]:
    """``CLIENTS`` closed-loop clients, a new connection per request: requests a second."""
    done: list[int] = []
    failed: list[int] = []
    stop_at = time.monotonic() + seconds
    lock = threading.Lock()

    def client(n: int) -> None:
        rng, ok, bad = random.Random(n), 0, 0
        while time.monotonic() < stop_at:
            try:
                status, _ = fetch(port, rng.choice(paths))
            except OSError:
                status = 0
            ok, bad = (ok + 1, bad) if status == 200 else (ok, bad + 1)
        with lock:
            done.append(ok)
            failed.append(bad)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    return {"rate": sum(done) / elapsed, "errors": sum(failed)}


def _serving(
    workers_ours: int, workers_theirs: int, root: Path, body: Callable[[int, int], Any]
) -> Any:
    """Start both servers, wait for them, run ``body(our_port, their_port)``, stop them."""
    from django.db import connections

    connections.close_all()  # the servers are other processes; no connection held here
    ours_port, theirs_port = _free_port(), _free_port()
    theirs = start_public_inbox(root, theirs_port, workers_theirs)
    ours = start_threadwork(ours_port, workers_ours)
    try:
        wait_until_up(ours_port, "/favicon.ico", ours)  # touches no page cache
        wait_until_up(theirs_port, f"/{INBOX}/_/text/help/", theirs)
        return body(ours_port, theirs_port)
    finally:
        stop(ours)
        stop(theirs)


def measure() -> dict[str, Any]:
    """The whole comparison; {"skipped": reason} when it cannot run here."""
    reason = skip_reason()
    if reason:
        print(f"public-inbox part skipped: {reason}")
        return {"skipped": reason}
    rng = random.Random(18)
    picked = routes(rng)
    with tempfile.TemporaryDirectory(prefix="bench-public-inbox-") as tmp:
        root = Path(tmp)
        index_seconds = build_inbox(root)
        return {"version": _version(), "index seconds": index_seconds, **side_by_side(root, picked)}


def side_by_side(root: Path, picked: list[Route]) -> dict[str, Any]:
    """Latency rows, then throughput, against the inbox under ``root`` and the configured
    database (anchor_growth.py runs it at ten times linux-rtc too)."""
    message_paths = picked[0]
    rows = _serving(1, 1, root, lambda o, t: [latency(r, o, t) for r in picked])
    cores = os.cpu_count() or 2

    def rates(o: int, t: int) -> dict[str, Any]:
        for port, paths in ((o, message_paths.ours), (t, message_paths.theirs)):
            for path in paths:  # every page requested once: the rates are warm ones
                fetch(port, path)
        return {
            "ours": throughput(o, message_paths.ours, THROUGHPUT_SECONDS),
            "theirs": throughput(t, message_paths.theirs, THROUGHPUT_SECONDS),
            "ours workers": 2 * cores + 1,
            "theirs workers": cores,
        }

    rate = _serving(2 * cores + 1, cores, root, rates) if THROUGHPUT_SECONDS > 0 else None
    return {
        "rows": rows,
        "throughput": rate,
        "sample": SAMPLE,
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


HEADING = "## Side by side with public-inbox"


def section(result: dict[str, Any], ingest_seconds: float | None) -> str:
    """The side-by-side section of docs/performance.md."""
    if "skipped" in result:
        return f"{HEADING}\n\nNot measured in this run: {result['skipped']}.\n"
    ours_ingest = f"{ingest_seconds:.1f} s" if ingest_seconds else "-"
    lines = [
        HEADING,
        "",
        f"Measured by `make bench` on {result['when']} (`tests/bench/anchor.py`), over HTTP on "
        f"this machine: Threadwork as `make serve` runs it (gunicorn, production settings) and "
        f"Debian's public-inbox {result['version']} (`public-inbox-httpd`), one worker each, "
        "serving the same linux-rtc. Each URL is asked of both, one after the other (which "
        "goes first alternates), on a new connection per request, the whole body read; "
        "`Accept-Encoding: gzip` as a browser sends it (public-inbox then gzips its pages). "
        f"Each route samples {result['sample']} distinct messages (or queries of distinct "
        "subject and body words, `s:` and `b:` alternating).",
        "",
        "- **cold**: the first request of each URL, from servers started just before the "
        "pass: no page of it is in Threadwork's render cache, nothing of it in public-inbox's "
        "process. Both servers' data files are in the OS page cache (the inbox was just "
        "indexed, the database just ingested and read by the in-process pass), and "
        "PostgreSQL's shared buffers are not emptied (the server is shared): this is the "
        "first visitor of a page on a running site, not a machine after a reboot.",
        "- **warm**: the same URLs again, right after.",
        "- ratio: Threadwork's time / public-inbox's (target ≤ 1.0). Patchwork cannot be "
        "installed from the package sources this project uses, so the patch page and the "
        "API patch detail have targets of their own (issue 18, from Patchwork measured "
        "elsewhere) and no anchor column.",
    ]
    theirs_ingest = f"{result['index seconds']:.1f} s"
    measure = "linux-rtc in (ingest / clone + `public-inbox-index -L full`)"
    return "\n".join(lines + tables(result, measure, ours_ingest, theirs_ingest)) + "\n"


def tables(result: dict[str, Any], measure: str, ours_in: str, theirs_in: str) -> list[str]:
    """The side by side's tables: the archive's load time (``measure``), throughput, then
    cold and warm latency; anchor_growth.py writes them at ten times linux-rtc too."""
    lines = [
        "",
        "| measure | Threadwork | public-inbox |",
        "| --- | --- | --- |",
        f"| {measure} | {ours_in} | {theirs_in} |",
    ]
    rate = result.get("throughput")
    if rate:
        lines.append(
            f"| message pages a second, {CLIENTS} clients, new connection each "
            f"({rate['ours workers']} / {rate['theirs workers']} workers) "
            f"| {rate['ours']['rate']:.0f} | {rate['theirs']['rate']:.0f} |"
        )
    for phase in ("cold", "warm"):
        lines += [
            "",
            f"| {phase} | Threadwork p50 | public-inbox p50 | ratio | Threadwork p99 "
            "| public-inbox p99 | ratio | target | |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        lines += [_row(row, phase) for row in result["rows"]]
    errors = [e for row in result["rows"] for p in ("cold", "warm") for e in row[f"{p} errors"]]
    if errors:
        lines += ["", "Failed requests (first few): " + "; ".join(f"`{e}`" for e in errors[:6])]
    return lines


def _row(row: dict[str, Any], phase: str) -> str:
    ours, theirs = row[phase]["ours"], row[phase]["theirs"]

    def ms(stats: dict[str, float], key: str) -> str:
        return f"{stats[key]:.1f}" if stats["n"] else "-"

    def ratio(key: str) -> str:
        return f"{ours[key] / theirs[key]:.2f}" if ours["n"] and theirs["n"] else "-"

    return (
        f"| {row['name']} | {ms(ours, 'p50')} | {ms(theirs, 'p50')} | {ratio('p50')} "
        f"| {ms(ours, 'p99')} | {ms(theirs, 'p99')} | {ratio('p99')} | {row['target']} "
        f"| {_verdict(row, phase)} |"
    )


def _verdict(row: dict[str, Any], phase: str) -> str:
    ours, theirs = row[phase]["ours"], row[phase]["theirs"]
    if not ours["n"]:
        return "**failed**"
    if theirs["n"]:
        ok = ours["p50"] <= theirs["p50"] and ours["p99"] <= theirs["p99"]
        return "ok" if ok else "**behind**"
    limit = {"patch page": 15.0, "API patch detail": 10.0}.get(row["name"])
    if limit is None or phase != "cold":
        return ""
    return "ok" if ours["p50"] <= limit else "**over**"
