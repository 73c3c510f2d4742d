"""public-inbox beside Threadwork at ten times linux-rtc (issue 18's 10x targets).

The growth part of ``make bench`` (tests/bench/growth.py) loads linux-rtc N
times into ``threadwork_growth``, each copy with its Message-IDs tagged by
``growth.iter_copies``. Here the very same stream of N copies goes into a
public-inbox v2 inbox (``git fast-import`` into the epoch layout: one commit a
message, its blob at ``m``, as public-inbox writes it, then
``public-inbox-index -L full`` with a bulk index's options), so every URL of
the comparison names the same message on both systems; then anchor.py's side
by side runs against the two.

Indexing 172k messages takes long (over ten times the 17k index: Xapian
slows as it grows; over an hour of one core here, more than the rest of
``make bench``), and is no measurement of ours: the inbox is built once, niced,
by ``--build`` below, and kept under ``.data/bench-public-inbox/`` keyed by the
corpus's checksum, the number of copies and the public-inbox version. ``make
bench`` only measures against a built inbox; without one it skips this part
(saying why) and keeps the last section. The report says when the inbox was
built and what its import and index took. An index that was interrupted is
resumed where it stopped; a half-imported folder is built anew.

``python -m tests.bench.anchor_growth --build`` builds (or finds) the inbox
alone: run it outside the bench lock. ``--measure`` runs the side by side
against an existing growth database (``threadwork_growth``, or ``--database``
a copy of it; it is served as make serve does, migrate included) and rewrites
its section of docs/performance.md (``--no-doc``: print it only); run that one
under ``flock /tmp/threadwork-bench.lock``.
"""

from __future__ import annotations

import argparse
import email.utils
import fcntl
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from tests import docsections
from tests.bench import anchor, growth

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpus" / "linux-rtc.mbox.gz"
CACHE = REPO / ".data" / "bench-public-inbox"
DOC = REPO / "docs" / "performance.md"
MIN_COPIES = 10  # make bench runs this part only from ten copies up
HEADING = "## Side by side at"  # then "ten times linux-rtc, with public-inbox"
BUILT = "built.json"  # written last: a folder without it is an interrupted build
IMPORTED = "imported.json"  # the mail is all in git: an interrupted index is resumed
NICE = ["nice", "-n", "10"]
# An initial bulk index, as public-inbox-index(1) advises for one: large batches
# (fewer Xapian commits), no fsync (a rebuildable cache; a crash mid-build leaves
# no BUILT file), and no shard processes (two cores, shared). With the defaults the
# 17k part uses, the first try ran at 17 messages a second on the loaded machine.
INDEX_OPTIONS = ["--no-fsync", "--batch-size=100m", "--jobs=0"]


def cache_key(corpus: Path, copies: int, version: str) -> str:
    """The folder name of the inbox for ``copies`` copies of ``corpus`` under ``version``.

    The corpus is named by its content (sha256), not its path or date, so a
    replaced corpus gets a new inbox and a touched one keeps the old.
    """
    digest = hashlib.sha256()
    with corpus.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    safe_version = re.sub(r"[^A-Za-z0-9.]+", "_", version)
    return f"{corpus.name.split('.')[0]}-x{copies}-{digest.hexdigest()[:16]}-pi{safe_version}"


_DATE = re.compile(rb"^date[ \t]*:[ \t]*(.*)$", re.I | re.M)
_HEADER_END = re.compile(rb"\r?\n\r?\n")


def _timestamp(data: bytes, fallback: int) -> int:
    """The message's Date as seconds, or ``fallback`` when it has none that parses."""
    end = _HEADER_END.search(data)
    found = _DATE.search(data, 0, end.start() if end else len(data))
    if found:
        parsed = email.utils.parsedate_tz(found.group(1).decode("latin-1").strip())
        if parsed:
            try:
                return int(email.utils.mktime_tz(parsed))
            except (OverflowError, ValueError):
                pass
    return fallback


def fast_import_stream(
    messages: Iterable[bytes], branch: bytes = b"refs/heads/master"
) -> Iterator[bytes]:
    """``git fast-import`` input for a v2 epoch: one commit per message, its blob at ``m``.

    That is the layout public-inbox's own writer uses (and what
    ``public-inbox-index`` reads). The commit time is the message's Date
    (public-inbox takes its received time from it when there is no Received
    header it trusts), else the previous message's.
    """
    when = 0
    for data in messages:
        when = _timestamp(data, when)
        who = b"bench <bench@localhost> %d +0000" % max(when, 0)
        yield (
            b"commit %s\nauthor %s\ncommitter %s\ndata 2\nm\n\nM 100644 inline m\ndata %d\n"
            % (branch, who, who, len(data))
        )
        yield data
        yield b"\n"
    yield b"done\n"


def _version() -> str:
    return anchor._version()


def inbox_folder(copies: int, corpus: Path = CORPUS, cache: Path = CACHE) -> Path:
    return cache / cache_key(corpus, copies, _version())


def built(root: Path) -> dict[str, Any] | None:
    """What the build of the inbox under ``root`` recorded, or None when it is not complete."""
    return _recorded(root / BUILT)


class BuildInProgress(Exception):
    """Another process is building this inbox now."""


def build(
    copies: int,
    corpus: Path = CORPUS,
    cache: Path = CACHE,
    log: Any = sys.stderr,
    *,
    wait: bool = True,
) -> tuple[Path, dict[str, Any]]:
    """The inbox of ``copies`` copies of ``corpus``, built now (niced) unless a complete one
    is cached; and what its build recorded.

    A build holds ``<folder>.lock``: another build of the same inbox waits for it
    (``wait``), or raises BuildInProgress, rather than remove a folder being written.
    """
    root = inbox_folder(copies, corpus, cache)
    cache.mkdir(parents=True, exist_ok=True)
    with (cache / f"{root.name}.lock").open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise BuildInProgress(f"{root} is being built by another process") from None
        found = built(root)
        if found:
            return root, found
        imported = _recorded(root / IMPORTED)
        if imported is None:
            if root.exists():
                shutil.rmtree(root)  # interrupted before its mail was all in git
            imported = _import(root, corpus, copies, log)
        else:  # interrupted while indexing: public-inbox-index carries on where it stopped
            imported["index runs before"] = imported.get("index runs before", 0) + 1
            (root / IMPORTED).write_text(json.dumps(imported, indent=1))
        return root, _index(root, imported, log)


def _recorded(path: Path) -> dict[str, Any] | None:
    try:
        return dict(json.loads(path.read_text()))
    except (OSError, ValueError):
        return None


def _import(root: Path, corpus: Path, copies: int, log: Any) -> dict[str, Any]:
    """A new v2 inbox under ``root`` whose epoch holds the copies; what it took."""
    root.mkdir(parents=True)
    env = anchor._pi_env(root)
    inbox = root / "inbox"
    print(f"public-inbox at {copies}x: building {root}", file=log, flush=True)
    start = time.perf_counter()
    subprocess.run(
        ["public-inbox-init", "-V2", "-L", "full", anchor.INBOX, str(inbox),
         f"http://127.0.0.1/{anchor.INBOX}", f"{anchor.INBOX}@vger.kernel.org"],
        env=env, check=True, capture_output=True,
    )  # fmt: skip
    epoch = inbox / "git" / "0.git"
    shutil.rmtree(epoch)
    subprocess.run(["git", "init", "--quiet", "--bare", str(epoch)], env=env, check=True)
    importer = subprocess.Popen(
        [*NICE, "git", "fast-import", "--quiet", "--done"],
        cwd=epoch, env={**env, "GIT_DIR": str(epoch)}, stdin=subprocess.PIPE,
    )  # fmt: skip
    assert importer.stdin is not None
    count = 0

    def mails() -> Iterator[bytes]:
        nonlocal count
        for mail in growth.iter_copies(str(corpus), copies):  # what growth.run ingests
            count += 1
            yield mail.data

    for chunk in fast_import_stream(mails()):
        importer.stdin.write(chunk)
    importer.stdin.close()
    if importer.wait() != 0:
        raise RuntimeError(f"git fast-import failed (exit {importer.returncode})")
    # fast-import deltas each blob against the one before, in chains up to 50 long
    # (a random message 1 ms to read at 10x against 0.2 at 17k); a repository
    # public-inbox serves is repacked (lore's bundle: chains of at most 8). The
    # copies' near-identical mail packs small: 535 -> 105 MB at 10x, 3 min niced.
    subprocess.run([*NICE, "git", "repack", "-adfq", "--window=10", "--depth=50"],
                   cwd=epoch, env={**env, "GIT_DIR": str(epoch)}, check=True)  # fmt: skip
    imported = {"copies": copies, "messages": count, "import seconds": time.perf_counter() - start}
    print(f"public-inbox at {copies}x: {count} messages imported in "
          f"{imported['import seconds']:.0f} s; indexing", file=log, flush=True)  # fmt: skip
    (root / IMPORTED).write_text(json.dumps(imported, indent=1))
    return imported


def _index(root: Path, imported: dict[str, Any], log: Any) -> dict[str, Any]:
    """Index the imported inbox (or resume its index); the build's record, written last."""
    start = time.perf_counter()
    # Duplicate Message-IDs are reported on stderr, one line each: not errors.
    subprocess.run(
        [*NICE, "public-inbox-index", *INDEX_OPTIONS, str(root / "inbox")],
        env=anchor._pi_env(root), check=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    record = {
        **imported,
        "index seconds": time.perf_counter() - start,
        "version": _version(),
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "load average at the end": os.getloadavg()[0],
    }
    if imported.get("index runs before"):
        record["note"] = (
            f"its index was interrupted {imported['index runs before']} time(s) and resumed; "
            "the index time is the last run's only."
        )
    print(f"public-inbox at {imported['copies']}x: indexed in {record['index seconds']:.0f} s",
          file=log, flush=True)  # fmt: skip
    (root / BUILT).write_text(json.dumps(record, indent=1))
    return record


def not_built(root: Path) -> str:
    """Why the side by side cannot run: its inbox is not built (or is being built)."""
    state = "being built" if (root / IMPORTED).exists() else "not built"
    return (
        f"the inbox {root.name} is {state}: `python -m tests.bench.anchor_growth --build` "
        "builds it, once per machine (over an hour)"
    )


def measure(copies: int, ingest_seconds: float | None) -> dict[str, Any]:
    """The side by side against the configured (growth) database; {"skipped": why} if it
    cannot run. Django must be set up on that database."""
    reason = anchor.skip_reason() or (None if CORPUS.exists() else f"{CORPUS} is missing")
    if reason:
        return {"skipped": reason, "copies": copies}
    root = inbox_folder(copies, CORPUS, CACHE)
    record = built(root)
    if record is None:
        # make bench never starts (nor waits for) the index: at ten copies it takes
        # over an hour of one core here, more than a whole bench run.
        return {"skipped": not_built(root), "copies": copies}
    picked = anchor.routes(random.Random(18))  # the 17k run's seed: the same kinds of sample
    read_through(root / "inbox")
    read_through(database_folder())
    return {
        "copies": copies,
        "version": record["version"],
        "build": record,
        "folder": str(root.relative_to(REPO)),
        "ingest seconds": ingest_seconds,
        **anchor.side_by_side(root, picked),
    }


def database_folder() -> Path:
    """The configured database's own folder on the (embedded, local) server: read
    through like the inbox, since a database measured on its own (``--measure``)
    may have been evicted by other work since it was loaded."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('data_directory'), oid FROM pg_database"
            " WHERE datname = current_database()"
        )
        data, oid = cursor.fetchone()
    return Path(data) / "base" / str(oid)


def read_through(folder: Path) -> None:
    """Read every file under ``folder`` once, into the OS page cache.

    "Cold" means as at 17k: the first visitor of a page on a running site, whose
    data files are in the page cache (there, just indexed and just ingested). An
    inbox built hours before may have been evicted since; the growth database
    has just been loaded and read by the in-process pass.
    """
    for path in folder.rglob("*"):
        if path.is_file():
            with path.open("rb") as stream:
                while stream.read(1 << 20):
                    pass


def measure_safely(copies: int, ingest_seconds: float | None) -> dict[str, Any]:
    """``measure``, whose failure costs this section only, never the rest of make bench."""
    try:
        return measure(copies, ingest_seconds)
    except Exception as exc:
        print(f"public-inbox at {copies}x failed: {exc!r}", file=sys.stderr)
        return {"skipped": f"it failed: {exc!r:.120}", "copies": copies}


def heading(copies: int) -> str:
    from tests.bench.report import times_words

    return f"{HEADING} {times_words(copies)} linux-rtc, with public-inbox"


def section(result: dict[str, Any]) -> str:
    """This part's section of docs/performance.md, written beside the 17k side by side."""
    n = result["copies"]
    if "skipped" in result:
        return f"{heading(n)}\n\nNot measured in this run: {result['skipped']}.\n"
    b = result["build"]
    lines = [
        heading(n),
        "",
        f"Measured on {result['when']} (`tests/bench/anchor_growth.py`) as the 17k side by "
        f"side above (same routes, sample sizes, cold and warm passes, throughput), with both "
        f"systems holding linux-rtc {n} times under the same tagged Message-IDs "
        "(`growth.iter_copies`), so every URL names the same message on both: Threadwork "
        "serving the growth database, public-inbox "
        f"{result['version']} a v2 inbox of the same {b['messages']} messages (`git "
        "fast-import` into the v2 epoch layout, one commit a message as public-inbox writes "
        "them, `git repack -adf` as a served inbox is, then `public-inbox-index -L full "
        f"{' '.join(INDEX_OPTIONS)}`, a bulk index's options: the 17k inbox is indexed "
        "with the defaults). That inbox is built once (niced, outside the bench lock when "
        "built by `python -m tests.bench.anchor_growth --build`) and kept "
        f"in `{result['folder']}`, keyed by the corpus's checksum, the number of copies and "
        f"the public-inbox version; the one measured here was built on {b['when']}, so its "
        "import and index times below are from that build (on a shared machine, load "
        f"{b.get('load average at the end', 0):.1f} when it ended), not from this run.",
    ]
    if b.get("note"):  # how a build differed from this code's, when it did
        lines[-1] += f" About that build: {b['note']}"
    ours = result.get("ingest seconds")
    ours_in = f"{ours:.1f} s" if ours else "-"
    theirs_in = (
        f"{b['import seconds'] + b['index seconds']:.1f} s ({b['import seconds']:.0f} s "
        f"import + {b['index seconds']:.0f} s index)"
    )
    measure_name = f"{n} copies in (growth ingest / fast-import + `public-inbox-index -L full`)"
    lines += anchor.tables(result, measure_name, ours_in, theirs_in)
    return "\n".join(lines) + "\n"


def report_lines(growth_result: dict[str, Any] | None, doc: Path) -> list[str]:
    """For report.render: this run's section, else the last one written (kept, not erased)."""
    result = (growth_result or {}).get("anchor")
    previous = current_section(doc)
    if not result or ("skipped" in result and previous):
        return ["", previous.rstrip("\n")] if previous else []
    return ["", section(result).rstrip("\n")]


def current_section(doc: Path) -> str:
    return current_section_text(doc.read_text() if doc.exists() else "")


def with_section(current: str, text: str) -> str:
    """``current`` (docs/performance.md) with this section replaced, else put right after the
    17k side by side (as report.render places it), else at the end."""
    return docsections.with_section(current, f"{HEADING} ", text, after=anchor.HEADING + "\n")


def current_section_text(text: str) -> str:
    return docsections.section_text(text, f"{HEADING} ")


_GROWTH_INGEST = re.compile(r"^\| ingest of (\d+) copies \| \d+ msgs in ([\d.]+) s", re.M)


def last_growth_ingest(doc: Path, copies: int) -> float | None:
    """The growth ingest time of ``copies`` copies last written to ``doc``, if any."""
    found = _GROWTH_INGEST.search(doc.read_text() if doc.exists() else "")
    return float(found.group(2)) if found and int(found.group(1)) == copies else None


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.anchor_growth")
    parser.add_argument("--build", action="store_true", help="build (or find) the inbox only")
    parser.add_argument("--measure", action="store_true",
                        help="side by side against an existing growth database")  # fmt: skip
    parser.add_argument("--database", default=growth.GROWTH_DB,
                        help="the growth database to serve (default %(default)s)")  # fmt: skip
    parser.add_argument("--no-doc", action="store_true",
                        help="print the section, leave docs/performance.md alone")  # fmt: skip
    args = parser.parse_args()
    copies = max(growth.copies_from_env(), MIN_COPIES)
    reason = anchor.skip_reason() or (None if CORPUS.exists() else f"{CORPUS} is missing")
    if reason:
        sys.exit(f"public-inbox at {copies}x skipped: {reason}")
    if not args.measure:
        root, record = build(copies)
        print(f"{root}: {json.dumps(record)}")
        return
    _use_database(args.database)
    result = measure(copies, last_growth_ingest(DOC, copies))
    text = section(result)
    if not args.no_doc:
        DOC.write_text(with_section(DOC.read_text() if DOC.exists() else "", text))
    print(text)


def _use_database(name: str) -> None:
    """Django on the existing database ``name`` of the embedded server (never recreated)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    os.environ["DJANGO_DEBUG"] = "0"
    if os.environ.get("DATABASE_URL"):
        sys.exit("the bench uses the embedded PostgreSQL; unset DATABASE_URL to run it.")
    from tests.bench.scratch import lift_address_limits

    os.environ["THREADWORK_DB_NAME"] = name
    lift_address_limits(os.environ)
    import django

    django.setup()


if __name__ == "__main__":
    main()
