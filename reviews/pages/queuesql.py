# SPDX-License-Identifier: AGPL-3.0-or-later
"""My queue's statements, written out: the three tab counts in one round trip,
and one page of a tab's series read into model instances.

Building the same queries with the ORM (``SeriesQuerySet.waiting_on`` and its
siblings, each with two ``Exists`` and a subquery) took longer than running
them, on every cold queue: about 5 ms of Python for four statements that run
in 1 ms each. The conditions here are those of ``SeriesQuerySet`` (keep the
two in step; ``tests/ui/test_queue.py`` checks the tabs' rows and counts).
Both statements are prepared on the connection: planning the counts' six
subqueries took 2.7 ms at ten times linux-rtc, longer than running them.
"""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

from archive.models import Person
from archive.prepared import execute_prepared, name_for
from archive.prepared_models import attach, loaded
from reviews.models import Project, Series

# The user's projects; another maintainer's delegation; a delegation to the user.
_MINE = (
    "s.project_id IN (SELECT project_id FROM reviews_project_maintainers WHERE user_id = %(user)s)"
)
_ELSEWHERE = (
    "EXISTS (SELECT 1 FROM reviews_patch p WHERE p.series_id = s.id"
    " AND p.delegate_id IS NOT NULL AND p.delegate_id <> %(user)s)"
)
_TO_ME = (
    "EXISTS (SELECT 1 FROM reviews_patch p WHERE p.series_id = s.id AND p.delegate_id = %(user)s)"
)
_ON_ME = f"(({_MINE} AND NOT {_ELSEWHERE}) OR {_TO_ME})"
_ON_THEM = f"({_MINE} AND {_ELSEWHERE})"

# FROM and WHERE of each tab, by its slug (``SeriesQuerySet.waiting_on``,
# ``waiting_on_others_for``, ``submitted_by``), as parts that ``tab_counts``
# adds up and ``tab_page`` merges in wait order. "others" is split by turn:
# asked with the OR of both turns, PostgreSQL read the tab through a bitmap of
# the heap (652 blocks, 4 ms at ten times linux-rtc) and sorted all of it for a
# page; each turn alone is read from ``series_queue`` in wait order.
TAB_PARTS = {
    "": (
        f"FROM reviews_series s WHERE s.turn = 'maintainer' AND s.received_total > 0 AND {_ON_ME}",
    ),
    "others": (
        "FROM reviews_series s WHERE s.turn = 'submitter' AND s.received_total > 0"
        f" AND ({_ON_ME} OR {_ON_THEM})",
        "FROM reviews_series s WHERE s.turn = 'maintainer' AND s.received_total > 0"
        f" AND {_ON_THEM}",
    ),
    "submitted": (
        "FROM reviews_series s JOIN archive_person sp ON sp.id = s.submitter_id"
        " WHERE s.received_total > 0 AND UPPER(sp.email::text) = UPPER(%(email)s)"
        " AND s.turn <> 'nobody'",
    ),
}

_SERIES = ("id", "turn", "turn_reason", "waiting_since", "replies", "last_activity",
           "project_id", "name", "version", "total", "received_total", "submitter_id",
           "date", "acked", "reviewed", "tested")  # fmt: skip
_PROJECT = ("id", "name", "link_name")
_PERSON = ("id", "name", "email")


def _params(user) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {"user": user.pk, "email": user.email}


def tab_counts(db: BaseDatabaseWrapper, user, slugs: list[str], bound: int) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Each tab's number of series, in one statement (no address: no series of mine),
    counted only up to one past ``bound``: a larger number means "more than bound".

    Counting all of a tab walked every series waiting in it (14,500 on the
    maintainer's tab at thirty times linux-rtc: 10 ms a cold view).
    """
    counted = [s for s in slugs if s != "submitted" or user.email]
    counts = {slug: 0 for slug in slugs}
    if counted:
        columns = ", ".join(
            " + ".join(
                f"(SELECT count(*) FROM (SELECT 1 {part} LIMIT %(past)s) AS c)"
                for part in TAB_PARTS[slug]
            )
            for slug in counted
        )
        with db.cursor() as cursor:
            sql = f"SELECT {columns}"
            # one text per set of tabs counted (a user without an address counts two)
            params = {**_params(user), "past": bound + 1}
            execute_prepared(cursor, name_for("threadwork_queue_counts", sql), sql, params)
            counts.update(zip(counted, cursor.fetchone(), strict=True))
    return counts


def tab_page(db: BaseDatabaseWrapper, user, slug: str, offset: int, limit: int) -> list[Series]:  # type: ignore[no-untyped-def]
    """One page of a tab, oldest wait first, with each series' project and submitter."""
    columns = ", ".join(
        [f"s.{c}" for c in _SERIES] + [f"pr.{c}" for c in _PROJECT] + [f"pe.{c}" for c in _PERSON]
    )
    # The page's ids first, merged from the parts' index order and stopped at
    # the page's end; its series' projects and submitters joined after.
    picked = " UNION ALL ".join(
        f"(SELECT s.id, s.waiting_since {part})" for part in TAB_PARTS[slug]
    )
    sql = (
        f"WITH page AS (SELECT id, waiting_since FROM ({picked}) AS t"
        " ORDER BY waiting_since ASC NULLS LAST, id ASC LIMIT %(limit)s OFFSET %(offset)s)"
        f" SELECT {columns} FROM page JOIN reviews_series s ON s.id = page.id{_JOINS}"
        " ORDER BY s.waiting_since ASC NULLS LAST, s.id ASC"
    )
    with db.cursor() as cursor:
        params = {**_params(user), "limit": limit, "offset": offset}
        execute_prepared(cursor, name_for("threadwork_queue_page", sql), sql, params)
        rows = cursor.fetchall()
    series_n, project_n = len(_SERIES), len(_PROJECT)
    page = []
    for row in rows:
        series = loaded(Series, db.alias, _SERIES, row[:series_n])
        person = row[series_n + project_n :]
        attach(
            series,
            project=loaded(Project, db.alias, _PROJECT, row[series_n : series_n + project_n]),
            submitter=loaded(Person, db.alias, _PERSON, person) if person[0] else None,
        )
        page.append(series)
    return page


_JOINS = (
    " JOIN reviews_project pr ON pr.id = s.project_id"
    " LEFT JOIN archive_person pe ON pe.id = s.submitter_id"
)
