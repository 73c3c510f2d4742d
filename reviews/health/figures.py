# SPDX-License-Identifier: AGPL-3.0-or-later
"""The health page's charts, drawn from a :class:`~reviews.health.measures.Health`.

Pure: each figure is the SVG plus its HTML legend, ready for the template.
The numbers behind each chart are the page's tables (``measures.to_json``).
"""

from __future__ import annotations

from dataclasses import dataclass

from reviews.health.measures import AGE_BUCKETS, UNANSWERED_DAYS, Health
from reviews.rendering import charts
from reviews.rendering.charts import Series

__all__ = ["FLOW_WEEKS", "Figure", "figures"]

# The weekly bars show the last two years: thinner bars stop being readable.
# The queue's line and the table cover the whole history.
FLOW_WEEKS = 104


@dataclass(frozen=True)
class Figure:
    svg: str
    legend: str


def _figure(svg: str, series: list[Series]) -> Figure:
    return Figure(svg, charts.legend(series))


def figures(health: Health) -> dict[str, Figure]:
    """Every chart of the page, by the name its section uses."""
    return {
        "flow": _flow(health),
        "queue": _queue(health),
        "ages": _ages(health),
        "first_reply": _first_reply(health),
        "applied": _applied(health),
        "unanswered": _unanswered(health),
        "reviewers": _reviewers(health),
    }


def _flow(health: Health) -> Figure:
    weeks = health.weeks[-FLOW_WEEKS:]
    labels = [w.week.isoformat() for w in weeks]
    up = [Series("arrived", "arrived", tuple(w.arrived for w in weeks))]
    down = [
        Series("accepted", "accepted", tuple(w.accepted for w in weeks)),
        Series("rejected", "rejected", tuple(w.rejected for w in weeks)),
        Series("superseded", "superseded", tuple(w.superseded for w in weeks)),
        Series("other decisions", "other", tuple(w.other for w in weeks)),
    ]
    svg = charts.columns(
        labels, up, down,
        title="Patches arriving (above the line) and decided (below), per week",
        summary=f"{len(weeks)} weeks from {labels[0] if labels else '-'}: "
        f"{sum(w.arrived for w in weeks)} patches arrived, "
        f"{sum(w.accepted + w.rejected + w.superseded + w.other for w in weeks)} were decided.",
        x_ticks=charts.year_ticks(labels),
    )  # fmt: skip
    return _figure(svg, up + down)


def _queue(health: Health) -> Figure:
    labels = [w.week.isoformat() for w in health.weeks]
    series = [Series("open patches", "open", tuple(w.open for w in health.weeks))]
    svg = charts.lines(
        labels, series,
        title="Open patches at the end of each week",
        summary=f"From {labels[0] if labels else '-'}; {health.open_now} open now.",
        x_ticks=charts.year_ticks(labels),
    )  # fmt: skip
    return _figure(svg, series)


def _ages(health: Health) -> Figure:
    series = [Series("open patches", "open", tuple(n for _, n in health.ages))]
    svg = charts.columns(
        [b.short for b in AGE_BUCKETS], series,
        title="Age of the open patches",
        summary=", ".join(f"{n} {label}" for label, n in health.ages),
    )  # fmt: skip
    return _figure(svg, series)


# Durations span minutes to months: a logarithmic axis keeps the median
# readable under the 90th percentile's long tail.
_HOURS = ((1, "1h"), (6, "6h"), (24, "1d"), (168, "1w"), (720, "30d"), (2160, "90d"), (8760, "1y"))


def _first_reply(health: Health) -> Figure:
    months = health.replies
    labels = [m.month for m in months]
    series = [
        Series("median", "median", tuple(m.median_hours for m in months)),
        Series("90th percentile", "p90", tuple(m.p90_hours for m in months)),
    ]
    svg = charts.lines(
        labels, series, suffix=" h", log_ticks=_HOURS,
        title="Time to the first reply from someone other than the submitter, by month posted",
        summary=f"{len(months)} months, on a logarithmic scale from an hour; "
        "the table gives each month's hours.",
        x_ticks=charts.year_ticks(labels),
    )  # fmt: skip
    return _figure(svg, series)


def _applied(health: Health) -> Figure:
    months = health.applied
    labels = [m.month for m in months]
    series = [
        Series("applied with Reviewed-by or Acked-by", "share", tuple(m.share for m in months))
    ]
    svg = charts.lines(
        labels, series, suffix="%", top=100,
        title="Share of applied patches carrying Reviewed-by or Acked-by, by month applied",
        summary=f"{sum(m.with_review for m in months)} of {sum(m.applied for m in months)} "
        "applied patches carry a review trailer.",
        x_ticks=charts.year_ticks(labels),
    )  # fmt: skip
    return _figure(svg, series)


def _unanswered(health: Health) -> Figure:
    months = [m for m in health.replies if m.old_enough]
    labels = [m.month for m in months]
    series = [
        Series(f"nobody answered within {UNANSWERED_DAYS} days", "unanswered",
               tuple(m.unanswered for m in months)),
        Series("answered", "answered", tuple(m.old_enough - m.unanswered for m in months)),
    ]  # fmt: skip
    svg = charts.columns(
        labels, series,
        title=f"Patches nobody else answered within {UNANSWERED_DAYS} days, by month posted",
        summary=f"{sum(m.unanswered for m in months)} of {sum(m.old_enough for m in months)} "
        "patches.",
        x_ticks=charts.year_ticks(labels),
    )  # fmt: skip
    return _figure(svg, series)


def _reviewers(health: Health) -> Figure:
    people = health.reviewers.people
    series = [
        Series("replies to others' patches", "replies", tuple(p.replies for p in people)),
        Series("Reviewed-by, Acked-by, Tested-by given", "trailers",
               tuple(p.reviewed + p.acked + p.tested for p in people)),
    ]  # fmt: skip
    svg = charts.hbars(
        [p.name for p in people], series,
        title="Who reviews: replies and review trailers per person",
        summary=f"The {len(people)} people who replied most to others' patches.",
    )  # fmt: skip
    return _figure(svg, series)
