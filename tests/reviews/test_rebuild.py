"""``manage.py reparse`` rebuilds the review tables from the raw mail alone."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from reviews.models import Comment, Cover, EventCategory, Patch, Series, State, Trailer
from tests.conftest import DATA, SAMPLE

pytestmark = pytest.mark.django_db

SERIES = DATA / "series"
FILES = [
    SAMPLE / "alloc_pages_vma-thread.mbox",
    SERIES / "cover-letter-acked.mbox",
    SERIES / "cross-posted-patch.mbox",
    SERIES / "revision-new-thread.v1.mbox",
    SERIES / "revision-new-thread.v2.mbox",
    SERIES / "revision-change-id.v1.mbox",
    SERIES / "revision-change-id.v2.mbox",
]


def snapshot() -> dict[str, object]:
    """Everything review-side, keyed by what survives a rebuild (Message-IDs, names)."""
    series_key = {s.id: (s.project.link_name, s.name, s.version) for s in Series.objects.all()}
    patches = sorted(
        (p.message.msgid, p.project.link_name, p.name, p.title, tuple(p.prefixes), p.number,
         p.submitter_id, p.hash, p.patchid, str(p.diffstat), p.acked, p.reviewed, p.tested,
         p.state.slug, series_key.get(p.series_id), p.comments.count())
        for p in Patch.objects.select_related("message", "project", "state")
    )  # fmt: skip
    series = sorted(
        (*series_key[s.id], s.title, s.total, s.received_total, s.change_id,
         series_key.get(s.previous_id), series_key.get(s.lineage_id))
        for s in Series.objects.select_related("project")
    )  # fmt: skip
    covers = sorted((c.message.msgid, c.name, c.comments.count()) for c in Cover.objects.all())
    trailers = sorted(Trailer.objects.values_list("message__msgid", "position", "kind", "value"))
    return {
        "patches": patches,
        "series": series,
        "covers": covers,
        "trailers": trailers,
        "comments": Comment.objects.count(),
    }


def reparse(*args: str) -> str:
    out = io.StringIO()
    call_command("reparse", *args, stdout=out)
    return out.getvalue()


def test_reparse_rebuilds_identical_review_data(ingest_file) -> None:
    for path in FILES:
        ingest_file(path)
    before = snapshot()
    assert len(before["patches"]) == 11 and before["comments"] == 15
    assert "rebuilt reviews" in reparse()
    assert snapshot() == before


def test_reparse_keeps_maintainer_decisions(ingest_file) -> None:
    for path in FILES:
        ingest_file(path)
    accepted = State.objects.get(slug="accepted")
    Patch.objects.filter(message__msgid="rnt-v2-1@example.org").update(
        state=accepted, archived=True, commit_ref="abc123"
    )
    Series.objects.filter(version=2, title="lib: foo: tidy up").update(
        name="Tidying, take two", name_locked=True
    )
    before = snapshot()
    reparse()
    assert snapshot() == before
    assert Series.objects.get(name="Tidying, take two").name_locked
    patch = Patch.objects.get(message__msgid="rnt-v2-1@example.org")
    assert (patch.state_id, patch.archived, patch.commit_ref) == (accepted.id, True, "abc123")
    assert patch.events.filter(category=EventCategory.PATCH_CREATED).count() == 1


def test_reparse_of_one_list_leaves_the_others(ingest_file) -> None:
    for path in FILES:
        ingest_file(path)
    before = snapshot()
    kernel = set(Patch.objects.filter(project__link_name="linux-kernel").values_list("id"))
    reparse("--list", "linux-mm")
    assert snapshot() == before
    assert set(Patch.objects.filter(project__link_name="linux-kernel").values_list("id")) == kernel
