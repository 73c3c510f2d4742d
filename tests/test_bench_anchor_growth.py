# SPDX-License-Identifier: AGPL-3.0-or-later
"""public-inbox at ten times linux-rtc (tests/bench/anchor_growth.py): the cached inbox's key,
the same tagged Message-IDs as the growth database, and the section it writes."""

from __future__ import annotations

import fcntl
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.bench import anchor, anchor_growth, growth

DATA = Path(__file__).parent / "data" / "bench"
THREAD = DATA / "patch-and-reply.mbox"


def test_cache_key_names_the_corpus_by_content_the_copies_and_the_version(
    tmp_path: Path,
) -> None:
    one, same, other = tmp_path / "a.mbox", tmp_path / "b.mbox", tmp_path / "c.mbox"
    one.write_bytes(b"From x\n\nbody\n")
    same.write_bytes(b"From x\n\nbody\n")
    other.write_bytes(b"From x\n\nbody!\n")
    key = anchor_growth.cache_key(one, 10, "1.9.0-1")
    assert key.startswith("a-x10-") and key.endswith("-pi1.9.0_1")
    # Same bytes elsewhere: same digest part; other bytes, copies or version: another key.
    assert key.split("-")[2] == anchor_growth.cache_key(same, 10, "1.9.0-1").split("-")[2]
    assert anchor_growth.cache_key(other, 10, "1.9.0-1") != key
    assert anchor_growth.cache_key(one, 20, "1.9.0-1") != key
    assert anchor_growth.cache_key(one, 10, "1.10.0-1") != key


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_fast_import_stream_makes_one_commit_a_message_at_m(tmp_path: Path) -> None:
    mails = [growth.rewrite_message_ids(m.data, 3) for m in growth.iter_source(str(THREAD))]
    repo = tmp_path / "0.git"
    subprocess.run(["git", "init", "--quiet", "--bare", str(repo)], check=True)
    stream = b"".join(anchor_growth.fast_import_stream(mails))
    subprocess.run(["git", "--git-dir", str(repo), "fast-import", "--quiet", "--done"],
                   input=stream, check=True)  # fmt: skip

    def git(*args: str) -> bytes:
        return subprocess.run(["git", "--git-dir", str(repo), *args],
                              capture_output=True, check=True).stdout  # fmt: skip

    assert git("show", "master:m") == mails[1]
    assert git("show", "master~1:m") == mails[0]
    assert git("ls-tree", "--name-only", "master").split() == [b"m"]
    # The commit time is the message's Date (Mon, 4 Mar 2024 11:30:00 +0000).
    assert git("log", "-1", "--format=%ct", "master").strip() == b"1709551800"
    assert b"Message-ID: <reply-1.g3@example.org>" in mails[1]


def _public_inbox_missing() -> str | None:
    missing = [t for t in anchor.TOOLS if shutil.which(t) is None]
    return f"{', '.join(missing)} not installed" if missing else None


@pytest.mark.skipif(_public_inbox_missing() is not None, reason=str(_public_inbox_missing()))
def test_built_inbox_holds_every_copy_under_growths_message_ids(tmp_path: Path) -> None:
    root, record = anchor_growth.build(2, corpus=THREAD, cache=tmp_path, log=None)
    assert record["messages"] == 4 and record["copies"] == 2
    db = sqlite3.connect(root / "inbox" / "msgmap.sqlite3")
    mids = {mid for (mid,) in db.execute("SELECT mid FROM msgmap")}
    db.close()
    # The ids growth.py gives each copy: the URLs of both systems name the same mail.
    assert mids == {"patch-1.g0@example.org", "reply-1.g0@example.org",
                    "patch-1.g1@example.org", "reply-1.g1@example.org"}  # fmt: skip
    # A second call finds the complete build instead of building again.
    assert anchor_growth.build(2, corpus=THREAD, cache=tmp_path) == (root, record)
    # One whose index was interrupted (no built.json) resumes the index, not the import.
    (root / anchor_growth.BUILT).unlink()
    head = (root / "inbox" / "git" / "0.git" / "refs" / "heads" / "master").read_text()
    _, resumed = anchor_growth.build(2, corpus=THREAD, cache=tmp_path)
    assert resumed["import seconds"] == record["import seconds"]
    assert "interrupted 1 time(s)" in resumed["note"]
    assert (root / "inbox" / "git" / "0.git" / "refs" / "heads" / "master").read_text() == head


def test_a_complete_build_is_reused_and_one_in_progress_is_left_alone(tmp_path: Path) -> None:
    root = anchor_growth.inbox_folder(10, THREAD, tmp_path)
    root.mkdir(parents=True)
    (root / "half-written").write_text("")
    with (tmp_path / f"{root.name}.lock").open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(anchor_growth.BuildInProgress):
            anchor_growth.build(10, THREAD, tmp_path, wait=False)
    assert (root / "half-written").exists()
    (root / anchor_growth.BUILT).write_text('{"when": "earlier", "messages": 20}')
    found = anchor_growth.build(10, THREAD, tmp_path, wait=False)
    assert found == (root, {"when": "earlier", "messages": 20})


def _result() -> dict:
    stats = {"p50": 4.0, "p99": 8.0, "n": 10}
    slow = {"p50": 8.0, "p99": 16.0, "n": 10}
    row = {"name": "message page", "target": "ratio ≤ 1.0",
           "cold": {"ours": slow, "theirs": stats}, "warm": {"ours": stats, "theirs": slow},
           "cold errors": [], "warm errors": []}  # fmt: skip
    return {
        "copies": 10, "version": "1.9.0-1", "folder": ".data/bench-public-inbox/k",
        "ingest seconds": 1180.4, "rows": [row], "throughput": None, "sample": 120,
        "when": "2026-12-06 18:00 UTC",
        "build": {"messages": 172320, "import seconds": 61.2, "index seconds": 1300.7,
                  "when": "2026-12-06 17:20 UTC", "load average at the end": 3.2},
    }  # fmt: skip


def test_section_sets_the_ten_copy_tables_beside_the_build_times() -> None:
    text = anchor_growth.section(_result())
    assert text.startswith("## Side by side at ten times linux-rtc, with public-inbox\n")
    assert "built on 2026-12-06 17:20 UTC" in text and "`.data/bench-public-inbox/k`" in text
    assert "| 1180.4 s | 1361.9 s (61 s import + 1301 s index) |" in text
    assert (
        "| message page | 8.0 | 4.0 | 2.00 | 16.0 | 8.0 | 2.00 | ratio ≤ 1.0 | **behind** |" in text
    )
    assert "| message page | 4.0 | 8.0 | 0.50 | 8.0 | 16.0 | 0.50 | ratio ≤ 1.0 | ok |" in text


DOC = """# Performance

## Side by side with public-inbox

17k tables.

## Growth: ten times linux-rtc

| ingest of 10 copies | 172320 msgs in 1180.4 s = **146 msg/s** |

## Hand written

kept.
"""


def test_section_goes_after_the_17k_one_then_replaces_itself(tmp_path: Path) -> None:
    first = anchor_growth.with_section(DOC, anchor_growth.section(_result()))
    assert first.index("17k tables.") < first.index("## Side by side at") < first.index("## Gro")
    assert "17k tables." in first and "kept." in first
    again = _result() | {"when": "later"}
    second = anchor_growth.with_section(first, anchor_growth.section(again))
    assert second.count("## Side by side at") == 1 and "Measured on later" in second
    assert second.replace("later", "2026-12-06 18:00 UTC") == first
    doc = tmp_path / "performance.md"
    doc.write_text(second)
    assert anchor_growth.last_growth_ingest(doc, 10) == 1180.4
    assert anchor_growth.last_growth_ingest(doc, 20) is None
    # A run that skipped this part keeps the last section rather than erase it.
    kept = anchor_growth.report_lines({"anchor": {"skipped": "no package", "copies": 10}}, doc)
    assert "Measured on later" in "\n".join(kept)


@pytest.mark.skipif(not anchor_growth.CORPUS.exists(), reason="needs ../shared's corpus")
def test_make_bench_skips_an_inbox_not_built_instead_of_building_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 10x index takes over an hour: make bench must not start one on its own."""
    monkeypatch.setattr(anchor_growth, "CACHE", tmp_path)
    monkeypatch.setattr(anchor_growth.anchor, "skip_reason", lambda: None)
    monkeypatch.setattr(anchor_growth, "_version", lambda: "1.9.0-1")
    monkeypatch.setattr(
        anchor_growth, "build", lambda *a, **k: pytest.fail("make bench started a build")
    )
    result = anchor_growth.measure(10, 100.0)
    assert result["copies"] == 10 and "is not built" in result["skipped"]
    assert "--build" in result["skipped"] and not any(tmp_path.iterdir())
    root = anchor_growth.inbox_folder(10, anchor_growth.CORPUS, tmp_path)
    root.mkdir()
    (root / anchor_growth.IMPORTED).write_text("{}")  # imported, index under way
    assert "is being built" in anchor_growth.measure(10, None)["skipped"]


def test_the_databases_own_folder_is_found_to_read_it_through(db) -> None:
    from django.db import connection

    folder = anchor_growth.database_folder()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_relation_filepath('archive_message')")
        relation = cursor.fetchone()[0]  # base/<database oid>/<file>, under the data folder
    assert folder.is_dir()
    assert (folder / Path(relation).name).is_file()
