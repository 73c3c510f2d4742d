# SPDX-License-Identifier: AGPL-3.0-or-later
"""A project's review health: charts, the tables behind them, and the same as JSON.

Computing the measures reads the counts stored as mail and decisions arrive
(four queries, ``reviews.health.queries``); the result, charts and tables
drawn, is cached under the change stamp, the merged people and the day: any
new mail or change recomputes it, and ages move on daily. A warm page costs
one query (the project and its stamp).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.db.models import CharField, QuerySet
from django.db.models.expressions import RawSQL
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from archive.prepared_models import PreparedQuery
from reviews.health import figures as health_figures
from reviews.health import measures, queries
from reviews.models import Project
from reviews.pages.stamp import change_stamp

__all__ = ["HealthPage", "health", "health_json", "health_page"]

# Bump when the measures, their JSON or the charts change: cached results carry it.
VERSION = 3
TIMEOUT = 24 * 3600
TOP_PEOPLE = 15


@dataclass(frozen=True)
class HealthPage:
    project: Project
    data: dict[str, Any]
    charts: dict[str, dict[str, SafeString]]
    recent: dict[str, Any]
    unanswered_url: str = ""
    # The long tables' body rows, newest first, by measure (see _tables).
    tables: dict[str, SafeString] = field(default_factory=dict)


# The long tables (hundreds of weeks and months), their first column the
# row's header and the rest numbers. Written here rather than looped over in
# the template: the loop cost more than computing the measures.
_TABLES = {
    "weekly": ("weekly", ("week", "arrived", "accepted", "rejected", "superseded", "other",
                          "open")),
    "first_reply": ("first_reply", ("month", "patches", "answered", "median_hours",
                                    "p90_hours")),
    "unanswered": ("unanswered.months", ("month", "patches", "unanswered", "share_percent")),
    "applied_reviewed": ("applied_reviewed", ("month", "applied", "by_reply_only",
                                              "with_review", "share_percent")),
}  # fmt: skip


def _text(value: Any) -> str:
    """A cell: numbers as Python writes them (as the JSON does), text escaped, "—" for none."""
    if value is None:
        return "—"
    return html.escape(value) if isinstance(value, str) else str(value)


def _tables(data: dict[str, Any]) -> dict[str, SafeString]:
    tables = {}
    for name, (path, keys) in _TABLES.items():
        rows: Any = data
        for part in path.split("."):
            rows = rows[part]
        out = []
        for row in reversed(rows):
            head, *cells = (row[key] for key in keys)
            out.append(f'<tr><th scope="row">{_text(head)}</th>')
            out += [f'<td class="num">{_text(c)}</td>' for c in cells]
            out.append("</tr>")
        # Safe: every value is escaped above.
        tables[name] = mark_safe("".join(out))
    return tables


def compute(project_id: int, now: datetime) -> tuple[measures.Health, dict[str, Any]]:
    """The measures of one project at ``now`` (four queries)."""
    days = queries.daily_flow(project_id)
    health = measures.Health(
        generated=now,
        weeks=measures.weekly(days),
        ages=measures.ages(queries.open_ages(project_id, now)),
        replies=measures.reply_months(
            queries.first_replies(project_id, now, measures.UNANSWERED_DAYS)
        ),
        applied=measures.applied_by_month(days),
        reviewers=measures.reviewers_from(queries.reviewers(project_id, TOP_PEOPLE)),
    )
    return health, measures.to_json(health)


# Who is merged with whom (archive/people.py) moves no change stamp, but who
# reviews counts persons: the merged addresses are part of the key. Read
# through the index on canonical_id, they are few.
_MERGES = RawSQL(
    "(SELECT concat(count(*), '.', coalesce(sum(id * 7 + canonical_id), 0))"
    " FROM archive_person WHERE canonical_id IS NOT NULL)",
    (),
    output_field=CharField(),
)


def _project_queryset(link_name: str) -> QuerySet[Project]:
    return (
        Project.objects.annotate(stamp=change_stamp(), merges=_MERGES)
        .only("name", "link_name")
        .filter(link_name=link_name)
    )


# The project, its change stamp (seven index probes) and its merged people:
# compiled once per process and planned once per connection (2.5 ms a page).
_PROJECT: PreparedQuery[Project] = PreparedQuery("threadwork_health_project", _project_queryset)


def _project(link_name: str) -> Project:
    return _PROJECT.get_or_404(Project, link_name=link_name)


def _key(project: Project) -> str:
    return (
        f"tw:health:{VERSION}:{project.id}:{project.stamp}:{project.merges}:"
        f"{timezone.now():%Y-%m-%d}"
    )


def _measured(project: Project, key: str) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The JSON numbers, the drawn charts and the headline numbers, cached under ``key``."""
    found = cache.get(key)
    if found is None:
        now = timezone.now()
        health, data = compute(project.id, now)
        drawn = {
            name: {"svg": f.svg, "legend": f.legend}
            for name, f in health_figures.figures(health).items()
        }
        found = (data, drawn, _recent(health, now))
        cache.set(key, found, TIMEOUT)
    return found


def _recent(health: measures.Health, now: datetime) -> dict[str, Any]:
    """Headline numbers over the last twelve months of arrivals."""
    months = measures.recent(health.replies, now)
    old_enough = sum(m.old_enough for m in months)
    unanswered = sum(m.unanswered for m in months)
    latest = next((m for m in reversed(health.replies) if m.median_hours is not None), None)
    applied = sum(m.applied for m in health.applied)
    return {
        "patches": sum(m.patches for m in months),
        "unanswered": unanswered,
        "unanswered_share": round(100 * unanswered / old_enough, 1) if old_enough else None,
        "latest_month": latest,
        "applied": applied,
        "applied_share": round(100 * sum(m.with_review for m in health.applied) / applied, 1)
        if applied
        else None,
    }


def health_page(project: Project, key: str) -> HealthPage:
    data, drawn, recent = _measured(project, key)
    # Safe: charts.py escapes every label and name it draws.
    charts = {
        name: {"svg": mark_safe(part["svg"]), "legend": mark_safe(part["legend"])}
        for name, part in drawn.items()
    }
    # The patch list's own filters: open, no reply from others yet, older than the cut.
    unanswered = f"/project/{project.link_name}/list/?replied=no&waiting={measures.UNANSWERED_DAYS}"
    return HealthPage(project, data, charts, recent, unanswered, _tables(data))


def health(request: HttpRequest, link_name: str) -> HttpResponse:
    project = _project(link_name)
    key = _key(project)
    # The body (hundreds of table rows) is rendered once per stamp, like the numbers.
    body = cache.get(f"{key}:html")
    if body is None:
        context = {"view": health_page(project, key), "days": measures.UNANSWERED_DAYS}
        body = render_to_string("reviews/_health_body.html", context)
        cache.set(f"{key}:html", body, TIMEOUT)
    # Safe: rendered by our template, which escapes what it shows.
    return render(request, "reviews/health.html", {"project": project, "body": mark_safe(body)})


def health_json(request: HttpRequest, link_name: str) -> JsonResponse:
    project = _project(link_name)
    data, _, _ = _measured(project, _key(project))
    return JsonResponse({"project": project.link_name, **data})
