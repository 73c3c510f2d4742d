# SPDX-License-Identifier: AGPL-3.0-or-later
"""reviews.hashing: Patchwork's hash and git patch-id --stable.

git_patch_id is checked against the real ``git patch-id --stable`` on our
fixtures, Patchwork's test mails and hundreds of linux-rtc patches;
patchwork_hash against canonical texts written out by hand.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest

from archive.patchid import encode_text
from reviews.diffs import find_patch
from reviews.hashing import _patchwork_line, git_patch_id, patchwork_hash
from tests.reviews.test_diffs import (
    DATA,
    PATCHWORK_MAIL,
    iter_linux_rtc_bodies,
    mail_parts,
    needs_linux_rtc,
    needs_patchwork_mail,
    read_message,
)

EMPTY_SHA1 = "da39a3ee5e6b4b0d3255bfef95601890afd80709"

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")

SIMPLE_DIFF = (
    "diff --git a/drivers/x.c b/drivers/x.c\n"
    "index 1111111..2222222 100644\n"
    "--- a/drivers/x.c\n"
    "+++ b/drivers/x.c\n"
    "@@ -10,2 +10,2 @@ static int probe(void)\n"
    " a\n"
    "-b\n"
    "+c\n"
)


def real_patch_id(diff: str) -> str | None:
    """What ``git patch-id --stable`` prints first for a diff, or None."""
    result = subprocess.run(
        ["git", "patch-id", "--stable"],
        input=diff.encode("utf-8", "surrogateescape"),
        capture_output=True,
        check=True,
    )
    fields = result.stdout.split()
    return fields[0].decode() if fields else None


def _sha1(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


# --- patchwork_hash -------------------------------------------------------


def test_patchwork_hash_of_simple_diff() -> None:
    canonical = "--- a/drivers/x.c\n+++ b/drivers/x.c\n@@ -2 +2 @@\n a\n-b\n+c\n"
    assert patchwork_hash(SIMPLE_DIFF) == _sha1(canonical)


def test_patchwork_hash_normalises_first_path_component() -> None:
    diff = "--- linux.orig/drivers/x.c\n+++ linux/drivers/x.c\n@@ -1 +1,2 @@\n-a\n+b\n+c\n"
    canonical = "--- a/drivers/x.c\n+++ b/drivers/x.c\n@@ -1 +2 @@\n-a\n+b\n+c\n"
    assert patchwork_hash(diff) == _sha1(canonical)


def test_patchwork_hash_ignores_cr_surrounding_space_and_headers() -> None:
    noisy = "\n\n" + SIMPLE_DIFF.replace("\n", "\r\n").replace(
        "index 1111111", "similarity index 90%\nindex 1111111"
    )
    assert patchwork_hash(noisy + "\n \n") == patchwork_hash(SIMPLE_DIFF)


def test_patchwork_hash_keeps_trailing_space_inside_lines() -> None:
    # Only the whole diff is stripped, so the last line's trailing space goes.
    assert patchwork_hash(SIMPLE_DIFF.replace("-b\n", "-b \n")) != patchwork_hash(SIMPLE_DIFF)
    assert patchwork_hash(SIMPLE_DIFF.replace("+c\n", "+c \n")) == patchwork_hash(SIMPLE_DIFF)


@pytest.mark.parametrize(
    "diff",
    [
        "diff --git a/x b/y\nsimilarity index 100%\nrename from x\nrename to y\n",
        "diff --git a/s.sh b/s.sh\nold mode 100644\nnew mode 100755\n",
        "diff --git a/e b/e\nnew file mode 100644\nindex 0000000..e69de29\n",
        "",
    ],
)
def test_patchwork_hash_of_hunkless_diffs_is_the_empty_hash(diff: str) -> None:
    assert patchwork_hash(diff) == EMPTY_SHA1


def test_patchwork_hash_removed_dash_line_looks_like_a_file_header() -> None:
    # Patchwork matches "--- x" before hunk lines, so a removed "-- x" line
    # is rewritten like a header; the hash must do the same to match.
    diff = "--- a/x\n+++ b/x\n@@ -1 +0,0 @@\n--- foo/bar\n"
    canonical = "--- a/x\n+++ b/x\n@@ -1 +0 @@\n--- a/bar\n"
    assert patchwork_hash(diff) == _sha1(canonical)


def test_patchwork_hash_binary_lines_are_ignored() -> None:
    binary = (
        "diff --git a/p.bmp b/p.bmp\nnew file mode 100644\nindex 0..9\n"
        "GIT binary patch\nliteral 3\nKcmZ?wbhEHb\n\nliteral 0\nHcmV?d00001\n\n"
    )
    assert patchwork_hash(binary) == EMPTY_SHA1


def test_patchwork_hash_survives_undecodable_bytes() -> None:
    assert len(patchwork_hash(SIMPLE_DIFF.replace("+c", "+\udcff\ud800"))) == 40


def _hash_line_by_line(diff: str) -> str:
    """Patchwork's rule as written: every line normalised, and encoded, on its own."""
    hashed = hashlib.sha1()
    for line in diff.replace("\r", "").strip().split("\n"):
        normalised = _patchwork_line(line)
        if normalised is not None:
            hashed.update(encode_text(normalised + "\n"))
    return hashed.hexdigest()


@pytest.mark.parametrize(
    "diff",
    [
        SIMPLE_DIFF,
        SIMPLE_DIFF + "++x\n--y\n+++\n---\n+++ \n--- \n+++  b/z\n",
        SIMPLE_DIFF.replace("+c", "+\udcff"),  # an undecodable byte, given back
        # a lone surrogate beside an undecodable byte: only its own line is replaced
        SIMPLE_DIFF.replace("+c", "+\ud800").replace(" a", " \udcff"),
        "",
    ],
)
def test_patchwork_hash_hashes_lines_as_normalised_one_by_one(diff: str) -> None:
    # patchwork_hash takes hunk lines without the full test and hashes the
    # diff in one update: the same bytes as the rule applied line by line.
    assert patchwork_hash(diff) == _hash_line_by_line(diff)


# --- git_patch_id: unit cases -----------------------------------------------


def test_git_patch_id_is_none_without_a_diff_line() -> None:
    assert git_patch_id("") is None
    assert git_patch_id("just a message\n") is None
    assert git_patch_id("--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n") is None


def test_git_patch_id_ignores_whitespace_and_file_order() -> None:
    other = SIMPLE_DIFF.replace("drivers/x.c", "drivers/y.c")
    assert git_patch_id(SIMPLE_DIFF + other) == git_patch_id(other + SIMPLE_DIFF)
    spaced = SIMPLE_DIFF.replace("+c\n", "+ c \t\n")
    assert git_patch_id(spaced) == git_patch_id(SIMPLE_DIFF)


def test_git_patch_id_ignores_line_numbers_and_index() -> None:
    moved = SIMPLE_DIFF.replace("-10,2 +10,2", "-99,2 +98,2").replace("1111111", "3333333")
    assert git_patch_id(moved) == git_patch_id(SIMPLE_DIFF)


GIT_CASES = {
    "simple": SIMPLE_DIFF,
    "form feed is not git whitespace": SIMPLE_DIFF.replace(" a\n", " \x0c a\n"),
    "vertical tab": SIMPLE_DIFF.replace("+c", "+c\x0b"),
    "missing counts": "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -4 +4 @@\n-a\n+b\n",
    "odd hunk header": "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,-2 +1 @@\n-a\n+b\n",
    "no newline": SIMPLE_DIFF + "\\ No newline at end of file\n",
    "rename only": "diff --git a/x b/y\nsimilarity index 100%\nrename from x\nrename to y\n",
    "rename then diff": (
        "diff --git a/x b/y\nsimilarity index 100%\nrename from x\nrename to y\n" + SIMPLE_DIFF
    ),
    "mode only": "diff --git a/s b/s\nold mode 100644\nnew mode 100755\n",
    "new empty file": "diff --git a/e b/e\nnew file mode 100644\nindex 0000000..e69de29\n",
    "binary then text": (
        "diff --git a/p b/p\nnew file mode 100644\nindex 0000000..4a5c7b7\n"
        "GIT binary patch\nliteral 3\nKcmZ?wbhEHb\n\nliteral 0\nHcmV?d00001\n\n" + SIMPLE_DIFF
    ),
    "binary files differ": (
        "diff --git a/p b/p\nindex 1111111..2222222 100644\nBinary files a/p and b/p differ\n"
    ),
    "index without mode": (
        "diff --git a/p b/p\nindex 1111111..2222222\nBinary files a/p and b/p differ\n"
    ),
    "text after hunk": SIMPLE_DIFF + "-- \n2.40.0\n\nmore text\n" + SIMPLE_DIFF,
    "short hunk": "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,5 +1,5 @@\n-a\n+b\n" + SIMPLE_DIFF,
    "blank context": SIMPLE_DIFF.replace(" a\n", "\n"),
    "crlf": SIMPLE_DIFF.replace("\n", "\r\n"),
    "no final newline": SIMPLE_DIFF.rstrip("\n"),
    "utf-8": SIMPLE_DIFF.replace("+c", "+ç€"),
    "undecodable": SIMPLE_DIFF.replace("+c", "+\udcff"),
    "nul byte": SIMPLE_DIFF.replace("+c", "+c\x00d"),
    "next commit": SIMPLE_DIFF + "commit " + "a" * 40 + "\n" + SIMPLE_DIFF,
    "hg": "diff -r 0a1b -r 5f1c x\n--- a/x\tThu\n+++ b/x\tThu\n@@ -1,1 +1,1 @@\n-a\n+b\n",
    # A hunk's counts running out mid-way (mangled mail): what git does then,
    # not what a fast path over hunk lines might assume.
    "more removed than counted": (
        "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,1 +1,3 @@\n-a\n-b\n+c\n+d\n+e\n"
    ),
    "more added than counted": (
        "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,2 +1,1 @@\n+a\n+b\n-c\n-d\n"
    ),
    "context past the hunk": SIMPLE_DIFF + " d\n e\n+f\n",
    "commit line inside a hunk": SIMPLE_DIFF.replace(" a\n", "commit " + "b" * 40 + "\n"),
}


@needs_git
@pytest.mark.parametrize("diff", GIT_CASES.values(), ids=GIT_CASES.keys())
def test_git_patch_id_matches_git_on_edge_cases(diff: str) -> None:
    assert git_patch_id(diff) == real_patch_id(diff)


# --- git_patch_id on real mail ------------------------------------------------


def _fixture_diffs(paths: list[Path]) -> list[tuple[str, str]]:
    diffs = []
    for path in sorted(paths):
        content = find_patch(*mail_parts(read_message(path)))
        if content is not None and content.diff is not None:
            diffs.append((path.name, content.diff))
    return diffs


@needs_git
def test_git_patch_id_matches_git_on_own_fixtures() -> None:
    diffs = _fixture_diffs(list(DATA.glob("*.mbox")))
    assert len(diffs) >= 8
    for name, diff in diffs:
        assert git_patch_id(diff) == real_patch_id(diff), name


@needs_git
@needs_patchwork_mail
@pytest.mark.corpus
def test_git_patch_id_matches_git_on_patchwork_mails() -> None:
    diffs = _fixture_diffs(list(PATCHWORK_MAIL.glob("*.mbox")))
    assert len(diffs) >= 15
    for name, diff in diffs:
        assert git_patch_id(diff) == real_patch_id(diff), name


@needs_git
@needs_linux_rtc
@pytest.mark.corpus
def test_git_patch_id_matches_git_on_linux_rtc() -> None:
    diffs = []
    for body in iter_linux_rtc_bodies():
        if "\ndiff --git " not in body:
            continue
        content = find_patch(body)
        if content is not None and content.diff is not None:
            diffs.append(content.diff)
        if len(diffs) == 400:
            break
    assert len(diffs) == 400
    mismatches = [d[:120] for d in diffs if git_patch_id(d) != real_patch_id(d)]
    assert mismatches == []
