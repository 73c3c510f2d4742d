# SPDX-License-Identifier: AGPL-3.0-or-later
"""The SVG charts (reviews/rendering/charts.py) and the health measures' shaping. No database."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from reviews.health import measures
from reviews.rendering import charts
from reviews.rendering.charts import Series

SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.get("viewBox") == f"0 0 {charts.WIDTH} {root.get('viewBox').split()[3]}"
    assert root.get("width") is None  # CSS sizes it: a phone scales it down
    assert root.find(f"{SVG}title") is not None and root.find(f"{SVG}desc") is not None
    return root


def test_nice_ticks_are_round_and_cover_the_top():
    assert charts.nice_ticks(7) == [0, 2, 4, 6, 8]
    assert charts.nice_ticks(100) == [0, 25, 50, 75, 100]
    assert charts.nice_ticks(0.9) == [0, 0.25, 0.5, 0.75, 1.0]
    assert charts.nice_ticks(0) == [0, 1]
    assert charts.nice_ticks(1, whole=True) == [0, 1]  # counts: no quarter patches
    assert charts.nice_ticks(3188)[-1] >= 3188


def test_year_ticks_mark_where_years_begin():
    labels = ["2023-12-25", "2024-01-01", "2024-01-08", "2025-01-06"]
    assert charts.year_ticks(labels) == [(0, "2023"), (1, "2024"), (3, "2025")]
    # A first label just before a new year would print on top of it.
    weeks = ["2023-12-25"] + [f"2024-{m:02}-01" for m in range(1, 13)] * 2
    assert charts.year_ticks(weeks)[0] == (1, "2024")
    many = [f"{y}-01" for y in range(2000, 2020)]
    assert len(charts.year_ticks(many, most=8)) <= 8


def test_columns_stack_up_and_down_with_a_title_per_column():
    up = [Series("arrived", "arrived", (3, 0, 5))]
    down = [Series("accepted", "accepted", (1, 2, 0)), Series("rejected", "rejected", (1, 0, 0))]
    root = _parse(charts.columns(["w1", "w2", "w3"], up, down, title="Flow", summary="3 weeks"))
    rects = root.findall(f"{SVG}rect")
    # Zero values draw nothing; every column has a hit area with its numbers.
    assert len([r for r in rects if r.get("class") == "s-arrived"]) == 2
    assert len([r for r in rects if r.get("class") == "s-accepted"]) == 2
    hits = [r for r in rects if r.get("class") == "hit"]
    assert hits[0].find(f"{SVG}title").text == "w1: 3 arrived; 1 accepted; 1 rejected"
    # Arrivals sit above the axis, decisions below it.
    axis = float(next(e for e in root.iter(f"{SVG}line") if e.get("class") == "axis").get("y1"))
    arrived = next(r for r in rects if r.get("class") == "s-arrived")
    accepted = next(r for r in rects if r.get("class") == "s-accepted")
    assert float(arrived.get("y")) + float(arrived.get("height")) <= axis + 0.01
    assert float(accepted.get("y")) >= axis - 0.01


def test_lines_break_at_missing_values_and_escape_text():
    svg = charts.lines(
        ["a", "b", "c", "d"],
        [Series("median <h>", "median", (1.0, None, 2.0, 3.0))],
        title="Reply & wait",
        summary="<script>",
    )
    root = _parse(svg)
    path = next(root.iter(f"{SVG}path")).get("d")
    assert path.count("M") == 2 and path.count("L") == 1
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert root.find(f"{SVG}title").text == "Reply & wait"


def test_hbars_one_group_per_person_and_a_legend():
    series = [Series("replies", "replies", (10, 4)), Series("trailers", "trailers", (2, 0))]
    root = _parse(
        charts.hbars(
            ["Ann", "A very long name that goes on and on"], series, title="t", summary="s"
        )
    )
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "Ann" in texts and any(t and t.endswith("…") for t in texts)
    assert charts.legend(series).count("<li>") == 2


def test_weekly_fills_gaps_and_carries_the_open_queue():
    days = [
        (dt.date(2024, 1, 1), 3, 0, 0, 0, 0, 0, 0, 3),
        (dt.date(2024, 1, 3), 1, 1, 0, 0, 0, 0, 1, 3),
        (dt.date(2024, 1, 24), 0, 0, 1, 1, 0, 0, 0, 1),
        (dt.date(2024, 2, 5), 0, 0, 0, 0, 0, 2, 1, 1),  # applied by mail, still open
    ]
    weeks = measures.weekly(days)
    assert [w.week.isoformat() for w in weeks][:4] == [
        "2024-01-01",
        "2024-01-08",
        "2024-01-15",
        "2024-01-22",
    ]
    assert [w.open for w in weeks] == [3, 3, 3, 1, 1, 1]
    assert (weeks[0].arrived, weeks[0].accepted) == (4, 1)
    january, february = measures.applied_by_month(days)
    assert january == measures.AppliedMonth("2024-01", 1, 0, 1) and january.share == 100.0
    assert february == measures.AppliedMonth("2024-02", 2, 2, 1) and february.share == 50.0
    assert measures.weekly([]) == ()


def test_lines_on_a_log_scale_put_each_tick_where_its_value_lies():
    ticks = ((1, "1h"), (24, "1d"), (168, "1w"), (720, "30d"))
    svg = charts.lines(
        ["m1", "m2", "m3"],
        [Series("median", "median", (0.1, 24.0, 100.0))],
        title="t",
        summary="s",
        log_ticks=ticks,
    )
    root = _parse(svg)
    labels = {
        t.text: float(t.get("y")) - 4
        for t in root.iter(f"{SVG}text")
        if t.text in dict((b, a) for a, b in ticks)
    }
    # Up to the first tick above the highest value (100 h): 1h, 1d, 1w; not 30d.
    assert set(labels) == {"1h", "1d", "1w"}
    points = [p.split()[1] for p in next(root.iter(f"{SVG}path")).get("d").split("L")]
    # 0.1 h sits on the lowest tick; 24 h on the 1d line.
    assert abs(float(points[0]) - labels["1h"]) < 0.2 and abs(float(points[1]) - labels["1d"]) < 0.2
