# SPDX-License-Identifier: AGPL-3.0-or-later
"""The series a batch's planner loads for mail without references (#21).

Only series the mail could join by its marker: the same submitter and total,
dated within the marker window of that mail, not every series of the batch's
span of dates (a batch of a small list spans months).
"""

from __future__ import annotations

import datetime as dt

import pytest

from archive.models import MailingList, Person
from reviews.ingest import _marker_matches, _slots
from reviews.models import Project, Series
from reviews.series import MARKER_WINDOW, Submission

JAN = dt.datetime(2024, 1, 1, 12, tzinfo=dt.UTC)
MAR = dt.datetime(2024, 3, 1, 12, tzinfo=dt.UTC)


def _loose(project: Project, person: Person, date: dt.datetime, total: int) -> Submission:
    return Submission(project_id=project.id, msgid=f"{date:%m%d}@x", refs=(), number=1,
                      total=total, version=1, submitter_id=person.id, date=date,
                      is_cover=False)  # fmt: skip


@pytest.mark.django_db
def test_only_series_within_each_mails_window_are_loaded() -> None:
    mlist = MailingList.objects.create(list_id="t.example.org", name="t")
    project = Project.objects.create(mailing_list=mlist, name="T", link_name="t",
                                     list_id="t.example.org")  # fmt: skip
    ann = Person.objects.create(name="Ann", email="ann@example.org")
    bob = Person.objects.create(name="Bob", email="bob@example.org")

    def series(person: Person, date: dt.datetime, total: int = 3) -> int:
        return Series.objects.create(project=project, submitter=person, date=date,
                                     total=total, name="s").id  # fmt: skip

    near_jan = series(ann, JAN - MARKER_WINDOW + dt.timedelta(minutes=1))
    near_mar = series(ann, MAR + MARKER_WINDOW)
    series(ann, JAN + dt.timedelta(days=30))  # between the two mails: not near either
    series(ann, MAR + MARKER_WINDOW + dt.timedelta(seconds=1))  # just outside
    series(ann, MAR, total=2)  # another total
    series(bob, JAN)  # another submitter
    found = _marker_matches([_loose(project, ann, JAN, 3), _loose(project, ann, MAR, 3)])
    assert found == {near_jan, near_mar}
    # each loaded with its patch numbers and cover, as the planner sees it
    [slot] = _slots({near_mar})
    assert (slot.id, slot.total, slot.submitter_id, slot.numbers, slot.has_cover) == (
        near_mar, 3, ann.id, set(), False
    )  # fmt: skip
