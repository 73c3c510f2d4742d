# SPDX-License-Identifier: AGPL-3.0-or-later
"""Who reviews, counted by person: addresses a mailmap merged count as one person.

tests/data/health-people/two-addresses.mbox: Heidi and Ivan each write from
two addresses (the README there works the numbers out). The health page
reads stored counts kept by address; merging people afterwards needs no
recount, the page counts them as one.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import timezone

from archive.mailmap import parse_mailmap
from archive.models import Person
from archive.people import apply_mailmap, unmerge_people
from reviews.models import Project
from reviews.pages.health import compute

MBOX = Path(__file__).resolve().parents[1] / "data" / "health-people" / "two-addresses.mbox"
MAILMAP = """\
Heidi Hall <heidi@home.example> <heidi@work.example>
Ivan Ink <ivan@example.org> <ivan.ink@corp.example>
"""


@pytest.fixture
def project(ingest_file):
    ingest_file(MBOX)
    return Project.objects.get()


def _who(project: Project) -> tuple[list[tuple], tuple[int, int, int]]:
    people = compute(project.id, timezone.now())[0].reviewers
    rows = [(p.name, p.replies, p.reviewed, p.acked) for p in people.people]
    return rows, (people.reviewers, people.submitters, people.submitters_reviewing)


def test_addresses_count_apart_until_merged(project, client):
    rows, totals = _who(project)
    # By address: Ivan twice, and each one's note on their own patch from the
    # other address counts as a reply to someone else.
    assert sorted(rows) == [
        ("Heidi Hall", 1, 0, 0), ("Heidi Hall", 1, 0, 1),
        ("Ivan Ink", 1, 1, 0), ("Ivan Ink", 2, 0, 0),
    ]  # fmt: skip
    assert totals == (4, 2, 2)

    url = f"/project/{project.link_name}/health.json"
    assert len(client.get(url).json()["reviewers"]["people"]) == 4
    report = apply_mailmap(parse_mailmap(MAILMAP))
    assert len(report.merged) == 2
    rows, totals = _who(project)
    # One row a person, under the address the mailmap calls theirs; a note on
    # one's own patch from another address now answers nobody else.
    assert rows == [("Ivan Ink", 2, 1, 0), ("Heidi Hall", 1, 0, 1)]
    assert totals == (2, 2, 2)
    # The merge moves no change stamp, but the page does not show the old count.
    data = client.get(url).json()["reviewers"]
    ivan = Person.objects.get(email="ivan@example.org")
    assert data["people"][0]["person"] == ivan.pk
    assert data["share_percent"] == 100.0

    unmerge_people(Person.objects.filter(email__in=["heidi@home.example", "ivan@example.org"]))
    assert _who(project)[1] == (4, 2, 2)
    assert client.get(url).json()["reviewers"]["people_replying_to_others"] == 4
