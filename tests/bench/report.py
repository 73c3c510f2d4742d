"""Counting what the benchmark archive holds, and writing docs/performance.md."""

from __future__ import annotations

import os
import platform
import re
from pathlib import Path
from typing import Any

from django.db.models import Count

from tests.docsections import section_text
from tests.loadtest.report import kept_section


def archive_counts(mbox_bytes: int = 0) -> dict[str, Any]:
    from archive.models import Message, QuarantinedMail, Thread
    from reviews.analysis import read_subject
    from reviews.missed import hint_ignored, without_diff
    from reviews.models import Comment, Cover, Patch, Series, Trailer

    cover_subjects = Cover.objects.values_list("message__subject", flat=True)
    trailers = dict(Trailer.objects.values_list("kind").annotate(n=Count("id")).order_by("-n")[:8])
    return {
        "messages": Message.objects.real().count(),
        "ghosts": Message.objects.filter(is_ghost=True).count(),
        "threads": Thread.objects.count(),
        "quarantined": QuarantinedMail.objects.count(),
        "patches": Patch.objects.count(),
        "pull requests": Patch.objects.exclude(pull_url="").count(),
        "mails ignored by X-Patchwork-Hint": hint_ignored().count(),
        "[PATCH] mails without a diff (manage.py missed_patches)": len(without_diff()),
        "covers": Cover.objects.count(),
        "covers without a PATCH tag ([RFC 00/25], [v2,0/1])": sum(
            not read_subject(s).has_patch_tag for s in cover_subjects
        ),
        "series": Series.objects.count(),
        "series with a previous revision": Series.objects.filter(previous__isnull=False).count(),
        "superseded patches": Patch.objects.filter(state__slug="superseded").count(),
        "comments": Comment.objects.count(),
        "trailers": sum(trailers.values()),
        "trailer kinds": trailers,
        **disk_sizes(mbox_bytes),
    }


def mbox_size(path: Path) -> int:
    """Bytes of the mbox as it is read (a .gz uncompressed): what the database is compared to."""
    import gzip

    opener = gzip.open if path.suffix == ".gz" else open
    total = 0
    with opener(path, "rb") as stream:
        while chunk := stream.read(1 << 20):
            total += len(chunk)
    return total


# The database on disk against its mbox (issue 21: at most 1.5 times), after the
# VACUUM both callers run; the growth section sets the two sizes side by side.
DISK_KEYS = ("database on disk after VACUUM, MB", "mbox, MB", "database / mbox (target ≤ 1.5)")


def disk_sizes(mbox_bytes: int = 0) -> dict[str, Any]:
    """What the archive takes on disk (issue 21): the database, and raw mail as stored."""
    from django.db import connection

    with connection.cursor() as cursor:
        # Sizes from the TOAST pointers: no mail is read.
        cursor.execute(
            "SELECT pg_database_size(current_database()), "
            "coalesce(sum(size), 0), coalesce(sum(octet_length(data)), 0) FROM archive_rawmail"
        )
        database, received, stored = cursor.fetchone()
    share = f" ({stored / received:.0%})" if received else ""
    db_mb, mbox_mb = round(database / 1e6), round(mbox_bytes / 1e6)
    return {
        DISK_KEYS[0]: db_mb,
        DISK_KEYS[1]: mbox_mb or "-",
        DISK_KEYS[2]: f"**{database / mbox_bytes:.2f}**" if mbox_bytes else "-",
        "raw mail stored (zstd, archive/rawcodec.py)": (
            f"{stored / 1e6:.1f} MB of {received / 1e6:.1f} MB as received{share}"
        ),
    }


def render(r: dict[str, Any]) -> str:
    floor_count, floor_seconds = r["floor"]
    floor_rate = floor_count / floor_seconds
    ingest = r["ingest"]
    ratio = ingest.rate / floor_rate
    lines = [
        "# Performance",
        "",
        f"Measured by `make bench` on {r['when']}, on this machine ({os.cpu_count()} cores, "
        f"Python {platform.python_version()}), with `../shared/corpus/linux-rtc.mbox.gz` "
        "(17,232 messages). Numbers are rewritten by every run.",
        "",
        "## Ingest",
        "",
        "| measure | result |",
        "| --- | --- |",
        f"| floor: split + parse with Python's `email` (`shared/tools/floor.py`) | "
        f"{floor_count} msgs in {floor_seconds:.1f} s = **{floor_rate:.0f} msg/s** |",
        f"| Threadwork `ingest` (parse, thread, store, patches, series, trailers) | "
        f"{ingest.read} msgs in {ingest.seconds:.1f} s = **{ingest.rate:.0f} msg/s** |",
        f"| ratio ingest / floor (target ≥ 0.5) | **{ratio:.2f}** |",
        f"| summary line | `{ingest.line()}` |",
        f"| second ingest of the same file | `{r['reingest'].line()}` |",
        "",
        "## What linux-rtc becomes",
        "",
        "| thing | count |",
        "| --- | --- |",
    ]
    for key, value in r["counts"].items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in value.items())
        lines.append(f"| {key} | {value} |")
    if r.get("pages"):
        lines += ["", "## Page and API latency (server time, in-process)", "",
                  "| page | requests | p50 ms | p99 ms | target p50 / p99 |",
                  "| --- | --- | --- | --- | --- |"]  # fmt: skip
        for row in r["pages"]:
            lines.append(
                f"| {row['name']} | {row['n']} | {row['p50']:.1f} | {row['p99']:.1f} "
                f"| {row['target']} |"
            )
    doc = Path(__file__).resolve().parents[2] / "docs" / "performance.md"
    lines += _anchor_lines(r, doc)
    from tests.bench import anchor_growth

    # The same side by side at the growth size, beside the 17k one (#18).
    lines += anchor_growth.report_lines(r.get("growth"), doc)
    if r.get("concurrency"):
        lines += ["", concurrency_section(r["concurrency"]).rstrip("\n")]
    if r.get("growth"):
        lines += ["", growth_section(r["growth"], r.get("pages") or [], r["counts"]).rstrip("\n")]
    elif previous := _section(doc, GROWTH_HEADING):
        # BENCH_GROWTH=0 skipped it: keep the last numbers rather than erase them.
        lines += ["", previous.rstrip("\n")]
    from tests.bench import hostile

    # Its mail part is this run's; its requests part comes from the load test.
    mail = hostile.mail_part(r["hostile"]) if r.get("hostile") else None
    if mail or hostile.current_section(doc):
        lines += ["", hostile.section(mail=mail, path=doc).rstrip("\n")]
    # `make loadtest` owns the Load test section: carry its last numbers over.
    kept = kept_section(doc)
    return _with_hand_sections("\n".join(lines) + "\n" + (f"\n{kept}" if kept else ""), doc)


def _anchor_lines(r: dict[str, Any], doc: Path) -> list[str]:
    """public-inbox side by side (tests/bench/anchor.py); a skipped run keeps the last numbers."""
    from tests.bench import anchor

    result = r.get("anchor")
    previous = _section(doc, anchor.HEADING)
    if not result or ("skipped" in result and previous):
        return ["", previous.rstrip("\n")] if previous else []
    return ["", anchor.section(result, r["ingest"].seconds).rstrip("\n")]


def _with_hand_sections(text: str, doc: Path) -> str:
    """``text`` and, after it, the sections of ``doc`` written by hand, as they are."""
    written = set(re.findall(r"^## .*$", text, re.M))
    for heading in re.findall(r"^## .*$", doc.read_text() if doc.exists() else "", re.M):
        if heading not in written and not heading.startswith(GENERATED_HEADINGS):
            text += "\n" + _section(doc, heading).rstrip("\n") + "\n"
    return text


# Headings this report writes (their numbers change from run to run).
GENERATED_HEADINGS = (
    "## Ingest", "## What", "## Page and API latency", "## Concurrent ingest", "## Growth",
    "## Hostile input", "## Load test", "## Side by side",
)  # fmt: skip


def concurrency_section(c: dict[str, Any]) -> str:
    """Four ingests at once on overlapping sources (tests/bench/concurrency.py)."""
    same = {True: "yes", False: "no", None: "not compared"}[c["same_as_serial"]]
    if c.get("differing"):
        same += " (" + ", ".join(f"{n} {table} differ" for table, n in c["differing"].items()) + ")"
    rows = [
        ("processes, started together", str(c["processes"])),
        ("wall time", f"{c['seconds']} s"),
        ("exit statuses", ", ".join(map(str, c["exit_codes"]))),
        ("messages / threads / patches", f"{c['messages']} / {c['threads']} / {c['patches']}"),
        ("messages stored twice", str(c["duplicates"])),
        ("broken archive rules", ", ".join(c["problems"]) if c["problems"] else "none"),
        ("identical to one serial ingest (ids, threads, series, states)", same),
        ("result", "ok" if c["ok"] else "**not ok**"),
    ]
    lines = [
        "## Concurrent ingest",
        "",
        "Four `manage.py ingest` processes at once: linux-rtc twice, and linux-rtc split "
        "in two halves that overlap by a fifth.",
        "",
        "| measure | result |",
        "| --- | --- |",
        *(f"| {k} | {v} |" for k, v in rows),
    ]
    return "\n".join(lines) + "\n"


GROWTH_HEADING = "## Growth:"
_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
# The counts that should scale exactly with the number of copies.
_SCALING = [
    "messages", "ghosts", "threads", "patches", "covers", "series",
    "series with a previous revision", "superseded patches", "comments", "trailers",
    "mails ignored by X-Patchwork-Hint", *DISK_KEYS,
]  # fmt: skip


def times_words(n: int) -> str:
    """``n`` times, in words up to ten ("ten times")."""
    return f"{_WORDS[n]} times" if n < len(_WORDS) else f"{n} times"


def growth_section(g: dict[str, Any], base_pages: list[dict], base_counts: dict[str, Any]) -> str:
    """The Growth section: ingest at N copies, counts and latency beside the 17k ones."""
    n, ingest = g["copies"], g["ingest"]
    times = times_words(n)
    lines = [
        f"{GROWTH_HEADING} {times} linux-rtc",
        "",
        f"Measured by `make bench` on {g['when']} with `BENCH_GROWTH={n}`: linux-rtc loaded "
        f"{n} times into the same list (database `threadwork_growth`), each copy with its own "
        "Message-IDs (`tests/bench/growth.py`), so it threads like the original but apart "
        "from the other copies. Copies share senders, subjects and dates, so the series "
        "heuristics that do not go by Message-ID (same submitter within 12 h; same submitter "
        "and title, or change-id, for revisions) join a few across copies: counted below. "
        "The targets are the 17k ones: page cost must not grow with the archive.",
        "",
        "| measure | result |",
        "| --- | --- |",
        f"| ingest of {n} copies | {ingest['messages']} msgs in {ingest['seconds']:.1f} s "
        f"= **{ingest['msg/s']:.0f} msg/s** |",
        f"| first copy / last copy | {ingest['first copy msg/s']:.0f} msg/s / "
        f"{ingest['last copy msg/s']:.0f} msg/s |",
        f"| of which the import's end: search indexes merged or rebuilt (not in the last copy's "
        f"rate) | {ingest.get('settle seconds', 0.0):.1f} s |",
        f"| summary line | `{ingest['line']}` |",
    ]
    lines += [f"| {key} | {value} |" for key, value in g["leaks"].items()]
    lines += ["", f"| thing | 17k | {n}× | ratio |", "| --- | --- | --- | --- |"]
    for key in _SCALING:
        base, now = base_counts.get(key), g["counts"].get(key)
        numbers = isinstance(base, int) and isinstance(now, int)
        ratio = f"{now / base:.2f}" if numbers and base and now is not None else "-"
        lines.append(f"| {key} | {_or_dash(base)} | {_or_dash(now)} | {ratio} |")
    lines += [
        "",
        f"| page | 17k p50 | 17k p99 | {n}× p50 | {n}× p99 | target p50 / p99 | at {n}× |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    base_by_name = {row["name"]: row for row in base_pages}
    for row in g["pages"]:
        base = base_by_name.get(row["name"], {})
        lines.append(
            f"| {row['name']} | {_ms(base.get('p50'))} | {_ms(base.get('p99'))} "
            f"| {row['p50']:.1f} | {row['p99']:.1f} | {row['target']} | {_verdict(row, n)} |"
        )
    lines += [
        "",
        f"The search mbox returns whole threads of every match: at {n}× each query matches "
        f"{n} times the mail, so its time is judged per message returned (time / {n}).",
    ]
    return "\n".join(lines) + "\n"


# Pages whose answer itself grows with the archive (every copy matches the query).
_RESULT_GROWS = {"POST ?x=m search mbox"}


def _or_dash(value: object) -> str:
    return "-" if value is None else str(value)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _verdict(row: dict, copies: int = 1) -> str:
    """Whether a row is within its "p50 / p99" target: ok, over, failed, or "" (no target)."""
    try:
        p50, p99 = (float(part) for part in row["target"].split("/"))
    except ValueError:
        return ""
    if not row["n"]:
        return "**failed**"
    scale = copies if row["name"] in _RESULT_GROWS else 1
    ok = row["p50"] / scale <= p50 and row["p99"] / scale <= p99
    suffix = f" (per message, {copies}× the mail)" if scale > 1 else ""
    return ("ok" if ok else "**over**") + suffix


def _section(path: Path, heading: str) -> str:
    """The section of ``path`` whose heading starts with ``heading``, up to the next ``## ``."""
    return section_text(path.read_text(), heading) if path.exists() else ""


def baseline_from_doc(path: Path) -> tuple[list[dict], dict[str, Any]]:
    """The 17k page rows and counts last written to ``path``, for a growth-only run."""
    rows: list[dict] = []
    for cells in _table(_section(path, "## Page and API latency")):
        if len(cells) == 5:
            rows.append({"name": cells[0], "p50": _number(cells[2]), "p99": _number(cells[3])})
    table = _table(_section(path, "## What"))
    counts = {c[0]: int(c[1]) for c in table if len(c) > 1 and c[1].isdigit()}
    return rows, counts


def _table(text: str) -> list[list[str]]:
    """Body rows of the markdown tables in ``text``, as stripped cells."""
    rows = [[c.strip() for c in line.strip().strip("|").split("|")]
            for line in text.splitlines() if line.startswith("| ")]  # fmt: skip
    return [r for r in rows if r and not set(r[0]) <= {"-"} and r[0] not in ("page", "thing")]


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None
