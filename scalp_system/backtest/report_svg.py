"""Inline SVG charts for report.html, drawn in Python: time series, bars and a breaker timeline.

No JavaScript library and no network: each function returns one ``<svg>`` element as a string, with
every piece of text escaped. Long series are downsampled (min/max per bucket, so spikes survive) to
at most ``MAX_POINTS`` points, and marker sets are capped, so the page stays small for long runs.
Floats appear only here, as screen coordinates.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape

from scalp_system.backtest.report_format import axis_label

MAX_POINTS = 2000  # per line
MAX_MARKERS = 1500  # per marker set
TITLED_MARKERS = 400  # above this, markers lose their individual hover titles (size)
NS_PER_S = 1_000_000_000

GRID = "#e6e8ec"
AXIS_TEXT = "#6b7280"
POSITIVE = "#15803d"
NEGATIVE = "#c2410c"
FONT = 'font-family="inherit" font-size="11"'

_TIME_STEPS_S = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400)


@dataclass(frozen=True, slots=True)
class Line:
    """A series drawn as a polyline (optionally filled down to ``area_to``)."""

    name: str
    xs: Sequence[int]  # UTC ns
    ys: Sequence[float]
    color: str
    width: float = 1.5
    area_to: float | None = None
    step: bool = False  # hold each value until the next point (equity between samples)


@dataclass(frozen=True, slots=True)
class Markers:
    """Points drawn as small shapes: ``up``/``down`` triangles, ``dash`` or ``dot``."""

    name: str
    xs: Sequence[int]
    ys: Sequence[float]
    color: str
    shape: str
    titles: Sequence[str] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class _Frame:
    """Maps data coordinates to the plotting rectangle."""

    left: float
    top: float
    width: float
    height: float
    x0: float
    x1: float
    y0: float
    y1: float

    def x(self, value: float) -> float:
        return self.left + (value - self.x0) / (self.x1 - self.x0) * self.width

    def y(self, value: float) -> float:
        return self.top + (self.y1 - value) / (self.y1 - self.y0) * self.height


def downsample(
    xs: Sequence[int], ys: Sequence[float], max_points: int = MAX_POINTS
) -> tuple[list[int], list[float]]:
    """At most ``max_points`` points keeping each bucket's first, min and max, in time order."""
    n = len(xs)
    if n <= max_points:
        return list(xs), list(ys)
    buckets = max(max_points // 3, 1)
    out_x: list[int] = []
    out_y: list[float] = []
    for b in range(buckets):
        lo, hi = b * n // buckets, (b + 1) * n // buckets
        if lo >= hi:
            continue
        idx = range(lo, hi)
        i_min = min(idx, key=ys.__getitem__)
        i_max = max(idx, key=ys.__getitem__)
        for i in sorted({lo, i_min, i_max}):
            out_x.append(xs[i])
            out_y.append(ys[i])
    out_x.append(xs[-1])
    out_y.append(ys[-1])
    return out_x, out_y


def nice_ticks(lo: float, hi: float, target: int = 5) -> tuple[list[float], float]:
    """Round-valued ticks (1, 2, 5 × 10^k apart) covering [lo, hi], and their step."""
    span = hi - lo
    if span <= 0 or not math.isfinite(span):
        return [lo], 1.0
    raw = span / max(target, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = min((m * power for m in (1, 2, 2.5, 5, 10)), key=lambda c: abs(span / c - target))
    first = math.ceil(lo / step - 1e-9)
    last = math.floor(hi / step + 1e-9)
    return [k * step for k in range(first, last + 1)], step


def time_ticks(lo_ns: int, hi_ns: int, target: int = 7) -> tuple[list[int], int]:
    """Tick times on round wall-clock boundaries (1 s … 1 day apart) and the step in seconds."""
    span_s = (hi_ns - lo_ns) / NS_PER_S
    step_s = next((s for s in _TIME_STEPS_S if span_s / s <= target), _TIME_STEPS_S[-1])
    while span_s / step_s > target * 2:
        step_s *= 2
    step_ns = step_s * NS_PER_S
    first = -(-lo_ns // step_ns) * step_ns
    return list(range(first, hi_ns + 1, step_ns)), step_s


def time_label(ts_ns: int, step_s: int, span_ns: int) -> str:
    """``HH:MM:SS`` for second steps, ``HH:MM`` otherwise, date first when the span passes a day."""
    moment = datetime.fromtimestamp(ts_ns // NS_PER_S, tz=UTC)
    text = moment.strftime("%H:%M:%S" if step_s < 60 else "%H:%M")
    if span_ns > 86400 * NS_PER_S:
        text = moment.strftime("%m-%d ") + text
    return text


def empty_chart(chart_id: str, message: str, *, width: int = 1200, height: int = 120) -> str:
    """A placeholder of the chart's size saying why there is nothing to draw."""
    return (
        f'<svg class="chart empty" data-chart="{escape(chart_id)}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(message)}"><rect x="0.5" y="0.5" width="{width - 1}" '
        f'height="{height - 1}" rx="6" fill="#fafbfc" stroke="{GRID}" stroke-dasharray="4 4"/>'
        f'<text x="{width / 2}" y="{height / 2 + 4}" text-anchor="middle" {FONT} fill="{AXIS_TEXT}">'
        f"{escape(message)}</text></svg>"
    )


def time_chart(
    chart_id: str,
    title: str,
    lines: Sequence[Line],
    markers: Sequence[Markers] = (),
    *,
    width: int = 1200,
    height: int = 260,
    x_range: tuple[int, int] | None = None,
    include_zero: bool = False,
    empty_message: str = "no data",
) -> str:
    """A time-series chart: lines and marker sets on a shared UTC time axis, with a legend."""
    drawn_lines = [_thin(line) for line in lines if len(line.xs) > 0]
    drawn_markers = [m for m in markers if len(m.xs) > 0]
    if not drawn_lines and not drawn_markers:
        return empty_chart(chart_id, empty_message, width=width)
    all_x = [x for line in drawn_lines for x in (line.xs[0], line.xs[-1])]
    all_x += [x for m in drawn_markers for x in (min(m.xs), max(m.xs))]
    all_y = [y for line in drawn_lines for y in line.ys] + [y for m in drawn_markers for y in m.ys]
    if include_zero:
        all_y.append(0.0)
    x0, x1 = x_range if x_range is not None and x_range[1] > x_range[0] else (min(all_x), max(all_x))
    x0, x1 = min(x0, min(all_x)), max(x1, max(all_x))
    if x1 <= x0:
        x0, x1 = x0 - NS_PER_S, x1 + NS_PER_S
    y0, y1 = _padded(min(all_y), max(all_y))
    y_ticks, y_step = nice_ticks(y0, y1, target=max(2, min(5, (height - 56) // 36)))
    label_width = max(len(axis_label(t, y_step)) for t in y_ticks) * 6.6 + 14
    frame = _Frame(
        max(label_width, 48), 30, width - max(label_width, 48) - 14, height - 30 - 26, x0, x1, y0, y1
    )
    clip_id = "clip-" + hashlib.sha1(chart_id.encode("utf-8")).hexdigest()[:12]  # a safe id for any name
    parts = [
        f'<svg class="chart" data-chart="{escape(chart_id)}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" data-points="{sum(len(line.xs) for line in drawn_lines)}">',
        f'<defs><clipPath id="{clip_id}"><rect x="{frame.left:.1f}" y="{frame.top - 4:.1f}" '
        f'width="{frame.width:.1f}" height="{frame.height + 8:.1f}"/></clipPath></defs>',
        _y_axis(frame, y_ticks, y_step),
        _x_axis(frame, x0, x1),
        f'<g clip-path="url(#{clip_id})">',
    ]
    for line in drawn_lines:
        parts.append(_line_path(frame, line))
    for marker_set in drawn_markers:
        parts.append(_marker_paths(frame, marker_set))
    parts.append("</g>")
    parts.append(
        _legend(
            frame,
            [(ln.name, ln.color, "line") for ln in drawn_lines]
            + [(m.name, m.color, m.shape) for m in drawn_markers],
        )
    )
    parts.append("</svg>")
    return "".join(parts)


def vertical_bars(
    chart_id: str,
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    *,
    width: int = 600,
    height: int = 260,
    value_format: Callable[[float], str] = lambda v: axis_label(v, 0.01),
    empty_message: str = "no data",
) -> str:
    """Bars up (green) and down (orange) from a zero line, one per label; hover shows the value."""
    if not values:
        return empty_chart(chart_id, empty_message, width=width)
    y0, y1 = _padded(min(min(values), 0.0), max(max(values), 0.0))
    y_ticks, y_step = nice_ticks(y0, y1, target=max(2, min(5, (height - 42) // 36)))
    label_width = max(len(axis_label(t, y_step)) for t in y_ticks) * 6.6 + 14
    frame = _Frame(
        max(label_width, 48), 16, width - max(label_width, 48) - 10, height - 16 - 26, 0, len(values), y0, y1
    )
    slot = frame.width / len(values)
    bar = max(min(slot * 0.7, 48), 1.0)
    parts = [
        f'<svg class="chart" data-chart="{escape(chart_id)}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" data-points="{len(values)}">',
        _y_axis(frame, y_ticks, y_step),
    ]
    zero = frame.y(0.0)
    label_every = max(1, math.ceil(len(labels) * 34 / frame.width))
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        cx = frame.left + slot * (i + 0.5)
        top = min(frame.y(value), zero)
        h = max(abs(frame.y(value) - zero), 0.5 if value != 0 else 0)
        color = POSITIVE if value >= 0 else NEGATIVE
        parts.append(
            f'<rect class="bar" x="{cx - bar / 2:.1f}" y="{top:.1f}" width="{bar:.1f}" height="{h:.1f}" '
            f'fill="{color}" rx="1.5"><title>{escape(label)}: {escape(value_format(value))}</title></rect>'
        )
        if i % label_every == 0:
            parts.append(
                f'<text x="{cx:.1f}" y="{frame.top + frame.height + 16:.1f}" text-anchor="middle" {FONT} '
                f'fill="{AXIS_TEXT}">{escape(_clip(label, 10))}</text>'
            )
    parts.append(
        f'<line x1="{frame.left:.1f}" x2="{frame.left + frame.width:.1f}" y1="{zero:.1f}" y2="{zero:.1f}" '
        f'stroke="#9ca3af" stroke-width="1"/>'
    )
    parts.append("</svg>")
    return "".join(parts)


def horizontal_bars(
    chart_id: str,
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    *,
    width: int = 600,
    value_format: Callable[[float], str] = lambda v: axis_label(v, 0.01),
    color: str | None = None,
    empty_message: str = "no data",
) -> str:
    """One labelled bar per row (diverging from zero when values have both signs); value at the end."""
    if not values:
        return empty_chart(chart_id, empty_message, width=width)
    row = 22
    label_w = min(max(len(_clip(label, 30)) for label in labels) * 6.4 + 16, width * 0.42)
    value_w = max(len(value_format(v)) for v in values) * 6.6 + 12
    lo, hi = min(min(values), 0.0), max(max(values), 0.0)
    if hi == lo:
        hi = lo + 1.0
    plot_w = width - label_w - value_w - 8
    height = row * len(values) + 12
    frame = _Frame(label_w, 6, plot_w, height - 12, lo, hi, 0, 1)
    zero = frame.x(0.0)
    parts = [
        f'<svg class="chart" data-chart="{escape(chart_id)}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" data-points="{len(values)}">'
    ]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = 6 + i * row
        x_end = frame.x(value)
        left, w = min(zero, x_end), max(abs(x_end - zero), 1.0)
        fill = color or (POSITIVE if value >= 0 else NEGATIVE)
        text_x = max(zero, x_end) + 6
        parts.append(
            f'<text x="{label_w - 8:.1f}" y="{y + 15}" text-anchor="end" {FONT} fill="#374151">'
            f"{escape(_clip(label, 30))}<title>{escape(label)}</title></text>"
            f'<rect class="bar" x="{left:.1f}" y="{y + 4}" width="{w:.1f}" height="{row - 8}" fill="{fill}" '
            f'rx="2"><title>{escape(label)}: {escape(value_format(value))}</title></rect>'
            f'<text x="{text_x:.1f}" y="{y + 15}" {FONT} fill="{AXIS_TEXT}">'
            f"{escape(value_format(value))}</text>"
        )
    if lo < 0:
        parts.append(
            f'<line x1="{zero:.1f}" x2="{zero:.1f}" y1="4" y2="{height - 4}" stroke="#9ca3af" '
            'stroke-width="1"/>'
        )
    parts.append("</svg>")
    return "".join(parts)


def timeline(
    chart_id: str,
    title: str,
    lanes: Sequence[str],
    events: Sequence[tuple[int, int, str]],
    *,
    x_range: tuple[int, int] | None = None,
    width: int = 1200,
    empty_message: str = "no events",
) -> str:
    """Swimlanes, one per lane name, with a marker per ``(ts_ns, lane index, hover text)`` event."""
    if not events:
        return empty_chart(chart_id, empty_message, width=width, height=80)
    row = 26
    label_w = min(max(len(_clip(lane, 28)) for lane in lanes) * 6.4 + 20, width * 0.3)
    height = row * len(lanes) + 8 + 26
    xs = [e[0] for e in events]
    x0, x1 = x_range if x_range is not None and x_range[1] > x_range[0] else (min(xs), max(xs))
    x0, x1 = min(x0, min(xs)), max(x1, max(xs))
    if x1 <= x0:
        x0, x1 = x0 - NS_PER_S, x1 + NS_PER_S
    frame = _Frame(label_w, 8, width - label_w - 14, row * len(lanes), x0, x1, 0, 1)
    parts = [
        f'<svg class="chart" data-chart="{escape(chart_id)}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" data-points="{len(events)}">',
        _x_axis(frame, x0, x1),
    ]
    for i, lane in enumerate(lanes):
        y = frame.top + i * row
        shade = "#f7f8fa" if i % 2 == 0 else "#ffffff"
        parts.append(
            f'<rect x="{frame.left:.1f}" y="{y:.1f}" width="{frame.width:.1f}" height="{row}" '
            f'fill="{shade}"/>'
            f'<text x="{label_w - 10:.1f}" y="{y + row / 2 + 4:.1f}" text-anchor="end" {FONT} fill="#374151">'
            f"{escape(_clip(lane, 28))}</text>"
        )
    for ts, lane_index, text in events[:MAX_MARKERS]:
        cx, cy = frame.x(ts), frame.top + lane_index * row + row / 2
        color = _lane_color(lanes[lane_index])
        parts.append(
            f'<path class="event" d="M{cx:.1f} {cy - 6:.1f}L{cx + 6:.1f} {cy:.1f}L{cx:.1f} {cy + 6:.1f}'
            f'L{cx - 6:.1f} {cy:.1f}Z" fill="{color}" stroke="#fff" stroke-width="1">'
            f"<title>{escape(text)}</title></path>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _lane_color(lane: str) -> str:
    return "#6366f1" if lane.upper() == "STATE" else "#dc2626"


def _thin(line: Line) -> Line:
    xs, ys = downsample(line.xs, line.ys)
    return Line(line.name, xs, ys, line.color, line.width, line.area_to, line.step)


def _padded(lo: float, hi: float) -> tuple[float, float]:
    if hi <= lo:
        pad = abs(lo) * 0.001 or 1.0
        return lo - pad, hi + pad
    pad = (hi - lo) * 0.06
    return lo - pad, hi + pad


def _y_axis(frame: _Frame, ticks: Sequence[float], step: float) -> str:
    parts = []
    for tick in ticks:
        if not frame.y0 <= tick <= frame.y1:
            continue
        y = frame.y(tick)
        parts.append(
            f'<line x1="{frame.left:.1f}" x2="{frame.left + frame.width:.1f}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{GRID}" stroke-width="1"/><text x="{frame.left - 8:.1f}" y="{y + 4:.1f}" '
            f'text-anchor="end" {FONT} fill="{AXIS_TEXT}">{escape(axis_label(tick, step))}</text>'
        )
    return "".join(parts)


def _x_axis(frame: _Frame, x0: float, x1: float) -> str:
    ticks, step_s = time_ticks(int(x0), int(x1))
    bottom = frame.top + frame.height
    parts = [
        f'<line x1="{frame.left:.1f}" x2="{frame.left + frame.width:.1f}" y1="{bottom:.1f}" '
        f'y2="{bottom:.1f}" stroke="#c7cbd1" stroke-width="1"/>'
    ]
    for tick in ticks:
        x = frame.x(tick)
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{frame.top:.1f}" y2="{bottom + 4:.1f}" stroke="{GRID}" '
            f'stroke-width="1"/><text x="{x:.1f}" y="{bottom + 17:.1f}" text-anchor="middle" {FONT} '
            f'fill="{AXIS_TEXT}">{escape(time_label(tick, step_s, int(x1 - x0)))}</text>'
        )
    return "".join(parts)


def _line_path(frame: _Frame, line: Line) -> str:
    coords: list[str] = []
    prev_y: float | None = None
    for x, y in zip(line.xs, line.ys, strict=True):
        px, py = frame.x(x), frame.y(y)
        if line.step and prev_y is not None:
            coords.append(f"{px:.1f} {prev_y:.1f}")
        coords.append(f"{px:.1f} {py:.1f}")
        prev_y = py
    path = "M" + "L".join(coords)
    out = ""
    if line.area_to is not None:
        base = frame.y(min(max(line.area_to, frame.y0), frame.y1))
        first_x, last_x = frame.x(line.xs[0]), frame.x(line.xs[-1])
        out += (
            f'<path d="{path}L{last_x:.1f} {base:.1f}L{first_x:.1f} {base:.1f}Z" fill="{line.color}" '
            f'fill-opacity="0.12" stroke="none"/>'
        )
    out += (
        f'<path class="series" data-series="{escape(line.name)}" d="{path}" fill="none" '
        f'stroke="{line.color}" stroke-width="{line.width}" stroke-linejoin="round" stroke-linecap="round"/>'
    )
    return out


def _marker_shape(shape: str, x: float, y: float) -> str:
    if shape == "up":
        return f"M{x:.1f} {y - 1:.1f}l5 8h-10z"
    if shape == "down":
        return f"M{x:.1f} {y + 1:.1f}l5 -8h-10z"
    if shape == "dash":
        return f"M{x - 6:.1f} {y:.1f}h12"
    return f"M{x - 2.5:.1f} {y:.1f}a2.5 2.5 0 1 0 5 0a2.5 2.5 0 1 0 -5 0"


def _marker_paths(frame: _Frame, markers: Markers) -> str:
    n = len(markers.xs)
    picks = range(n) if n <= MAX_MARKERS else [i * n // MAX_MARKERS for i in range(MAX_MARKERS)]
    stroke = markers.shape == "dash"
    style = (
        f'fill="none" stroke="{markers.color}" stroke-width="2"'
        if stroke
        else f'fill="{markers.color}" stroke="#fff" stroke-width="0.8"'
    )
    if len(picks) <= TITLED_MARKERS and markers.titles:
        shapes = (_marker_shape(markers.shape, frame.x(markers.xs[i]), frame.y(markers.ys[i])) for i in picks)
        return "".join(
            f'<path class="marker" d="{shape}" {style}><title>{escape(markers.titles[i])}</title></path>'
            for i, shape in zip(picks, shapes, strict=True)
        )
    d = "".join(_marker_shape(markers.shape, frame.x(markers.xs[i]), frame.y(markers.ys[i])) for i in picks)
    return f'<path class="marker" d="{d}" {style}/>'


def _legend(frame: _Frame, entries: Sequence[tuple[str, str, str]]) -> str:
    parts = ['<g class="legend">']
    x = frame.left
    for name, color, shape in entries:
        if shape == "line":
            swatch = (
                f'<line x1="{x:.1f}" x2="{x + 16:.1f}" y1="13" y2="13" stroke="{color}" stroke-width="2.5"/>'
            )
        else:
            swatch = f'<path d="{_marker_shape(shape, x + 8, 13)}" ' + (
                f'fill="none" stroke="{color}" stroke-width="2"/>' if shape == "dash" else f'fill="{color}"/>'
            )
        parts.append(
            swatch + f'<text x="{x + 22:.1f}" y="17" {FONT} fill="#374151">{escape(_clip(name, 40))}</text>'
        )
        x += 22 + len(_clip(name, 40)) * 6.6 + 18
    parts.append("</g>")
    return "".join(parts)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
