"""Revisions without a database: names, pairing like git range-diff, interdiffs."""

from __future__ import annotations

import datetime as dt

from reviews.interdiff import FileStatus, LineKind, interdiff
from reviews.pairing import Pair, PairKind, PatchKey, changed_lines, pair_patches
from reviews.revnames import Posting, is_resend, revision_names

DAY = dt.datetime(2025, 6, 4, tzinfo=dt.UTC)


def test_revisions_are_named_by_version_and_posting():
    postings = [
        Posting(1, 3, False, DAY),
        Posting(2, 3, True, DAY + dt.timedelta(days=5)),
        Posting(3, 2, False, DAY - dt.timedelta(days=30)),
        Posting(4, 3, False, DAY + dt.timedelta(days=9)),
        Posting(5, 3, True, DAY + dt.timedelta(days=20)),
    ]
    assert revision_names(postings) == {
        3: "v2",
        1: "v3",
        2: "v3 RESEND",
        4: "v3 (3rd posting, 2025-06-13)",
        5: "v3 RESEND (4th posting, 2025-06-24)",
    }
    assert is_resend("[RESEND,v14,1/7] mfd: x") and is_resend("[PATCH RESEND v2 0/3] x")
    assert not is_resend("[v2,1/3] rtc: resend the alarm")


def _diff(*changes: str) -> str:
    body = "".join(f"{c}\n" for c in changes)
    return f"diff --git a/x.c b/x.c\n--- a/x.c\n+++ b/x.c\n@@ -1,1 +1,1 @@\n{body}"


def test_pairing_by_patch_id_then_title_then_similar_diff():
    lines = [f"+line {n}" for n in range(10)]
    old = [
        PatchKey(1, "rtc: add driver", "aaa"),
        PatchKey(2, "rtc: add alarm", "bbb"),
        PatchKey(3, "rtc: debug prints", "ccc", changed_lines(_diff("+dev_dbg()"))),
        PatchKey(4, "rtc: old name", "ddd", changed_lines(_diff(*lines))),
    ]
    new = [
        PatchKey(11, "rtc: driver, renamed", "aaa"),  # same change, new title
        PatchKey(12, "RTC:  add alarm", "bbx"),  # same title, changed
        PatchKey(14, "rtc: new name", "ddx", changed_lines(_diff(*lines[:9], "+other"))),
        PatchKey(13, "rtc: wakeup", "eee", changed_lines(_diff("+wakeup()"))),
    ]
    assert pair_patches(old, new) == (
        Pair(1, 11, PairKind.UNCHANGED),
        Pair(2, 12, PairKind.CHANGED),
        Pair(3, None, PairKind.DROPPED),  # after the patch it followed
        Pair(4, 14, PairKind.CHANGED),
        Pair(None, 13, PairKind.ADDED),
    )


def test_a_patch_id_is_used_once_and_empty_ones_never_match():
    old = [PatchKey(1, "a", ""), PatchKey(2, "b", "same")]
    new = [PatchKey(11, "c", ""), PatchKey(12, "b", "same"), PatchKey(13, "d", "same")]
    pairs = pair_patches(old, new)
    assert Pair(2, 12, PairKind.UNCHANGED) in pairs
    assert Pair(1, None, PairKind.DROPPED) in pairs and Pair(None, 11, PairKind.ADDED) in pairs


OLD = """diff --git a/a.c b/a.c
--- a/a.c
+++ b/a.c
@@ -10,2 +10,3 @@ int f(void)
 int a;
+int b;
 int c;
@@ -40,1 +41,1 @@ int g(void)
-	return 0;
+	return 1;
diff --git a/Kconfig b/Kconfig
--- a/Kconfig
+++ b/Kconfig
@@ -1,1 +1,2 @@
 config A
+config B
"""


def test_a_hunk_that_only_moved_is_no_change():
    moved = OLD.replace("@@ -10,2 +10,3 @@", "@@ -14,2 +14,3 @@").replace(
        "-40,1 +41,1", "-44,1 +45,1"
    )
    result = interdiff(OLD, moved)
    assert [f.status for f in result.files] == [FileStatus.UNCHANGED, FileStatus.UNCHANGED]
    assert not result.changed and all(not f.lines for f in result.files)


def test_new_context_around_the_same_change_is_context_only():
    result = interdiff(OLD, OLD.replace(" int a;", " long a;"))
    assert result.files[0].status is FileStatus.CONTEXT and not result.changed
    kinds = {(line.kind, line.text) for line in result.files[0].lines}
    assert (LineKind.OLD, " int a;") in kinds and (LineKind.NEW, " long a;") in kinds


def test_changed_lines_dropped_files_and_the_message():
    new = OLD.split("diff --git a/Kconfig")[0].replace("+\treturn 1;", "+\treturn -EIO;")
    result = interdiff(OLD, new, "rtc: a\n\nFirst.", "rtc: a\n\nSecond.")
    code, kconfig = result.files
    assert code.status is FileStatus.CHANGED and kconfig.status is FileStatus.DROPPED
    assert [
        (line.kind, line.text) for line in code.lines if line.kind in (LineKind.OLD, LineKind.NEW)
    ] == [
        (LineKind.OLD, "+\treturn 1;"),
        (LineKind.NEW, "+\treturn -EIO;"),
    ]
    assert (LineKind.OLD, "First.") in {(line.kind, line.text) for line in result.message}
    assert result.changed


def test_long_equal_runs_are_cut_to_three_lines_of_context():
    before = [f"+line {n}" for n in range(20)]
    after = [*before[:10], "+changed", *before[11:]]
    result = interdiff(_diff(*before), _diff(*after))
    lines = result.files[0].lines
    assert [line.kind for line in lines].count(LineKind.GAP) == 2
    assert len([line for line in lines if line.kind is LineKind.SAME]) == 6


def test_hostile_diffs_of_repeated_lines_stay_fast():
    import time

    old = _diff(*["+"] * 50_000)
    new = _diff(*["+"] * 25_000, "+x", *["+"] * 25_000)
    start = time.perf_counter()
    result = interdiff(old, new)
    pair_patches(
        [PatchKey(1, "a", "p", changed_lines(old))], [PatchKey(2, "b", "q", changed_lines(new))]
    )
    # Quadratic matching would take minutes; the bound leaves room for a loaded CI machine.
    assert time.perf_counter() - start < 15
    assert result.files[0].status is FileStatus.CHANGED
    assert (LineKind.NEW, "+x") in {(line.kind, line.text) for line in result.files[0].lines}
