"""Patchwork's own test mails, each ingested alone into an empty archive.

The expected results are Patchwork's (``../shared/corpus/patchwork/EXPECTED.md``),
plus the places where Threadwork does better: it keeps replies whose parent is
absent, and synthesises a stable Message-ID for mail that has none.
"""

from __future__ import annotations

import pytest

from archive.models import Message
from reviews.models import Comment, Cover, Patch, Series
from tests.conftest import shared_path

LIST = "patchwork"

# file -> ([covers, patches, comments], sorted patches per series)
SERIES: dict[str, tuple[list[int], list[int]]] = {
    "base-single-patch": ([0, 1, 0], [1]),
    "base-cover-letter": ([1, 2, 0], [2]),
    "base-no-cover-letter": ([0, 2, 0], [2]),
    "base-deep-threaded": ([1, 2, 0], [2]),
    "base-out-of-order": ([1, 2, 0], [2]),
    "base-different-versions": ([1, 4, 0], [4]),
    "bugs-multiple-references": ([1, 4, 0], [4]),
    "base-no-references": ([0, 2, 0], [2]),
    "base-no-references-no-cover": ([1, 2, 0], [2]),
    "bugs-multiple-content-types": ([0, 1, 1], [1]),
    "revision-basic": ([2, 4, 0], [2, 2]),
    "revision-threaded-to-cover": ([2, 4, 0], [2, 2]),
    "revision-threaded-to-patch": ([2, 4, 0], [2, 2]),
    "revision-out-of-order": ([2, 4, 0], [2, 2]),
    "revision-unlabeled": ([2, 4, 0], [2, 2]),
    "revision-threaded-to-single-patch": ([0, 2, 0], [1, 1]),
    "revision-no-cover-letter": ([1, 4, 0], [2, 2]),
    "revision-unlabeled-noreferences": ([0, 4, 0], [2, 2]),
    "bugs-unnumbered": ([1, 2, 0], [1, 1]),
    "bugs-nocover-noversion": ([0, 4, 0], [2, 2]),
    "bugs-nocover": ([0, 4, 0], [2, 2]),
    "bugs-spamming": ([0, 3, 0], [1, 1, 1]),
    "bugs-mixed-versions": ([0, 2, 0], [1, 1]),
    "base-incomplete": ([1, 1, 0], [1]),
    "base-extra-patches": ([1, 3, 0], [3]),
    "mercurial-cover-letter": ([1, 2, 0], [2]),
    "mercurial-no-cover-letter": ([0, 2, 0], [2]),
}
# Two labelled revisions, v1 then v2; the "unlabeled" files are two series of one version.
REVISIONS = sorted(
    name for name in SERIES if name.startswith("revision-") and "unlabeled" not in name
)


def ingest_series(ingest_file, name: str) -> None:
    summary = ingest_file(shared_path("corpus", "patchwork", "series", f"{name}.mbox"), LIST)
    assert summary.quarantined == 0


def ingest_mail(ingest_file, prefix: str) -> None:
    folder = shared_path("corpus", "patchwork", "mail")
    (path,) = folder.glob(f"{prefix}-*.mbox")
    summary = ingest_file(path, LIST)
    assert (summary.new, summary.quarantined) == (1, 0)


def counts() -> list[int]:
    return [Cover.objects.count(), Patch.objects.count(), Comment.objects.count()]


def patches_per_series() -> list[int]:
    return sorted(s.patches.count() for s in Series.objects.all())


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(SERIES))
def test_series_file(ingest_file, name: str) -> None:
    ingest_series(ingest_file, name)
    expected_counts, expected_series = SERIES[name]
    assert counts() == expected_counts
    assert patches_per_series() == expected_series
    assert not Patch.objects.filter(series=None).exists()
    assert not Cover.objects.filter(series=None).exists()


@pytest.mark.django_db
def test_cover_letter_names_the_series(ingest_file) -> None:
    ingest_series(ingest_file, "base-cover-letter")
    series = Series.objects.get()
    assert series.name == "A sample series"
    assert (series.total, series.received_total, series.received_all) == (2, 2, True)
    assert sorted(series.patches.values_list("number", flat=True)) == [1, 2]


@pytest.mark.django_db
def test_different_versions_is_one_v3_series(ingest_file) -> None:
    ingest_series(ingest_file, "base-different-versions")
    series = Series.objects.get()
    assert series.version == 3
    assert series.name == "net: dsa: Multi-CPU ground work (v3)"
    assert (series.total, series.received_total) == (4, 4)


@pytest.mark.django_db
def test_incomplete_series_is_not_all_received(ingest_file) -> None:
    ingest_series(ingest_file, "base-incomplete")
    series = Series.objects.get()
    assert series.received_total < series.total
    assert not series.received_all


@pytest.mark.django_db
def test_extra_patches_are_counted_beyond_the_total(ingest_file) -> None:
    ingest_series(ingest_file, "base-extra-patches")
    series = Series.objects.get()
    assert (series.total, series.received_total, series.received_all) == (2, 3, True)


@pytest.mark.django_db
def test_unnumbered_patch_has_a_series_of_its_own(ingest_file) -> None:
    ingest_series(ingest_file, "bugs-unnumbered")
    lone = Patch.objects.get(number=None)
    assert lone.series is not None
    assert list(lone.series.patches.all()) == [lone]


@pytest.mark.django_db
@pytest.mark.parametrize("name", REVISIONS)
def test_revisions_are_linked(ingest_file, name: str) -> None:
    ingest_series(ingest_file, name)
    first, second = Series.objects.order_by("version", "date", "id")
    assert (first.version, second.version) == (1, 2)
    assert second.previous_id == first.id
    assert first.previous_id is None
    assert second.lineage_id == first.id
    assert set(first.patches.values_list("state__slug", flat=True)) == {"superseded"}
    assert set(second.patches.values_list("state__slug", flat=True)) == {"new"}


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["revision-unlabeled", "revision-unlabeled-noreferences"])
def test_unlabelled_resends_are_separate_series(ingest_file, name: str) -> None:
    ingest_series(ingest_file, name)
    first, second = Series.objects.order_by("date", "id")
    assert first.version == second.version
    assert second.previous_id is None
    assert set(Patch.objects.values_list("state__slug", flat=True)) == {"new"}


@pytest.mark.django_db
def test_mercurial_markers_number_the_series(ingest_file) -> None:
    ingest_series(ingest_file, "mercurial-cover-letter")
    series = Series.objects.get()
    assert (series.total, series.received_total) == (2, 2)
    assert series.name == "Sample Mercurial patches"
    assert sorted(series.patches.values_list("number", flat=True)) == [1, 2]
    assert Patch.objects.get(number=1).name.startswith("[1/2] contrib: ")


# mail/: pull requests and the diff shapes Patchwork's parser tests use.
PULL_URLS = {
    "0003": "git://git.kernel.org/pub/scm/linux/kernel/git/tip/linux-2.6-tip.git"
    " x86-fixes-for-linus",
    "0023": "https://git.kernel.org/pub/scm/linux/kernel/git/matthias.bgg/linux.git/"
    " tags/v5.4-next-soc",
    "0024": "git://git.kernel.org/pub/scm/linux/kernel/git/nsekhar/linux-davinci.git"
    " tags/davinci-for-v5.6/soc",
}
NO_MESSAGE_ID = ("0008", "0009", "0011", "0017", "0021", "0025", "0026", "0027")


def only_patch() -> Patch:
    assert counts()[:2] == [0, 1]
    return Patch.objects.get()


@pytest.mark.django_db
@pytest.mark.parametrize("prefix", ["0001", "0002", "0004", "0005", "0006", "0017"])
def test_pull_request_without_diff(ingest_file, prefix: str) -> None:
    ingest_mail(ingest_file, prefix)
    patch = only_patch()
    assert patch.pull_url
    assert patch.diff == ""


@pytest.mark.django_db
@pytest.mark.parametrize("prefix", sorted(PULL_URLS))
def test_pull_url(ingest_file, prefix: str) -> None:
    ingest_mail(ingest_file, prefix)
    assert only_patch().pull_url == PULL_URLS[prefix]


@pytest.mark.django_db
def test_pull_request_with_diff(ingest_file) -> None:
    ingest_mail(ingest_file, "0003")
    assert only_patch().diff.startswith("diff --git a/arch/x86/include/asm/smp.h")


@pytest.mark.django_db
def test_cvs_diff(ingest_file) -> None:
    ingest_mail(ingest_file, "0007")
    assert only_patch().diff.startswith("Index")


@pytest.mark.django_db
@pytest.mark.parametrize("prefix", ["0008", "0009"])
def test_git_rename(ingest_file, prefix: str) -> None:
    ingest_mail(ingest_file, prefix)
    diff = only_patch().diff
    assert diff.count("rename from ") == 2
    assert diff.count("rename to ") == 2
    if prefix == "0009":
        lines = diff.splitlines()
        assert lines.count("-a") == 1
        assert lines.count("+b") == 1


@pytest.mark.django_db
@pytest.mark.parametrize("prefix", ["0010", "0016", "0021", "0022"])
def test_patch_has_message_and_diff(ingest_file, prefix: str) -> None:
    ingest_mail(ingest_file, prefix)
    patch = only_patch()
    assert patch.commit_message.strip()
    assert patch.diff.strip()


@pytest.mark.django_db
def test_no_newline_at_end_of_file(ingest_file) -> None:
    ingest_mail(ingest_file, "0011")
    patch = only_patch()
    assert patch.diff.startswith("diff --git a/tools/testing/selftests/powerpc/Makefile")
    assert patch.diff.rstrip("\n").endswith("\\ No newline at end of file")
    assert patch.diff.count("\\ No newline at end of file") == 2
    assert not patch.commit_message.rstrip().endswith("\\ No newline at end of file")


@pytest.mark.django_db
def test_multipart_patch_has_no_html(ingest_file) -> None:
    ingest_mail(ingest_file, "0019")
    patch = only_patch()
    assert "<div" not in patch.diff
    assert "<div" not in patch.commit_message


@pytest.mark.django_db
def test_multipart_comment_is_kept_but_is_no_patch(ingest_file) -> None:
    """Patchwork drops it (its parent is unknown); the archive keeps it as a message."""
    ingest_mail(ingest_file, "0020")
    assert counts() == [0, 0, 0]
    message = Message.objects.get(is_ghost=False)
    assert "<div" not in message.body
    assert message.parent is not None and message.parent.is_ghost


@pytest.mark.django_db
@pytest.mark.parametrize("prefix", ["0025", "0026", "0027"])
def test_binary_patch(ingest_file, prefix: str) -> None:
    ingest_mail(ingest_file, prefix)
    diff = only_patch().diff
    assert diff.startswith("diff --git pixel.bmp pixel.bmp")
    assert "GIT binary patch" in diff
    assert "literal 142" in diff
    assert "literal 0" in diff
    if prefix == "0026":
        assert "diff --git quit.sh quit.sh" in diff


@pytest.mark.django_db
@pytest.mark.parametrize("prefix", ["0012", "0013", "0014", "0015"])
def test_odd_encodings_give_one_patch(ingest_file, prefix: str) -> None:
    ingest_mail(ingest_file, prefix)
    assert only_patch().diff


@pytest.mark.django_db
@pytest.mark.parametrize("prefix", NO_MESSAGE_ID)
def test_mail_without_message_id_gets_a_stable_one(ingest_file, prefix: str) -> None:
    ingest_mail(ingest_file, prefix)
    patch = only_patch()
    first = patch.message.msgid
    assert patch.message.synthetic_msgid
    Message.objects.all().delete()
    ingest_mail(ingest_file, prefix)
    assert Patch.objects.get().message.msgid == first
