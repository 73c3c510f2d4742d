# SPDX-License-Identifier: AGPL-3.0-or-later
"""One page of the events page in one round trip: its rows and the filter form.

The page's events joined to what they name (actor, patch, cover, series and
their Message-IDs, project), the delegates and checks their payloads name,
the states, the projects and the people who acted: six ORM statements, one
of them an eight-way join that PostgreSQL took longer to plan (~2 ms) than
to run (0.4 ms), and each compiled by Django on every view. Written out
here as one statement of JSON arrays, prepared once per connection, read
into the same instances that ``reviews.pages.events`` makes rows of.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model

from archive.prepared import execute_prepared, jsonb
from archive.prepared_models import loaded
from reviews.models import Check, Cover, Event, Patch, Project, Series

__all__ = ["PageParts", "page_parts"]

M = TypeVar("M", bound=Model)

# A payload's id, as the Python lookups read it: an integer, nothing else.
_ID = "'^[0-9]{1,18}$'"


def _payload_ids(*keys: str) -> str:
    return " UNION ".join(
        f"SELECT (e.payload->>'{k}')::bigint FROM page e WHERE e.payload->>'{k}' ~ {_ID}"
        for k in keys
    )


def _sql(scope: str) -> str:
    return f"""
WITH page AS (SELECT * FROM reviews_event WHERE id = ANY(%(ids)s::bigint[]))
SELECT
  (SELECT json_agg(json_build_array(
            e.id, e.category, e.date, e.payload, e.change_set_id, e.project_id, j.link_name,
            e.actor_id, a.username, e.patch_id, p.name, pm.msgid,
            e.cover_id, c.name, cm.msgid, e.series_id, s.name, s.version)
          ORDER BY e.date DESC, e.id DESC)
     FROM page e
     JOIN reviews_project j ON j.id = e.project_id
     LEFT JOIN auth_user a ON a.id = e.actor_id
     LEFT JOIN reviews_patch p ON p.id = e.patch_id
     LEFT JOIN archive_message pm ON pm.id = p.message_id
     LEFT JOIN reviews_cover c ON c.id = e.cover_id
     LEFT JOIN archive_message cm ON cm.id = c.message_id
     LEFT JOIN reviews_series s ON s.id = e.series_id),
  (SELECT json_agg(json_build_array(u.id, u.username)) FROM auth_user u
    WHERE u.id IN ({_payload_ids("previous_delegate", "current_delegate")})),
  (SELECT json_agg(json_build_array(k.id, k.context, k.state)) FROM reviews_check k
    WHERE k.id IN ({_payload_ids("check")})),
  (SELECT json_agg(json_build_array(st.slug, st.name) ORDER BY st.ordering, st.id)
     FROM reviews_state st),
  (SELECT json_agg(json_build_array(pr.id, pr.link_name, pr.name) ORDER BY pr.link_name)
     FROM reviews_project pr),
  (SELECT json_agg(json_build_array(u.id, u.username) ORDER BY u.username) FROM auth_user u
    WHERE u.id IN (SELECT actor_id FROM reviews_event
                    WHERE {scope} AND actor_id IS NOT NULL))
"""


# One project's page, or every project's; the scope is part of the plan.
_PROJECT_SQL = _sql("project_id = %(project)s")
_ALL_SQL = _sql("project_id IS NOT NULL")


@dataclass
class PageParts:
    events: list[Event]  # newest first, with what their rows show joined
    users: dict[int, str]  # usernames of the delegates the payloads name
    checks: dict[int, Check]  # the checks they name (context and state)
    states: dict[str, str]  # state names by slug
    projects: list[Project]  # id, link name and name, by link name
    people: list[Any]  # users who acted in the scope (id, username), by username


# The loaded fields of each model and set of names, in the model's field order
# (Model.from_db takes them so); worked out once, not for each of fifty rows.
_ORDER: dict[tuple[type[Model], frozenset[str]], list[str]] = {}


def _model(model: type[M], alias: str, **values: object) -> M:
    """An instance of ``model`` with only these fields loaded (the rest deferred)."""
    key = (model, frozenset(values))
    fields = _ORDER.get(key)
    if fields is None:
        fields = [f.attname for f in model._meta.concrete_fields if f.attname in values]
        _ORDER[key] = fields
    return loaded(model, alias, fields, [values[f] for f in fields])


def _json(value: object) -> list:
    return jsonb(value) or []


def _event(alias: str, row: list) -> Event:
    (eid, category, date, payload, change_set, project_id, link, actor_id, username,
     patch_id, patch_name, patch_msgid, cover_id, cover_name, cover_msgid,
     series_id, series_name, series_version) = row  # fmt: skip
    event = _model(
        Event, alias, id=eid, project_id=project_id, category=category,
        date=dt.datetime.fromisoformat(date), actor_id=actor_id, patch_id=patch_id,
        series_id=series_id, cover_id=cover_id, payload=payload, change_set_id=change_set,
    )  # fmt: skip
    event.project = _model(Project, alias, id=project_id, link_name=link)
    event.actor = (
        _model(get_user_model(), alias, id=actor_id, username=username) if actor_id else None
    )
    event.patch = _model(Patch, alias, id=patch_id, name=patch_name) if patch_id else None
    event.patch_msgid = patch_msgid  # type: ignore[attr-defined]
    event.cover = _model(Cover, alias, id=cover_id, name=cover_name) if cover_id else None
    event.cover_msgid = cover_msgid  # type: ignore[attr-defined]
    event.series = (
        _model(Series, alias, id=series_id, name=series_name, version=series_version)
        if series_id
        else None
    )
    return event


def page_parts(db: BaseDatabaseWrapper, ids: list[int], project: Project | None) -> PageParts:
    """The events ``ids`` (newest first), what their rows look up, and the form's choices."""
    name, sql = (
        ("threadwork_event_page", _PROJECT_SQL)
        if project
        else ("threadwork_event_page_all", _ALL_SQL)
    )
    params: dict[str, object] = {"ids": ids}
    if project is not None:
        params["project"] = project.id
    with db.cursor() as cursor:
        execute_prepared(cursor, name, sql, params)
        events, users, checks, states, projects, people = (_json(v) for v in cursor.fetchone())
    alias = db.alias
    user_model = get_user_model()
    found = {
        cid: _model(Check, alias, id=cid, context=context, state=state)
        for cid, context, state in checks
    }
    return PageParts(
        events=[_event(alias, row) for row in events],
        users=dict(users),
        checks=found,
        states=dict(states),
        projects=[
            _model(Project, alias, id=pid, link_name=link, name=name)
            for pid, link, name in projects
        ],
        people=[_model(user_model, alias, id=uid, username=u) for uid, u in people],
    )
