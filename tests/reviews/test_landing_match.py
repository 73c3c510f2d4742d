# SPDX-License-Identifier: AGPL-3.0-or-later
"""The matcher's pure parts (reviews/landing.py, reviews/gittrees.py): no database, no git."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from reviews.gittrees import Commit, parse_mailmap
from reviews.landing import (
    Candidate,
    changed_lines,
    match_commit,
    normalise_subject,
    similarity,
)

DIFF = """diff --git a/drivers/rtc/rtc-x.c b/drivers/rtc/rtc-x.c
--- a/drivers/rtc/rtc-x.c
+++ b/drivers/rtc/rtc-x.c
@@ -1,4 +1,4 @@
 int a;
-int b = 1;
+int b = 2;
+int c   =  3;
 int d;
"""
SENT = datetime(2024, 2, 1, tzinfo=UTC)


def commit(diff: str = DIFF, subject: str = "rtc: x: fix b", patchid: str | None = None,
           days: int = 10) -> Commit:  # fmt: skip
    when = SENT + timedelta(days=days)
    return Commit("c" * 40, "Alice", "alice@example.org", SENT, when, f"{subject}\n\nBody.",
                  diff, patchid)  # fmt: skip


def candidate(patch_id: int = 1, title: str = "rtc: x: fix b", diff: str = DIFF, *,
              series: int | None = 7, patchid: str = "p1", days: int = 0) -> Candidate:  # fmt: skip
    return Candidate(patch_id, series, "alice@example.org", title, SENT + timedelta(days=days),
                     patchid, diff)  # fmt: skip


def test_subjects_compare_without_case_spacing_or_a_final_stop() -> None:
    assert normalise_subject("RTC: x:  Fix b.") == normalise_subject("rtc: x: fix b")
    assert normalise_subject('Revert "rtc: x: fix b"') != normalise_subject("rtc: x: fix b")


def test_changed_lines_keep_signs_and_ignore_headers_context_and_spacing() -> None:
    assert changed_lines(DIFF) == {"-int b = 1;": 1, "+int b = 2;": 1, "+int c = 3;": 1}
    assert similarity(changed_lines(DIFF), changed_lines(DIFF)) == 1.0
    edited = DIFF.replace("+int b = 2;", "+int b = 22;")
    assert similarity(changed_lines(DIFF), changed_lines(edited)) == 2 * 2 / 6
    assert similarity(changed_lines(""), changed_lines("")) == 0.0


def test_exact_patch_id_wins_and_the_latest_posting_before_the_commit_is_chosen() -> None:
    old, new, after = candidate(1), candidate(2, days=5), candidate(3, days=30)
    found = match_commit(commit(patchid="p1"), {"p1": [old, new, after]}, {}, "alice@example.org")
    assert [(m.patch_id, m.how) for m in found] == [(2, "exact")]


def test_an_edited_commit_needs_the_author_the_subject_and_a_similar_diff() -> None:
    edited = DIFF.replace("+int b = 2;", "+int b = 22;")
    by_author = {"alice@example.org": [candidate(1)]}
    found = match_commit(commit(edited), {}, by_author, "alice@example.org")
    assert [(m.patch_id, m.how, m.similarity) for m in found] == [(1, "edited", 0.667)]
    assert match_commit(commit(edited), {}, by_author, "mallory@example.org") == []
    assert match_commit(commit(edited, subject="rtc: x: other"), {}, by_author,
                        "alice@example.org") == []  # fmt: skip
    unrelated = DIFF.replace("int b", "long q").replace("int c", "long r")
    assert match_commit(commit(unrelated), {}, by_author, "alice@example.org") == []


def test_outside_the_window_nothing_matches() -> None:
    by_author = {"alice@example.org": [candidate(1)]}
    assert match_commit(commit(days=400), {"p1": [candidate(1)]}, by_author,
                        "alice@example.org") == []  # fmt: skip
    late = {"p1": [candidate(1, days=30)]}  # posted after the commit: a resend, not its source
    assert match_commit(commit(patchid="p1"), late, {}, "alice@example.org") == []


def test_a_squash_lands_both_patches_of_the_series() -> None:
    second = "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1,2 @@\n x\n+second line one\n"
    squashed = DIFF + second
    by_author = {"alice@example.org": [candidate(1), candidate(2, "rtc: x: two", second),
                                       candidate(3, "rtc: x: two", second, series=8)]}  # fmt: skip
    found = match_commit(commit(squashed), {}, by_author, "alice@example.org")
    assert [(m.patch_id, m.how) for m in found] == [(1, "edited"), (2, "squashed")]


def test_mailmap_maps_old_addresses_to_the_proper_one() -> None:
    text = """# comment
Alice Coder <alice@example.org> <alice@old.example.com>
<alice@example.org> Alice C <ALICE@older.example.com>  # trailing comment
Just A Name <bob@example.net>
"""
    assert parse_mailmap(text) == {
        "alice@old.example.com": "alice@example.org",
        "alice@older.example.com": "alice@example.org",
    }


def test_the_benchmarks_synthetic_base_holds_each_hunks_old_lines_in_place() -> None:
    from tests.bench.landing_repo import Unsupported, pre_images

    later = DIFF.replace("@@ -1,4 +1,4 @@", "@@ -3,3 +3,4 @@")
    assert pre_images(later) == {
        "drivers/rtc/rtc-x.c": [
            "/* filler 0 */",
            "/* filler 1 */",
            "int a;",
            "int b = 1;",
            "int d;",
        ]
    }
    new_file = "diff --git a/n b/n\n--- /dev/null\n+++ b/n\n@@ -0,0 +1 @@\n+x\n"
    assert pre_images(new_file) == {"n": None}
    renamed = DIFF.replace("+++ b/drivers/rtc/rtc-x.c", "+++ b/drivers/rtc/rtc-y.c")
    with pytest.raises(Unsupported):  # a rename cannot be rebuilt from its hunks
        pre_images(renamed)
