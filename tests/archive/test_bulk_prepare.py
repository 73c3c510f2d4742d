"""``archive.bulk.copy_new`` prepares each value as Django's ``save()`` would.

Plain strings, numbers and aware datetimes skip Django's per-value call chain
(#21); anything else, and fields that set their own value, still go through it.
"""

from __future__ import annotations

import warnings
from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.db import connection

from archive.bulk import _preparer, copy_new
from archive.models import Message, Thread

pytestmark = pytest.mark.django_db

DATES = [
    None,
    datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(2019, 6, 13, 11, 43, 26, tzinfo=timezone(timedelta(hours=2))),
    datetime(2019, 6, 13, 11, 43, 26),  # naive: Django makes it aware, with a warning
]


def django_value(field, obj):
    return field.get_db_prep_save(field.pre_save(obj, add=True), connection)


@pytest.mark.parametrize("date", DATES)
def test_a_date_is_prepared_as_django_prepares_it(date) -> None:
    message = Message(msgid="a@example.org", date=date, subject="s")
    field = Message._meta.get_field("date")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the naive one's
        ours, theirs = _preparer(field)(message), django_value(field, message)
    assert ours == theirs
    assert type(ours) is type(theirs)
    if date is not None and date.utcoffset() is not None:
        assert ours is date  # as it is: no call chain


def test_a_field_that_sets_its_own_date_still_does() -> None:
    message = Message(msgid="b@example.org", subject="s")
    before = datetime.now(UTC)
    prepared = _preparer(Message._meta.get_field("archived_at"))(message)  # auto_now_add
    assert prepared >= before
    assert message.archived_at == prepared


def test_copied_rows_read_back_with_their_dates() -> None:
    thread = Thread.objects.create()
    dates = DATES[1:3]
    rows = [
        Message(msgid=f"{i}@example.org", date=d, subject="s", thread=thread)
        for i, d in enumerate([*dates, None])
    ]
    with connection.cursor() as cursor:
        copy_new(cursor, rows)
    stored = dict(Message.objects.filter(thread=thread).values_list("msgid", "date"))
    assert stored == {"0@example.org": dates[0], "1@example.org": dates[1], "2@example.org": None}
