"""SeriesPlanner: which series each patch or cover letter joins (pure, no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from reviews.series import MARKER_WINDOW, SeriesPlanner, SeriesSlot, Submission

T0 = datetime(2024, 7, 1, 10, 0, tzinfo=UTC)


def sub(
    msgid: str,
    number: int | None,
    total: int | None = 2,
    *,
    refs: tuple[str, ...] = (),
    version: int = 1,
    submitter: int = 1,
    minutes: float = 0,
    project: int = 1,
) -> Submission:
    return Submission(
        project_id=project,
        msgid=msgid,
        refs=refs,
        number=number,
        total=total,
        version=version,
        submitter_id=submitter,
        date=T0 + timedelta(minutes=minutes),
        is_cover=number == 0,
    )


def groups(*subs: Submission, planner: SeriesPlanner | None = None) -> list[list[str]]:
    """Message-IDs grouped by the slot each was placed in, in first-seen order."""
    planner = planner or SeriesPlanner([], [])
    placed: dict[int, list[str]] = {}
    for s in subs:
        placed.setdefault(planner.place(s).key, []).append(s.msgid)
    return list(placed.values())


def test_cover_and_patches_threaded_to_it() -> None:
    cover = sub("c", 0)
    assert groups(cover, sub("p1", 1, refs=("c",)), sub("p2", 2, refs=("c",))) == [
        ["c", "p1", "p2"]
    ]


def test_out_of_order_patches_and_late_cover() -> None:
    later = (sub("p2", 2, refs=("c",)), sub("c", 0), sub("p1", 1, refs=("c",)))
    assert groups(*later) == [["p2", "c", "p1"]]


def test_patch_arriving_before_the_patch_it_replies_to() -> None:
    # p1's own Message-ID was already referenced by p2: they join.
    assert groups(sub("p2", 2, refs=("p1",)), sub("p1", 1)) == [["p2", "p1"]]


def test_deep_threaded_series() -> None:
    chain = (sub("c", 0, 3), sub("p1", 1, 3, refs=("c",)), sub("p2", 2, 3, refs=("c", "p1")))
    chain += (sub("p3", 3, 3, refs=("c", "p1", "p2")),)
    assert groups(*chain) == [["c", "p1", "p2", "p3"]]


def test_a_number_already_taken_starts_a_new_series() -> None:
    spam = (sub("a", 1, 1), sub("b", 1, 1, refs=("a",)), sub("c", 1, 1, refs=("a", "b")))
    assert groups(*spam) == [["a"], ["b"], ["c"]]


def test_unnumbered_patch_is_a_series_of_its_own() -> None:
    planner = SeriesPlanner([], [])
    assert groups(sub("c", 0), sub("p", None, None, refs=("c",)), planner=planner) == [
        ["c"],
        ["p"],
    ]
    assert [s.total for s in planner.planned()] == [2, 1]


def test_second_cover_in_a_thread_starts_the_next_revision() -> None:
    v1 = (sub("c1", 0), sub("a1", 1, refs=("c1",)), sub("b1", 2, refs=("c1",)))
    v2 = (sub("c2", 0, refs=("c1",), version=2), sub("a2", 1, refs=("c1", "c2"), version=2))
    assert groups(*v1, *v2) == [["c1", "a1", "b1"], ["c2", "a2"]]


def test_labelled_patch_does_not_join_another_version() -> None:
    assert groups(sub("c", 0), sub("p", 1, refs=("c",), version=2)) == [["c"], ["p"]]


def test_unlabelled_patch_joins_the_versioned_cover_it_replies_to() -> None:
    planner = SeriesPlanner([], [])
    cover = sub("c", 0, 4, version=3)
    assert groups(cover, sub("p", 1, 4, refs=("c",)), planner=planner) == [["c", "p"]]
    assert planner.planned()[0].version == 3


def test_no_references_same_submitter_within_the_window_join() -> None:
    close = (sub("a", 1), sub("b", 2, minutes=1))
    assert groups(*close) == [["a", "b"]]


def test_no_references_elsewhere_stay_apart() -> None:
    far = MARKER_WINDOW.total_seconds() / 60 + 1
    assert groups(sub("a", 1), sub("b", 2, minutes=far)) == [["a"], ["b"]]
    assert groups(sub("a", 1), sub("b", 2, submitter=2)) == [["a"], ["b"]]
    assert groups(sub("a", 1), sub("b", 2, total=3)) == [["a"], ["b"]]
    assert groups(sub("a", 1), sub("b", 2, version=2)) == [["a"], ["b"]]


def test_projects_are_separate() -> None:
    assert groups(sub("c", 0), sub("p", 1, refs=("c",), project=2)) == [["c"], ["p"]]


def test_existing_series_are_joined_by_their_references() -> None:
    stored = SeriesSlot(key=-1, id=7, project_id=1, version=1, total=2, submitter_id=1,
                        date=T0, numbers={1}, has_cover=True)  # fmt: skip
    planner = SeriesPlanner([stored], [(1, "c", 7), (1, "p1", 7)])
    assert planner.place(sub("p2", 2, refs=("c",))).id == 7
    assert planner.place(sub("again", 2, refs=("c",))).id is None
    assert planner.place(sub("late", 1, refs=("p1",))).id is None
    # The stored series already owns "c": only what is new to a series is recorded.
    assert planner.new_refs[0] == (1, "p2", 0)
    assert (1, "c", 0) not in planner.new_refs


def test_new_references_are_recorded_once_per_series() -> None:
    planner = SeriesPlanner([], [])
    groups(sub("c", 0), sub("p1", 1, refs=("c",)), sub("p2", 2, refs=("c",)), planner=planner)
    assert sorted(planner.new_refs) == [(1, "c", 0), (1, "p1", 0), (1, "p2", 0)]
