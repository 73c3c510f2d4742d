"""Who set a patch's state is a column: superseding sets and undoes only its own."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from reviews import services
from reviews.models import Event, Patch, State, StateOrigin
from tests.conftest import DATA

pytestmark = pytest.mark.django_db

V1, V2 = (
    DATA / "series" / "revision-new-thread.v1.mbox",
    DATA / "series" / "revision-new-thread.v2.mbox",
)


def _v1() -> list[Patch]:
    return list(Patch.objects.filter(series__version=1).select_related("state", "state_before"))


def test_superseding_marks_its_states_automatic(ingest_file) -> None:
    ingest_file(V1)
    assert {p.state_origin for p in _v1()} == {StateOrigin.MAIL}
    ingest_file(V2)
    v1 = _v1()
    assert v1 and all(p.state.slug == "superseded" for p in v1)
    assert {(p.state_origin, p.state_before.slug) for p in v1} == {(StateOrigin.AUTO, "new")}
    changes = Event.objects.filter(patch__in=v1, category="patch-state-changed")
    assert changes.count() == len(v1) and all(e.actor is None for e in changes)


def test_undoing_reads_the_columns_not_the_history(ingest_file) -> None:
    ingest_file(V1)
    ingest_file(V2)
    boss = get_user_model().objects.create_superuser("boss", "boss@example.org", "pw-123-boss")
    kept, *undone = _v1()
    for slug in ("new", "superseded"):  # a person's Superseded, this time
        services.set_patch_state(boss, kept, State.objects.get(slug=slug))
    assert Patch.objects.get(id=kept.id).state_origin == StateOrigin.PERSON
    root = kept.series_id
    Event.objects.all().delete()  # nothing left to read back
    with connection.cursor() as cursor:  # the v2 no longer counts as a later revision
        cursor.execute("UPDATE reviews_series SET previous_id = NULL, lineage_id = NULL")
    assert services.undo_stranded([root]) == len(undone)
    assert all(p.state.slug == "new" for p in Patch.objects.filter(id__in=[p.id for p in undone]))
    assert Patch.objects.get(id=kept.id).state.slug == "superseded"  # a person's, it stays
    assert Event.objects.filter(category="patch-state-changed").count() == len(undone)
