# SPDX-License-Identifier: AGPL-3.0-or-later
"""What a page of the patch list needs besides its patches, in one round trip.

The rows' submitters (with the address each is merged into), series and
delegates, the delegate choices of the filter form and the states: five
small statements through the ORM (three prefetches, two lists), each taking
longer to build and send than PostgreSQL takes to run it. Written out here
as one statement of JSON arrays, read into model instances.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.backends.base.base import BaseDatabaseWrapper

from archive.models import Person
from reviews.models import Patch, Series, State

_SQL = """
SELECT
  (SELECT json_agg(json_build_array(p.id, p.name, p.email, p.canonical_id, c.name, c.email))
     FROM archive_person p LEFT JOIN archive_person c ON c.id = p.canonical_id
    WHERE p.id = ANY(%(people)s)),
  (SELECT json_agg(json_build_array(s.id, s.name, s.version, s.total))
     FROM reviews_series s WHERE s.id = ANY(%(series)s)),
  (SELECT json_agg(json_build_array(u.id, u.username) ORDER BY u.username)
     FROM auth_user u
    WHERE u.id IN (SELECT delegate_id FROM reviews_patch WHERE project_id = %(project)s)),
  (SELECT json_agg(json_build_array(st.id, st.slug, st.name, st.ordering, st.action_required)
                   ORDER BY st.ordering, st.id)
     FROM reviews_state st)
"""


@dataclass
class ListExtras:
    delegates: (
        list  # the project's delegates (the rows' among them), by username, for the filter form
    )
    states: list[State]


def attach(db: BaseDatabaseWrapper, project_id: int, patches: list[Patch]) -> ListExtras:
    """Set each patch's submitter, series and delegate; return the form's choices."""
    user_model = get_user_model()
    with db.cursor() as cursor:
        cursor.execute(
            _SQL,
            {
                "people": sorted({p.submitter_id for p in patches if p.submitter_id}),
                "series": sorted({p.series_id for p in patches if p.series_id}),
                "project": project_id,
            },
        )
        people, series, users, states = (
            json.loads(v) if isinstance(v, str) else v or [] for v in cursor.fetchone()
        )
    alias = db.alias
    persons = {}
    for pid, name, email, canonical_id, c_name, c_email in people:
        person = Person.from_db(alias, ["id", "name", "email", "canonical_id"],
                                [pid, name, email, canonical_id])  # fmt: skip
        if canonical_id:
            person.canonical = Person.from_db(
                alias, ["id", "name", "email"], [canonical_id, c_name, c_email]
            )
        persons[pid] = person
    by_id = {
        sid: Series.from_db(alias, ["id", "name", "version", "total"], [sid, n, v, t])
        for sid, n, v, t in series
    }
    all_users = {uid: user_model.from_db(alias, ["id", "username"], [uid, u]) for uid, u in users}
    for p in patches:
        if p.submitter_id:
            p.submitter = persons[p.submitter_id]
        if p.series_id:
            p.series = by_id[p.series_id]
        if p.delegate_id:
            p.delegate = all_users[p.delegate_id]
    return ListExtras(
        delegates=list(all_users.values()),
        states=[
            State.from_db(alias, ["id", "slug", "name", "ordering", "action_required"], row)
            for row in states
        ],
    )
