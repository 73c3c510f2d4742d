"""Patches, cover letters, series, revisions and trailers through the real ingest.

Scenario mails live in ``tests/data/series/`` (see its README); the seed
thread ships in ``sample/``.
"""

from __future__ import annotations

import itertools

import pytest

from archive.models import Message
from reviews import derived
from reviews.hashing import git_patch_id, patchwork_hash
from reviews.models import Comment, Cover, Event, EventCategory, Patch, Project, Series, State
from reviews.models import Trailer as TrailerRow
from tests.conftest import DATA, SAMPLE

pytestmark = pytest.mark.django_db

SERIES = DATA / "series"
SEED = SAMPLE / "alloc_pages_vma-thread.mbox"
HCH = "Christoph Hellwig <hch@lst.de>"
JOHN = "John Hubbard <jhubbard@nvidia.com>"


def patch(msgid: str, list_name: str | None = None) -> Patch:
    found = Patch.objects.select_related("submitter", "state", "series", "project")
    if list_name:
        found = found.filter(project__link_name=list_name)
    return found.get(message__msgid=msgid)


def art(p: Patch) -> tuple[int, int, int]:
    p.refresh_from_db()
    return p.acked, p.reviewed, p.tested


def trailer_lines(p: Patch) -> list[str]:
    """Every trailer counted for ``p``: its own and its comments', in mail order."""
    messages = [p.message_id, *p.comments.values_list("message_id", flat=True)]
    rows = TrailerRow.objects.filter(message_id__in=messages)
    return [f"{t.kind}: {t.value}" for t in rows.order_by("message__date", "position")]


def state_of(msgid: str) -> str:
    return patch(msgid).state.slug


# --- the seed thread -----------------------------------------------------------------------------


def test_seed_thread_is_one_patch_with_its_review(ingest_file) -> None:
    ingest_file(SEED)
    assert (Patch.objects.count(), Cover.objects.count()) == (1, 0)
    p = patch("20190613094326.24093-6-hch@lst.de")
    assert p.name == "[05/22] mm: export alloc_pages_vma"
    assert p.title == "mm: export alloc_pages_vma"
    assert (p.prefixes, p.number) == (["05/22"], 5)
    assert p.series is not None and p.series.total == 22 and p.series.received_total == 1
    assert str(p.submitter) == HCH
    assert p.diffstat == [["mm/mempolicy.c", 1, 0]]
    assert p.comments.count() == Comment.objects.count() == 12
    assert trailer_lines(p) == [f"Signed-off-by: {HCH}", f"Reviewed-by: {JOHN}"]
    first_reply = Message.objects.get(msgid="201906140147.r1.jhubbard@seed.example")
    assert TrailerRow.objects.get(kind="Reviewed-by").message_id == first_reply.id
    assert art(p) == (0, 1, 0)
    assert p.state.slug == "new"
    assert p.project.link_name == "linux-mm"
    created = Event.objects.get(category=EventCategory.PATCH_CREATED)
    assert (created.patch_id, created.series_id) == (p.id, p.series_id)


def test_patch_hashes_match_the_pure_hashers(ingest_file) -> None:
    ingest_file(SEED)
    p = Patch.objects.get()
    assert p.hash == patchwork_hash(p.diff) != ""
    assert p.patchid == git_patch_id(p.diff)
    assert len(p.patchid) == 40


# --- who sent it, where, and under which name --------------------------------------------------


def test_in_body_from_names_the_submitter(ingest_file) -> None:
    ingest_file(SERIES / "in-body-from.mbox")
    p = patch("inbody-1@example.org")
    assert p.submitter.email == "ann@example.org"
    assert p.series.submitter_id == p.submitter_id
    assert p.message.author.email == "pat@example.org"


def test_project_list_tag_is_dropped_from_the_name(ingest_file) -> None:
    ingest_file(SERIES / "list-tag-in-subject.mbox")
    p = patch("tag-1@example.org")
    assert (p.name, p.title, p.prefixes) == ("mm: fix a thing", "mm: fix a thing", [])


def test_cross_posted_patch_is_a_patch_in_each_project(ingest_file) -> None:
    ingest_file(SERIES / "cross-posted-patch.mbox")
    assert Message.objects.filter(is_ghost=False).count() == 2
    assert sorted(Project.objects.values_list("link_name", flat=True)) == [
        "linux-kernel",
        "linux-mm",
    ]
    for list_name in ("linux-mm", "linux-kernel"):
        p = patch("xpost-1@example.org", list_name)
        assert p.comments.get().message.msgid == "xpost-2@example.org"
        assert art(p) == (0, 1, 0)
        assert p.series.project_id == p.project_id
    assert Series.objects.count() == 2


def test_patch_redelivered_via_another_list_joins_that_project(ingest_file) -> None:
    ingest_file(SERIES / "cross-posted-patch.mbox", "linux-mm")
    assert Patch.objects.count() == 1
    ingest_file(SERIES / "cross-posted-patch.redelivered.mbox", "linux-kernel")
    assert Patch.objects.count() == 2
    p = patch("xpost-1@example.org", "linux-kernel")
    assert p.comments.count() == 1
    assert art(p) == (0, 1, 0)


# --- trailers in replies --------------------------------------------------------------------------


def test_ack_on_cover_letter_counts_for_every_patch(ingest_file) -> None:
    ingest_file(SERIES / "cover-letter-acked.mbox")
    cover = Cover.objects.get()
    assert cover.comments.get().message.msgid == "ack-r@example.org"
    assert cover.series.name == "lib: foo: two fixes"
    for msgid in ("ack-1@example.org", "ack-2@example.org"):
        assert art(patch(msgid)) == (1, 0, 0)
        assert patch(msgid).comments.count() == 0


def test_review_in_reply_to_a_reply_counts_for_the_patch(ingest_file) -> None:
    ingest_file(SERIES / "reply-to-reply-reviewed.mbox")
    p = patch("rr-1@example.org")
    assert sorted(p.comments.values_list("message__msgid", flat=True)) == [
        "rr-2@example.org",
        "rr-3@example.org",
    ]
    assert art(p) == (0, 1, 0)


def test_quoted_prose_and_signature_trailers_do_not_count(ingest_file) -> None:
    ingest_file(SERIES / "quoted-and-signature-trailers.mbox")
    p = patch("qs-1@example.org")
    assert p.comments.count() == 1
    assert trailer_lines(p) == ["Signed-off-by: Pat Sender <pat@example.org>"]
    assert art(p) == (0, 0, 0)


def test_reply_ingested_before_its_patch_becomes_its_comment(ingest_file) -> None:
    ingest_file(SERIES / "reply-before-patch.reply.mbox")
    assert Patch.objects.count() == Comment.objects.count() == 0
    ingest_file(SERIES / "reply-before-patch.patch.mbox")
    p = patch("rbp-1@example.org")
    assert p.comments.get().message.msgid == "rbp-2@example.org"
    assert art(p) == (0, 0, 1)


# --- revisions ---------------------------------------------------------------------------------


V1 = ("rnt-v1-1@example.org", "rnt-v1-2@example.org")
V2 = ("rnt-v2-1@example.org", "rnt-v2-2@example.org")


def ingest_revisions(ingest_file, name: str) -> tuple[Series, Series]:
    ingest_file(SERIES / f"{name}.v1.mbox")
    ingest_file(SERIES / f"{name}.v2.mbox")
    first, second = Series.objects.order_by("version")
    return first, second


def test_v2_in_a_new_thread_supersedes_v1(ingest_file) -> None:
    first, second = ingest_revisions(ingest_file, "revision-new-thread")
    assert (first.version, second.version) == (1, 2)
    assert (second.previous_id, second.lineage_id) == (first.id, first.id)
    assert [state_of(m) for m in V1] == ["superseded", "superseded"]
    assert [state_of(m) for m in V2] == ["new", "new"]
    events = Event.objects.filter(category=EventCategory.PATCH_STATE_CHANGED)
    assert sorted(e.patch.message.msgid for e in events) == list(V1)
    for event in events:
        assert event.series_id == first.id
        assert event.payload["previous_state"] == "new"
        assert event.payload["current_state"] == "superseded"
        assert event.payload["reason"] == f"superseded by v2 (series {second.id})"


def test_decided_patches_are_not_superseded(ingest_file) -> None:
    ingest_file(SERIES / "revision-new-thread.v1.mbox")
    Patch.objects.filter(message__msgid=V1[0]).update(state=State.objects.get(slug="accepted"))
    ingest_file(SERIES / "revision-new-thread.v2.mbox")
    assert [state_of(m) for m in V1] == ["accepted", "superseded"]
    assert Event.objects.filter(category=EventCategory.PATCH_STATE_CHANGED).count() == 1


def test_project_can_turn_superseding_off(ingest_file) -> None:
    ingest_file(SERIES / "revision-new-thread.v1.mbox")
    Project.objects.update(auto_supersede=False)
    first, second = ingest_revisions(ingest_file, "revision-new-thread")
    assert second.previous_id == first.id
    assert [state_of(m) for m in V1] == ["new", "new"]
    assert not Event.objects.filter(category=EventCategory.PATCH_STATE_CHANGED).exists()


def test_change_id_links_revisions_across_a_new_title(ingest_file) -> None:
    first, second = ingest_revisions(ingest_file, "revision-change-id")
    assert (first.name, second.name) == ("lib: foo: first idea", "lib: foo: a better idea")
    assert first.change_id == second.change_id == "20240701-foo-idea-abcdef"
    assert second.previous_id == first.id
    assert state_of("rci-v1-1@example.org") == "superseded"


def test_v2_arriving_before_v1_still_links(ingest_file) -> None:
    ingest_file(SERIES / "revision-new-thread.v2.mbox")
    ingest_file(SERIES / "revision-new-thread.v1.mbox")
    first, second = Series.objects.order_by("version")
    assert second.previous_id == first.id
    assert [state_of(m) for m in V1] == ["superseded", "superseded"]


def test_three_revisions_in_any_order_share_one_lineage(ingest_file) -> None:
    for version in ("v3", "v1", "v2"):
        ingest_file(SERIES / f"revision-new-thread.{version}.mbox")
    first, second, third = Series.objects.order_by("version")
    assert (second.previous_id, third.previous_id) == (first.id, second.id)
    assert (first.lineage_id, second.lineage_id, third.lineage_id) == (None, first.id, first.id)
    states = Patch.objects.order_by("series__version", "number").values_list("state__slug")
    assert [s for (s,) in states] == ["superseded"] * 4 + ["new"] * 2


# Which revision supersedes which must not depend on the order mail arrives in
# (concurrent ingests, a late mirror, an archive imported out of order).
RESEND = {"v1": "new", "v1-resend": "superseded", "v2": "new"}
TWO_V2S = {"v1": "superseded", "v2a": "superseded", "v2b": "superseded", "v4": "new"}


@pytest.mark.parametrize("order", list(itertools.permutations(RESEND)))
def test_a_resent_v1_is_revised_in_any_arrival_order(ingest_file, order) -> None:
    for part in order:
        ingest_file(SERIES / f"revision-resend.{part}.mbox")
    assert {part: state_of(f"rr-{part}@example.org") for part in RESEND} == RESEND
    v2 = patch("rr-v2@example.org").series
    assert v2.previous == patch("rr-v1-resend@example.org").series


@pytest.mark.parametrize("order", list(itertools.permutations(TWO_V2S)))
def test_a_late_revision_joins_a_lineage_with_a_newer_one(ingest_file, order) -> None:
    for part in order:
        ingest_file(SERIES / f"revision-two-v2s.{part}.mbox")
    assert {part: state_of(f"r2-{part}@example.org") for part in TWO_V2S} == TWO_V2S
    root = patch("r2-v1@example.org").series_id
    assert {patch(f"r2-{p}@example.org").series.lineage_id for p in TWO_V2S if p != "v1"} == {root}


def test_series_named_by_a_maintainer_is_not_renamed_by_mail(ingest_file) -> None:
    ingest_file(SERIES / "revision-new-thread.v2.mbox")
    series = Series.objects.get()
    Series.objects.filter(id=series.id).update(name="Mine", name_locked=True)
    Cover.objects.filter(series=series).update(name="[v2,0/2] Renamed by mail")
    derived.refresh_series([series.id])
    series.refresh_from_db()
    assert (series.name, series.title) == ("Mine", "Renamed by mail")
