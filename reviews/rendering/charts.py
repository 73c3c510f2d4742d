# SPDX-License-Identifier: AGPL-3.0-or-later
"""Small SVG charts drawn on the server: columns, lines and horizontal bars.

Pure: numbers and labels in, an SVG string out; no Django, no JavaScript.
Colours are CSS classes (``s-<key>``) that the stylesheet maps to variables,
so one SVG follows the page into dark mode; text and axes use
``currentColor``. The drawing has a fixed ``viewBox`` and no width of its
own, so CSS scales it to the column it sits in, a 390 px phone included.
Every chart carries a ``<title>`` and ``<desc>`` for screen readers; the
numbers themselves are in the table each page puts behind its chart.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

__all__ = ["Series", "columns", "hbars", "legend", "lines", "nice_ticks", "year_ticks"]

WIDTH = 480
HEIGHT = 220
_LEFT, _RIGHT, _TOP, _BOTTOM = 40, 8, 10, 22


@dataclass(frozen=True)
class Series:
    """One named row of values; ``key`` names its colour class (``s-<key>``)."""

    name: str
    key: str
    values: tuple[float | None, ...]


def nice_ticks(top: float, count: int = 4, *, whole: bool = False) -> list[float]:
    """Round axis values from 0 to at least ``top``: 0, 5, 10... or 0, 0.25, 0.5...

    ``whole``: the values are counts, so no step is below 1.
    """
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    if whole:
        step = max(1.0, math.ceil(step))
    steps = math.ceil(top / step - 1e-9)
    return [round(i * step, 10) for i in range(steps + 1)]


def year_ticks(labels: Sequence[str], most: int = 8) -> list[tuple[int, str]]:
    """For ISO-dated labels (``2024-01-08``, ``2024-01``): where each year begins.

    The first label counts as a beginning unless the next year starts too
    close after it for both to be read.
    """
    ticks = [
        (i, label[:4]) for i, label in enumerate(labels) if i == 0 or label[:4] != labels[i - 1][:4]
    ]
    if len(ticks) > 1 and ticks[1][0] < len(labels) / 10:
        ticks = ticks[1:]
    stride = math.ceil(len(ticks) / most) if ticks else 1
    return ticks[::stride]


def _number(value: float) -> str:
    return f"{value:g}" if value < 1e6 else f"{value:.3g}"


def _svg(title: str, summary: str, body: list[str], height: int = HEIGHT) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMidYMid meet">'
        f"<title>{escape(title)}</title><desc>{escape(summary)}</desc>" + "".join(body) + "</svg>"
    )


@dataclass(frozen=True)
class _Frame:
    """The plot area and a linear scale from values to y (``top`` at the top edge)."""

    top: float
    bottom: float
    ticks: list[float]
    zero: float  # y of the value 0
    per_unit: float  # pixels per unit, upwards

    def y(self, value: float) -> float:
        return self.zero - value * self.per_unit


def _frame(
    up_max: float, down_max: float = 0.0, suffix: str = "", *, whole: bool = False
) -> tuple[_Frame, list[str]]:
    top, bottom = float(_TOP), float(HEIGHT - _BOTTOM)
    ticks = nice_ticks(max(up_max, down_max, 0.0), whole=whole)
    span = ticks[-1] * (2 if down_max > 0 and up_max > 0 else 1)
    per_unit = (bottom - top) / span
    zero = bottom - (ticks[-1] * per_unit if down_max > 0 and up_max > 0 else 0)
    if down_max > 0 and up_max <= 0:
        zero = top
    frame = _Frame(top, bottom, ticks, zero, per_unit)
    parts = []
    signs = ([1] if up_max > 0 or down_max <= 0 else []) + ([-1] if down_max > 0 else [])
    for sign in signs:
        for tick in ticks:
            if tick == 0 and sign == -1:
                continue
            y = frame.y(sign * tick)
            parts.append(
                f'<line class="grid" x1="{_LEFT}" x2="{WIDTH - _RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
                f'<text class="tick" x="{_LEFT - 4}" y="{y + 4:.1f}" text-anchor="end">'
                f"{_number(tick)}{suffix}</text>"
            )
    parts.append(
        f'<line class="axis" x1="{_LEFT}" x2="{WIDTH - _RIGHT}" '
        f'y1="{frame.zero:.1f}" y2="{frame.zero:.1f}"/>'
    )
    return frame, parts


def _x_labels(ticks: Sequence[tuple[int, str]], x_of, baseline: float) -> list[str]:
    return [
        f'<text class="tick" x="{x_of(i):.1f}" y="{baseline + 16:.1f}" text-anchor="middle">'
        f"{escape(text)}</text>"
        for i, text in ticks
    ]


def columns(
    labels: Sequence[str],
    up: Sequence[Series],
    down: Sequence[Series] = (),
    *,
    title: str,
    summary: str,
    x_ticks: Sequence[tuple[int, str]] | None = None,
) -> str:
    """Stacked columns, one per label: ``up`` above the axis, ``down`` stacked below it.

    Each column has a transparent hit area whose ``<title>`` lists its values,
    so a pointer over it shows the numbers without any script.
    """
    n = max(len(labels), 1)
    up_max = max((sum(s.values[i] or 0 for s in up) for i in range(len(labels))), default=0)
    down_max = max((sum(s.values[i] or 0 for s in down) for i in range(len(labels))), default=0)
    frame, body = _frame(float(up_max), float(down_max), whole=True)
    slot = (WIDTH - _LEFT - _RIGHT) / n
    width = max(slot * 0.8, 0.6)

    def x_of(i: int) -> float:
        return _LEFT + slot * (i + 0.5)

    for i, label in enumerate(labels):
        x = x_of(i) - width / 2
        body.extend(_stack(up, i, x, width, frame, 1))
        body.extend(_stack(down, i, x, width, frame, -1))
        values = "; ".join(f"{_number(s.values[i] or 0)} {s.name}" for s in (*up, *down))
        body.append(
            f'<rect class="hit" x="{_LEFT + slot * i:.2f}" y="{frame.top}" width="{slot:.2f}" '
            f'height="{frame.bottom - frame.top}"><title>{escape(label)}: {escape(values)}'
            "</title></rect>"
        )
    ticks = x_ticks if x_ticks is not None else [(i, s) for i, s in enumerate(labels)]
    body.extend(_x_labels(ticks, x_of, frame.bottom))
    return _svg(title, summary, body)


def _stack(
    series: Sequence[Series], i: int, x: float, width: float, frame: _Frame, sign: int
) -> list[str]:
    parts, base = [], 0.0
    for s in series:
        value = s.values[i] or 0
        if value <= 0:
            continue
        y0, y1 = frame.y(sign * base), frame.y(sign * (base + value))
        parts.append(
            f'<rect class="s-{s.key}" x="{x:.2f}" y="{min(y0, y1):.2f}" '
            f'width="{width:.2f}" height="{abs(y1 - y0):.2f}"/>'
        )
        base += value
    return parts


def lines(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    summary: str,
    suffix: str = "",
    top: float | None = None,
    x_ticks: Sequence[tuple[int, str]] | None = None,
    log_ticks: Sequence[tuple[float, str]] | None = None,
) -> str:
    """One line per series over the labels; a missing value (None) breaks the line.

    ``log_ticks`` (value, label), ascending: a logarithmic y axis with those
    ticks, for durations from minutes to months; values below the first tick
    sit on it.
    """
    high = max((v for s in series for v in s.values if v is not None), default=0.0)
    if log_ticks:
        y_of, body = _log_frame(high, log_ticks)
    else:
        frame, body = _frame(float(top if top is not None else high), suffix=suffix)
        y_of = frame.y
    n = len(labels)
    span = WIDTH - _LEFT - _RIGHT

    def x_of(i: int) -> float:
        return _LEFT + (span * i / (n - 1) if n > 1 else span / 2)

    for s in series:
        path, pen_down = [], False
        for i, value in enumerate(s.values):
            if value is None:
                pen_down = False
                continue
            path.append(f"{'L' if pen_down else 'M'}{x_of(i):.1f} {y_of(value):.1f}")
            pen_down = True
        if path:
            body.append(f'<path class="line s-{s.key}" d="{" ".join(path)}"/>')
        if n <= 40:  # few points: mark each, so lone months show
            body.extend(
                f'<circle class="s-{s.key}" cx="{x_of(i):.1f}" cy="{y_of(v):.1f}" r="2.5">'
                f"<title>{escape(labels[i])}: {_number(v)}{escape(suffix)} {escape(s.name)}"
                "</title></circle>"
                for i, v in enumerate(s.values)
                if v is not None
            )
    ticks = x_ticks if x_ticks is not None else [(i, s) for i, s in enumerate(labels)]
    body.extend(_x_labels(ticks, x_of, float(HEIGHT - _BOTTOM)))
    return _svg(title, summary, body)


def _log_frame(
    high: float, log_ticks: Sequence[tuple[float, str]]
) -> tuple[Callable[[float], float], list[str]]:
    """A log-scaled y: the given ticks up to the first at or above ``high``."""
    shown = [t for t in log_ticks if t[0] < high] + [t for t in log_ticks if t[0] >= high][:1]
    if len(shown) < 2:
        shown = list(log_ticks[:2])
    low, top = math.log10(shown[0][0]), math.log10(shown[-1][0])
    y_top, y_bottom = float(_TOP), float(HEIGHT - _BOTTOM)

    def y_of(value: float) -> float:
        at = (math.log10(max(value, shown[0][0])) - low) / (top - low)
        return y_bottom - min(at, 1.0) * (y_bottom - y_top)

    parts = [
        f'<line class="grid" x1="{_LEFT}" x2="{WIDTH - _RIGHT}" y1="{y_of(v):.1f}" '
        f'y2="{y_of(v):.1f}"/><text class="tick" x="{_LEFT - 4}" y="{y_of(v) + 4:.1f}" '
        f'text-anchor="end">{escape(label)}</text>'
        for v, label in shown
    ]
    parts.append(
        f'<line class="axis" x1="{_LEFT}" x2="{WIDTH - _RIGHT}" y1="{y_bottom}" y2="{y_bottom}"/>'
    )
    return y_of, parts


def hbars(labels: Sequence[str], series: Sequence[Series], *, title: str, summary: str) -> str:
    """Horizontal bars, one group per label (a person), one thin bar per series."""
    bar, gap = 9, 3
    row = (bar + gap) * len(series) + 8
    height = _TOP + row * max(len(labels), 1) + 4
    left = 150
    high = max((v or 0 for s in series for v in s.values), default=0)
    scale = (WIDTH - left - 40) / high if high else 0
    body = []
    for i, label in enumerate(labels):
        y = _TOP + row * i
        shown = label if len(label) <= 24 else label[:23] + "…"
        body.append(
            f'<text class="tick" x="{left - 6}" y="{y + row / 2:.1f}" text-anchor="end">'
            f"{escape(shown)}</text>"
        )
        for k, s in enumerate(series):
            value = s.values[i] or 0
            bar_y = y + 4 + (bar + gap) * k
            body.append(
                f'<rect class="s-{s.key}" x="{left}" y="{bar_y}" width="{value * scale:.2f}" '
                f'height="{bar}"><title>{escape(label)}: {_number(value)} {escape(s.name)}'
                "</title></rect>"
                f'<text class="value" x="{left + value * scale + 4:.1f}" y="{bar_y + bar - 1}">'
                f"{_number(value)}</text>"
            )
    body.append(f'<line class="axis" x1="{left}" x2="{left}" y1="{_TOP}" y2="{height - 4}"/>')
    return _svg(title, summary, body, height=height)


def legend(series: Sequence[Series]) -> str:
    """An HTML key for a chart's series: text in the page's font, readable at any size."""
    items = "".join(
        f'<li><span class="swatch s-{escape(s.key)}" aria-hidden="true"></span>'
        f"{escape(s.name)}</li>"
        for s in series
    )
    return f'<ul class="legend">{items}</ul>'
