# SPDX-License-Identifier: AGPL-3.0-or-later
"""Review health (/project/<p>/health/) on the scenario threads of tests/data/health/.

The mail is ingested for real; Alice's patch is accepted and Carol's rejected
through the services. Numbers are worked out by hand in tests/data/health/README.md.
"""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reviews import services
from reviews.health import measures
from reviews.models import Patch, Project
from reviews.pages.health import compute
from reviews.states import state

DATA = Path(__file__).resolve().parents[1] / "data" / "health"
# A fixed "now" for the ages and the 14-day cut: two weeks after the last mail
# but one day, so Frank's v2 (2024-02-19) is not yet 14 days old.
NOW = dt.datetime(2024, 3, 3, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def project(ingest_file, django_user_model):
    for path in sorted(DATA.glob("*.mbox")):
        ingest_file(path)
    project = Project.objects.get()
    maintainer = django_user_model.objects.create_user("maint", password="pw-health-17")
    project.maintainers.add(maintainer)
    services.set_patch_state(maintainer, _patch("alpha"), state("accepted"))
    services.set_patch_state(maintainer, _patch("beta"), state("rejected"))
    return project


def _patch(word: str) -> Patch:
    return Patch.objects.get(name__contains=f"rtc: {word}:")


def test_first_reply_and_unanswered_by_month(project):
    health, _ = compute(project.id, NOW)
    january, february = health.replies
    # Alice: 6 h (her own follow-up does not count); Carol: never; Dave: 504 h.
    assert january == measures.ReplyMonth("2024-01", 3, 2, 255.0, 454.2, 3, 2)
    # Eve's two patches answered on the cover after 24.5 and 24.48 h, Grace's after
    # 24 h; Frank's two never. Frank's v2 and Grace's are under 14 days old at NOW.
    assert february == measures.ReplyMonth("2024-02", 5, 3, 24.5, 24.5, 3, 1)
    assert january.unanswered_share == 66.7 and february.unanswered_share == 33.3


def test_open_queue_ages_and_weekly_decisions(project):
    health, data = compute(project.id, NOW)
    # Open: Dave's (48 days), Eve's two (27 days), Frank's v2 and Grace's (13, 12
    # days: applied by a reply's word, but still New as the patch list shows it).
    assert dict(health.ages)["1–3 months"] == 1
    assert dict(health.ages)["2–4 weeks"] == 2
    assert dict(health.ages)["1–2 weeks"] == 2
    assert health.open_now == 5 == Patch.objects.filter(project=project).action_required().count()
    weeks = {w.week.isoformat(): w for w in health.weeks}
    assert weeks["2024-01-08"].arrived == 2 and weeks["2024-01-08"].open == 2
    # v1 is superseded the week v2 was posted, whenever superseding ran.
    assert weeks["2024-02-19"] == measures.Week(dt.date(2024, 2, 19), 2, 0, 0, 1, 0, 7)
    # The maintainer's decisions are dated when they were made: this week.
    last = health.weeks[-1]
    assert (last.accepted, last.rejected, last.open) == (1, 1, 5)
    assert sum(w.arrived for w in health.weeks) == 8
    # Every week between the first and the last is there, moves or not.
    assert all(
        b.week - a.week == dt.timedelta(days=7)
        for a, b in zip(health.weeks, health.weeks[1:], strict=False)
    )
    assert data["open_now"] == 5


def test_applied_share_and_who_reviews(project):
    health, _ = compute(project.id, NOW)
    # Grace's, applied by Bob's reply in February (no review); Alice's, accepted
    # this month (with Bob's Reviewed-by).
    by_reply, accepted = health.applied
    assert by_reply == measures.AppliedMonth("2024-02", 1, 1, 0)
    assert (accepted.applied, accepted.by_mail, accepted.with_review, accepted.share) == (
        1, 0, 1, 100.0,
    )  # fmt: skip
    people = health.reviewers
    assert [(p.name, p.replies, p.reviewed, p.acked) for p in people.people] == [
        ("Bob Baker", 3, 1, 0),
        ("Alice Able", 1, 0, 1),
    ]
    # Six submitters; Alice also reviewed Eve's series. Carol's ping and
    # Alice's follow-up answer their own patches and count for nobody.
    assert (people.reviewers, people.submitters, people.submitters_reviewing) == (2, 6, 1)
    assert people.share == 16.7


def _table(html: str, measure: str) -> list[list[str]]:
    table = re.search(rf'data-measure="{measure}".*?<tbody>(.*?)</tbody>', html, re.S)
    assert table, measure
    rows = re.findall(r"<tr>(.*?)</tr>", table.group(1), re.S)
    return [
        [
            unescape(re.sub(r"<[^>]+>", "", c)).strip()
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)
        ]
        for r in rows
    ]


def test_json_equals_the_tables(project, client):
    data = client.get(f"/project/{project.link_name}/health.json").json()
    html = client.get(f"/project/{project.link_name}/health/").content.decode()
    assert data["project"] == project.link_name and data["open_now"] == 5

    def cells(rows: list[dict], keys: list[str]) -> list[list[str]]:
        return [["—" if r[k] is None else str(r[k]) for k in keys] for r in reversed(rows)]

    weekly = ["week", "arrived", "accepted", "rejected", "superseded", "other", "open"]
    assert _table(html, "weekly") == cells(data["weekly"], weekly)
    assert _table(html, "open_age") == [[r["age"], str(r["patches"])] for r in data["open_age"]]
    reply = ["month", "patches", "answered", "median_hours", "p90_hours"]
    assert _table(html, "first_reply") == cells(data["first_reply"], reply)
    unanswered = ["month", "patches", "unanswered", "share_percent"]
    assert _table(html, "unanswered") == cells(data["unanswered"]["months"], unanswered)
    applied = ["month", "applied", "by_reply_only", "with_review", "share_percent"]
    assert _table(html, "applied_reviewed") == cells(data["applied_reviewed"], applied)
    people = ["name", "replies", "reviewed_by", "acked_by", "tested_by"]
    assert _table(html, "reviewers") == [
        [str(p[k]) for k in people] for p in data["reviewers"]["people"]
    ]
    assert len(data["weekly"]) > 100  # 2024 to today, every week
    assert html.count('<svg class="chart"') == 7


def test_fixed_query_counts_and_the_stamp(project, client):
    url = f"/project/{project.link_name}/health/"
    with CaptureQueriesContext(connection) as cold:
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as warm:
        assert client.get(url).status_code == 200
    # Cold: the project and its stamp, then four measures (flow, ages, replies, people).
    assert len(cold) == 5
    assert len(warm) == 1
    # A new decision moves the stamp: the next view recomputes and shows it.
    maintainer = project.maintainers.get()
    services.set_patch_state(maintainer, _patch("gamma"), state("accepted"))
    data = client.get(f"/project/{project.link_name}/health.json").json()
    assert data["open_now"] == 4
    assert data["applied_reviewed"][-1]["applied"] == 2


def test_unknown_project_is_a_404(db, client):
    assert client.get("/project/nope/health/").status_code == 404
    assert client.get("/project/nope/health.json").status_code == 404


def test_empty_project_renders(db, client):
    from archive.models import MailingList

    mailing_list = MailingList.objects.create(list_id="empty.example.org", name="empty")
    Project.objects.create(
        mailing_list=mailing_list, name="Empty", link_name="empty", list_id="empty.example.org"
    )
    response = client.get("/project/empty/health/")
    assert response.status_code == 200
    assert b"No patches yet" in response.content
    assert client.get("/project/empty/health.json").json()["weekly"] == []
