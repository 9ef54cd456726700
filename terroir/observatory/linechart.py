"""An indicator's history as a server-side SVG line, with its target as a dashed line: pure, no Django.

As terroir.lib.charts: every text that reaches the SVG is escaped here (the caller may mark the result
safe), no inline style (the Content-Security-Policy forbids it: presentation attributes and the site's
classes), and the chart is an `img` whose `<desc>` says every value, so the numbers are never only drawn.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

WIDTH, HEIGHT = 440, 190
LEFT, RIGHT, TOP, BOTTOM = 58, 16, 14, 34


def _text(value: str) -> str:
    return escape(value, quote=True)


def history(
    *,
    chart_id: str,
    title: str,
    points: Sequence[tuple[str, float | None]],
    fmt: Callable[[float], str],
    desc: str,
    target: float | None = None,
) -> str:
    """`points`: (period label, value or None) in order; a None is a gap in the line. `desc` says the
    values and the distance to the target in the reader's language (the caller writes it)."""
    ident = _text(chart_id)
    known = [v for _label, v in points if v is not None]
    values = [*known, *([] if target is None else [target])]
    low = min([0.0, *values])
    high = max([*values, 1.0]) * 1.1 if values else 1.0
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(index: int) -> float:
        return LEFT + (plot_w / 2 if len(points) == 1 else plot_w * index / (len(points) - 1))

    def y(value: float) -> float:
        return TOP + plot_h * (1 - (value - low) / (high - low))

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-history" id="{ident}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{ident}-title {ident}-desc" '
        f'preserveAspectRatio="xMinYMin meet">',
        f'<title id="{ident}-title">{_text(title)}</title>',
        f'<desc id="{ident}-desc">{_text(desc)}</desc>',
        f'<line class="axis" x1="{LEFT}" y1="{y(low):.1f}" x2="{WIDTH - RIGHT}" y2="{y(low):.1f}" stroke="#8a948b"/>',
    ]
    for tick in sorted({low, high / 1.1 if values else 1.0}):
        where = f'x="{LEFT - 6}" y="{y(tick) + 4:.1f}"'
        out.append(f'<text class="tick" {where} text-anchor="end">{_text(fmt(tick))}</text>')
    if target is not None:
        out.append(
            f'<line class="target" x1="{LEFT}" y1="{y(target):.1f}" x2="{WIDTH - RIGHT}" y2="{y(target):.1f}" '
            f'stroke="#b0602a" stroke-width="1.5" stroke-dasharray="5 3"/>'
        )
    segment: list[str] = []
    segments = [segment]
    for index, (_label, value) in enumerate(points):
        if value is None:
            segment = []
            segments.append(segment)
            continue
        segment.append(f"{x(index):.1f},{y(value):.1f}")
    for line in segments:
        if len(line) > 1:
            drawn = " ".join(line)
            out.append(f'<polyline class="line" points="{drawn}" fill="none" stroke="#2f6b3a" stroke-width="2"/>')
    for index, (_label, value) in enumerate(points):
        if value is not None:
            out.append(f'<circle class="point" cx="{x(index):.1f}" cy="{y(value):.1f}" r="3.5" fill="#2f6b3a"/>')
    # The first and last periods under the axis (all of them would overlap on a phone).
    shown = {0, len(points) - 1} if points else set()
    for index in sorted(shown):
        anchor = "start" if index == 0 and len(points) > 1 else ("end" if len(points) > 1 else "middle")
        where = f'x="{x(index):.1f}" y="{HEIGHT - 10}"'
        out.append(f'<text class="tick" {where} text-anchor="{anchor}">{_text(points[index][0])}</text>')
    out.append("</svg>")
    return "".join(out)
