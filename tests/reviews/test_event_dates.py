"""Events about mail carry the mail's date, not the import time (#17).

Importing years of history must not bury today's changes under "series
completed" rows stamped with the moment of the import. Checked at ingest,
after a rebuild in place, and for the migration that re-dates old rows.
"""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.db import connection
from django.utils import timezone

from reviews.models import Event, EventCategory, Patch, Series
from reviews.rebuild import rebuild_reviews
from reviews.services.mailheaders import STATE_REASON
from tests.conftest import SAMPLE
from tests.reviews.test_mail_kinds_ingest import HEADERS, linux_mm, people  # noqa: F401

pytestmark = pytest.mark.django_db

TOY = SAMPLE / "toy-rtc-series.mbox"  # v1 (1987-11-02) and v2 (1987-11-05) of two patches


def _expected(event: Event) -> dt.datetime:
    """The date of the mail an ingest Event describes."""
    if event.category == EventCategory.SERIES_COMPLETED:
        dates = sorted(Patch.objects.filter(series=event.series).values_list("date", flat=True))
        return dates[max(event.series.total, 1) - 1]
    newer = Series.objects.get(id=int(event.payload["reason"].rsplit(" ", 1)[1].rstrip(")")))
    return max(event.patch.date, newer.date)


def _mail_events():
    return Event.objects.filter(
        category__in=[EventCategory.SERIES_COMPLETED, EventCategory.PATCH_STATE_CHANGED],
        actor=None,
    ).select_related("patch", "series")


def _check_dates() -> int:
    events = list(_mail_events())
    for event in events:
        assert event.date == _expected(event), (event.category, event.payload)
        assert event.date.year == 1987
    return len(events)


def test_completion_and_superseding_carry_the_mail_date(ingest_file):
    ingest_file(TOY)
    # Two series completed; v1's two patches superseded by v2.
    assert _check_dates() == 4
    assert Event.objects.filter(date__gte=timezone.now() - dt.timedelta(hours=1)).count() == 0
    v2 = Series.objects.get(version=2)
    superseded = Event.objects.filter(category=EventCategory.PATCH_STATE_CHANGED)
    assert {e.date for e in superseded} == {v2.date}


def test_a_rebuild_keeps_the_mail_dates(ingest_file):
    ingest_file(TOY)
    before = sorted(Event.objects.values_list("id", "date"))
    rebuild_reviews(None)
    assert sorted(Event.objects.values_list("id", "date")) == before
    _check_dates()


def test_header_states_carry_their_mail_date(ingest_file, people):  # noqa: F811
    mia, _ = people
    linux_mm(trusting=True, maintainer=mia)
    ingest_file(HEADERS)
    from_headers = Event.objects.filter(payload__reason=STATE_REASON).select_related("patch")
    assert from_headers.count() == 2
    assert all(e.date == e.patch.date for e in from_headers)


def test_the_migration_redates_rows_written_with_the_import_time(ingest_file):
    ingest_file(TOY)
    wanted = dict(_mail_events().values_list("id", "date"))
    _mail_events().update(date=timezone.now())
    backfill = importlib.import_module("reviews.migrations.0012_bulk_undo").BACKFILL
    with connection.cursor() as cursor:
        cursor.execute(backfill)
    assert dict(_mail_events().values_list("id", "date")) == wanted


def test_the_api_dates_events_by_when_they_were_written(client, ingest_file):
    # Patchwork's meaning, which bots polling ?since= rely on: mail of 1987
    # archived today is today's news there; the events page keeps 1987.
    start = timezone.now()
    ingest_file(TOY)
    body = client.get("/api/1.2/events/?category=series-completed").json()
    assert len(body) == 2
    for event in body:
        assert dt.datetime.fromisoformat(event["date"]) >= start.replace(microsecond=0)
    assert {"id", "category", "date", "project", "payload"} <= set(body[0])
    assert sorted(d.year for d in _mail_events().filter(category="series-completed")
                  .values_list("date", flat=True)) == [1987, 1987]  # fmt: skip
