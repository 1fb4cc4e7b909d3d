"""Bar charts as inline SVG: no script, nothing loaded from elsewhere, so they work offline
and under the web view's Content-Security-Policy.

Each bar carries ``data-year``, ``data-series`` and ``data-value`` (tests read them) and a
``<title>`` the browser shows on hover. A blank value draws no bar but a dash on the axis:
a missing number is never drawn as a zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 440, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 10, 34, 24
PALETTE = ("#8b1a1a", "#d08c2c", "#4a7ab5", "#7a9a3a", "#888888")


@dataclass(frozen=True, slots=True)
class Series:
    label: str
    values: Sequence[float | int | None]  # one per year


def bar_chart(
    chart_id: str,
    title: str,
    years: Sequence[int],
    series: Sequence[Series],
    *,
    stacked: bool = False,
    ratio: bool = False,
) -> str:
    """Bars per year, side by side or ``stacked``; ``ratio`` values (0-1) are labelled as percentages."""
    top = 1.0 if ratio else _top(years, series, stacked)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(years), 1)
    parts = [_axis(top, plot_w, plot_h, ratio), _legend(series)]
    for index, year in enumerate(years):
        x0 = LEFT + index * slot + slot * 0.1
        parts.append(
            f'<text x="{x0 + slot * 0.4:.1f}" y="{HEIGHT - 8}" text-anchor="middle" class="tick">{year}</text>'
        )
        parts += _bars(year, index, series, x0, slot * 0.8, top, plot_h, stacked, ratio)
    return (
        f'<figure class="chart" id="{escape(chart_id)}"><figcaption>{escape(title)}</figcaption>'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-label="{escape(title)}">{"".join(parts)}</svg></figure>'
    )


def _top(years: Sequence[int], series: Sequence[Series], stacked: bool) -> float:
    """The y axis' top: the highest bar (or stack), rounded up to a readable number."""
    heights = [
        sum(v or 0 for v in column) if stacked else max((v or 0 for v in column), default=0)
        for column in zip(*(s.values for s in series), strict=True)
    ]
    highest = max(heights, default=0) or 1
    step = 10 ** max(len(str(int(highest))) - 1, 0)
    return float(-(-highest // step) * step)


def _axis(top: float, plot_w: float, plot_h: float, ratio: bool) -> str:
    lines = []
    for fraction in (0, 0.5, 1):
        y = TOP + plot_h * (1 - fraction)
        label = f"{fraction * top:.0%}" if ratio else f"{fraction * top:g}"
        lines.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        lines.append(f'<text x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end" class="tick">{label}</text>')
    return "".join(lines)


def _legend(series: Sequence[Series]) -> str:
    items, x = [], LEFT
    for index, one in enumerate(series):
        color = PALETTE[index % len(PALETTE)]
        items.append(f'<rect x="{x}" y="8" width="10" height="10" fill="{color}"/>')
        items.append(f'<text x="{x + 14}" y="17" class="legend">{escape(one.label)}</text>')
        x += 24 + 13 * len(one.label)
    return "".join(items)


def _bars(
    year: int,
    index: int,
    series: Sequence[Series],
    x0: float,
    width: float,
    top: float,
    plot_h: float,
    stacked: bool,
    ratio: bool,
) -> list[str]:
    bars, base = [], 0.0
    bar_w = width if stacked else width / len(series)
    for position, one in enumerate(series):
        value = one.values[index]
        x = x0 if stacked else x0 + position * bar_w
        if value is None:
            bars.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{TOP + plot_h - 3}" text-anchor="middle" class="none">–</text>'
            )
            continue
        height = plot_h * value / top
        y = TOP + plot_h - base - height
        shown = f"{value:.1%}" if ratio else f"{value:g}"
        bars.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{height:.1f}" '
            f'fill="{PALETTE[position % len(PALETTE)]}" data-year="{year}" data-series="{escape(one.label)}" '
            f'data-value="{value}"><title>{year} {escape(one.label)}: {shown}</title></rect>'
        )
        if stacked:
            base += height
    return bars
