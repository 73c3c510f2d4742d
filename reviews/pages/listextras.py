# SPDX-License-Identifier: AGPL-3.0-or-later
"""A page of the patch list, by the ids of its patches, in one round trip.

The rows (with each patch's Message-ID, state and worst latest check), their
submitters (with the address each is merged into), series and delegates, the
delegate choices of the filter form and the states. Through the ORM this was
a page query of four joins and a check subquery, compiled by Django and
planned by PostgreSQL on every view, then three prefetches and two lists;
here one statement of JSON arrays, prepared once per connection, read into
model instances. Which patches and in what order is the ORM's to say
(``PatchQuerySet.matching``): the page passes their ids.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.backends.base.base import BaseDatabaseWrapper

from archive.models import Message, Person
from archive.prepared import execute_prepared, jsonb
from archive.prepared_models import attach, loaded
from reviews.models import CHECK_SEVERITY, Patch, Project, Series, State

__all__ = ["ListPage", "list_page"]

# The patch columns a row reads, in the model's field order.
_PATCH_FIELDS = tuple(
    f.attname
    for f in Patch._meta.concrete_fields
    if f.attname in {
        "id", "turn", "turn_reason", "waiting_since", "replies", "last_activity",
        "project_id", "message_id", "name", "number", "submitter_id", "date", "state_id",
        "delegate_id", "archived", "series_id", "acked", "reviewed", "tested",
    }
)  # fmt: skip
_DATES = {"waiting_since", "last_activity", "date"}

# reviews.checks.check_state_expression, written out: each context's latest
# result, the worst of them (an unknown state would sort first, as there).
_SEVERITY = " ".join(f"WHEN '{state}' THEN {rank}" for state, rank in CHECK_SEVERITY.items())
_CHECK_STATE = f"""
    (SELECT c.state FROM reviews_check c
      WHERE c.patch_id = p.id
        AND NOT EXISTS (SELECT 1 FROM reviews_check n
                         WHERE n.patch_id = c.patch_id AND n.context = c.context
                           AND (n.date > c.date OR (n.date = c.date AND n.id > c.id)))
      ORDER BY CASE c.state {_SEVERITY} ELSE NULL END DESC LIMIT 1)"""

_SQL = f"""
WITH page AS (
  SELECT k.n, {", ".join(f"p.{c}" for c in _PATCH_FIELDS)}
    FROM unnest(%(ids)s::bigint[]) WITH ORDINALITY AS k(id, n)
    JOIN reviews_patch p ON p.id = k.id
)
SELECT
  (SELECT json_agg(json_build_array({", ".join(f"p.{c}" for c in _PATCH_FIELDS)},
                                    m.msgid, {_CHECK_STATE}) ORDER BY p.n)
     FROM page p JOIN archive_message m ON m.id = p.message_id)::text,
  (SELECT json_agg(json_build_array(p.id, p.name, p.email, p.canonical_id, c.name, c.email)
                   ORDER BY p.id)
     FROM archive_person p LEFT JOIN archive_person c ON c.id = p.canonical_id
    WHERE p.id IN (SELECT submitter_id FROM page))::text,
  (SELECT json_agg(json_build_array(s.id, s.name, s.version, s.total) ORDER BY s.id)
     FROM reviews_series s WHERE s.id IN (SELECT series_id FROM page))::text,
  (SELECT json_agg(json_build_array(u.id, u.username) ORDER BY u.username)
     FROM auth_user u
    WHERE u.id IN (SELECT delegate_id FROM reviews_patch WHERE project_id = %(project)s))::text,
  (SELECT json_agg(json_build_array(st.id, st.slug, st.name, st.ordering, st.action_required)
                   ORDER BY st.ordering, st.id)
     FROM reviews_state st)::text
"""


@dataclass
class ListPage:
    patches: list[Patch]  # in the order of the ids asked for
    delegates: (
        list  # the project's delegates (the rows' among them), by username, for the filter form
    )
    states: list[State]
    # A digest of everything read, as read: what the rows show changes it
    # (the page's cache key for its rows, without walking fifty patches again).
    digest: str


def _json(value: object) -> list:
    return jsonb(value) or []


def _patch(alias: str, project: Project, row: list) -> Patch:
    values = dict(zip(_PATCH_FIELDS, row, strict=False))
    for name in _DATES:
        if values[name] is not None:
            values[name] = dt.datetime.fromisoformat(values[name])
    patch = loaded(Patch, alias, _PATCH_FIELDS, values.values())
    msgid, check_state = row[len(_PATCH_FIELDS) :]
    attach(patch, project=project, message=loaded(Message, alias, ("id", "msgid"),
                                                  (patch.message_id, msgid)))  # fmt: skip
    patch.check_state = check_state  # type: ignore[attr-defined]
    return patch


def list_page(db: BaseDatabaseWrapper, project: Project, ids: list[int]) -> ListPage:
    """The patches ``ids`` of ``project``, with what their rows show; the form's choices."""
    with db.cursor() as cursor:
        execute_prepared(cursor, "threadwork_list_page", _SQL, {"ids": ids, "project": project.id})
        texts = cursor.fetchone()
    digest = hashlib.sha256("\0".join(t or "" for t in texts).encode()).hexdigest()
    rows, people, series, users, states = (_json(text) for text in texts)
    alias = db.alias
    user_model = get_user_model()
    persons = {}
    for pid, name, email, canonical_id, c_name, c_email in people:
        person = loaded(Person, alias, ("id", "name", "email", "canonical_id"),
                        (pid, name, email, canonical_id))  # fmt: skip
        if canonical_id:
            person.canonical = loaded(
                Person, alias, ("id", "name", "email"), (canonical_id, c_name, c_email)
            )
        persons[pid] = person
    by_id = {
        sid: loaded(Series, alias, ("id", "name", "version", "total"), (sid, n, v, t))
        for sid, n, v, t in series
    }
    all_users = {uid: loaded(user_model, alias, ("id", "username"), (uid, u)) for uid, u in users}
    all_states = [
        loaded(State, alias, ("id", "slug", "name", "ordering", "action_required"), row)
        for row in states
    ]
    state_by_id = {s.id: s for s in all_states}
    patches = [_patch(alias, project, row) for row in rows]
    for p in patches:
        attach(
            p,
            state=state_by_id[p.state_id],
            submitter=persons[p.submitter_id] if p.submitter_id else None,
            series=by_id[p.series_id] if p.series_id else None,
            delegate=all_users[p.delegate_id] if p.delegate_id else None,
        )
    return ListPage(
        patches=patches, delegates=list(all_users.values()), states=all_states, digest=digest
    )
