# SPDX-License-Identifier: AGPL-3.0-or-later
"""The stored review-health counts (reviews.health.store) equal the same counts made directly.

The scenario mail of tests/data/health/ and tests/data/health-people/ is
ingested for real, in two imports (the second adds replies to threads the
first stored), then changed through the services: single decisions, a bulk
change and its undo, a reparse. After each step every measure the page
shows is compared with ``tests/reviews/health_direct.py``, one query over
everything, and the stored tables with a recount from scratch.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from reviews import services
from reviews.health import queries, store
from reviews.models import HealthDay, HealthMonth, HealthPatch, HealthReplies, Patch, Project
from reviews.rebuild import rebuild_reviews
from reviews.services.changes import Changes, change_patches, undo_change
from reviews.states import state
from tests.reviews import health_direct as direct

DATA = Path(__file__).resolve().parents[1] / "data"
# Before, on, and after the 14-day cut of the last mail; and today.
MOMENTS = (
    dt.datetime(2024, 2, 21, 9, 0, tzinfo=dt.UTC),
    dt.datetime(2024, 3, 3, 12, 0, tzinfo=dt.UTC),
    dt.datetime(2024, 3, 22, 10, 0, 0, 1, tzinfo=dt.UTC),
)


def _numbers(project_id: int, now: dt.datetime) -> tuple:
    return (
        queries.daily_flow(project_id),
        queries.open_ages(project_id, now),
        queries.first_replies(project_id, now, 14),
        queries.reviewers(project_id, 15),
    )


def _direct(project_id: int, now: dt.datetime) -> tuple:
    return (
        direct.daily_flow(project_id),
        direct.open_ages(project_id, now),
        direct.first_replies(project_id, now, 14),
        direct.reviewers(project_id, 15),
    )


def _plain(value):
    """Counts as plain numbers (the direct sums are Decimal), percentiles rounded."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        return round(value, 6)
    if type(value).__name__ == "Decimal":
        return int(value)
    return value


def _tables() -> dict[str, list]:
    return {
        "patch": sorted(HealthPatch.objects.values_list(
            "patch_id", "project_id", "arrived", "decided", "kind", "applied", "reviewed")),
        "day": sorted(HealthDay.objects.exclude(
            arrived=0, accepted=0, rejected=0, superseded=0, other=0, by_mail=0, reviewed=0,
            open=0).values_list("project_id", "day", "arrived", "accepted", "rejected",
            "superseded", "other", "by_mail", "reviewed", "open")),
        "month": sorted(HealthMonth.objects.values_list(
            "project_id", "month", "patches", "answered", "median_hours", "p90_hours", "late")),
        "replies": sorted(HealthReplies.objects.exclude(replies=0).values_list(
            "project_id", "author_id", "owners", "replies", "reviewed", "acked", "tested")),
    }  # fmt: skip


_TURN = ("id", "turn", "turn_reason", "waiting_since", "replies", "first_reply", "last_activity")


def assert_turns_as_read(project: Project) -> None:
    """The turns a change stored with its UPDATE are those the turn rules give."""
    from reviews import turnstore

    stored = sorted(Patch.objects.values_list(*_TURN))
    turnstore.refresh_patches(list(Patch.objects.values_list("id", flat=True)))
    assert stored == sorted(Patch.objects.values_list(*_TURN))


def assert_same(project: Project) -> None:
    for now in (*MOMENTS, timezone.now()):
        assert _plain(_numbers(project.id, now)) == _plain(_direct(project.id, now)), now
    kept = _tables()
    store.rebuild_all()
    assert _plain(kept) == _plain(_tables())


PEOPLE = DATA / "health-people" / "two-addresses.mbox"


@pytest.fixture
def project(ingest_file, django_user_model, tmp_path):
    for path in sorted((DATA / "health").glob("*.mbox")):
        ingest_file(path)
    # Heidi's patch alone first, then the whole file: its replies join a
    # thread already stored, whose counted replies are taken out and put back.
    first = tmp_path / "first.mbox"
    text = PEOPLE.read_text()
    first.write_text(text[: text.index("\nFrom heidi@work.example") + 1])
    ingest_file(first)
    ingest_file(PEOPLE)
    project = Project.objects.get()
    maintainer = django_user_model.objects.create_user("maint", password="pw-health-17")
    project.maintainers.add(maintainer)
    return project


def _patch(word: str) -> Patch:
    return Patch.objects.get(name__contains=f"rtc: {word}:")


def test_ingest_then_changes_then_reparse(project):
    assert HealthPatch.objects.count() == Patch.objects.exclude(date=None).count() == 10
    assert_same(project)
    maintainer = project.maintainers.get()
    services.set_patch_state(maintainer, _patch("alpha"), state("accepted"))
    services.set_patch_state(maintainer, _patch("beta"), state("rejected"))
    services.set_patch_archived(maintainer, _patch("gamma"), True)
    assert_same(project)
    every = list(Patch.objects.values_list("id", flat=True))
    change = change_patches(
        maintainer, project, every, Changes(state=state("rejected"), archived=True)
    )
    assert change is not None
    assert_turns_as_read(project)
    assert_same(project)
    assert queries.open_ages(project.id, timezone.now()) == {}
    undo_change(maintainer, change)
    assert_turns_as_read(project)
    assert_same(project)
    # A state that leaves the turn to the replies, and one the state decides.
    for slug in ("under-review", "changes-requested", "new"):
        change_patches(maintainer, project, every, Changes(state=state(slug), archived=False))
        assert_turns_as_read(project)
        assert_same(project)
    rebuild_reviews(None)
    assert_same(project)


def test_a_reply_from_a_later_import_is_counted_once(project, ingest_file):
    before = _tables()["replies"]
    # The same mail again: nothing new, nothing counted twice.
    ingest_file(DATA / "health" / "answered-by-reviewer.mbox")
    assert _tables()["replies"] == before
    assert_same(project)


def test_the_page_reads_no_patch_row_but_on_the_cut(project):
    """Apart from the days and months the age edges and the 14-day cut fall in,
    the measures are read from the stored counts."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as read:
        _numbers(project.id, timezone.now())
    assert len(read) == 4
    flow, _, _, people = (q["sql"] for q in read.captured_queries)
    assert "reviews_patch" not in flow
    assert "reviews_comment" not in people and "archive_message" not in people


def test_a_revision_leaving_a_lineage_moves_the_day_an_older_one_was_decided(ingest_file):
    """v1, v3, v2 (by reply), then v1 again: v3 moves to the resent v1's lineage;
    the first v1 stays superseded, by v2 now, and its stored counts follow."""
    moves = DATA / "health-late-revision"
    for name in ("a-v1", "x-v3", "y-v2", "b-v1-resent"):
        ingest_file(moves / f"{name}.mbox")
    first = Patch.objects.get(message__msgid="zeta-a@example.org")
    assert first.state.slug == "superseded"
    v3 = Patch.objects.get(message__msgid="zeta-x@example.org").series
    assert v3.previous.patches.get().message.msgid == "zeta-b@example.org"
    assert HealthPatch.objects.get(patch_id=first.id).decided == dt.date(2024, 3, 10)
    assert_same(Project.objects.get())
