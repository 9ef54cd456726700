"""Small server-side SVG charts: horizontal bars and a gauge against two thresholds.

Pure: no Django. Every text that reaches the SVG (labels, formatted numbers, title, description) is
escaped here, so the caller may mark the result safe. Colours and sizes are classes styled by the site's
stylesheet and presentation attributes: the Content-Security-Policy forbids inline `style`. Each chart is
an `img` for assistive technologies with a `<title>` and a `<desc>` that says every value in words, so
the numbers are never only in the drawing.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

Format = Callable[[float], str]

# Sizes in the drawing's units, about pixels on a desktop; narrow, so that text stays readable when a
# phone shrinks the drawing to its width.
WIDTH = 440
GAUGE_WIDTH = 400
ROW = 22  # height of one bar
GAP = 10  # between two groups
LABEL = 130  # room for the labels on the left
VALUE = 90  # room for the values on the right


@dataclass(frozen=True)
class Group:
    """One label and its values, one per series (None: no value, nothing drawn)."""

    label: str
    values: Sequence[float | None]
    unit: str = ""  # after each value, such as "km" or "€"


def _value(fmt: Format, value: float, unit: str) -> str:
    return f"{fmt(value)}\u00a0{unit}" if unit else fmt(value)


def _text(value: str) -> str:
    return escape(value, quote=True)


def _open(chart_id: str, kind: str, height: float, title: str, desc: str, width: int = WIDTH) -> list[str]:
    ident = _text(chart_id)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" id="{ident}" '
        f'viewBox="0 0 {width} {height:g}" role="img" aria-labelledby="{ident}-title {ident}-desc" '
        f'preserveAspectRatio="xMinYMin meet">',
        f'<title id="{ident}-title">{_text(title)}</title>',
        f'<desc id="{ident}-desc">{_text(desc)}</desc>',
    ]


def _clip(label: str, room: int) -> str:
    """A label short enough for its room (8 units a character: wide letters and capitals included); the
    full text stays in <desc>."""
    most = room // 8
    return label if len(label) <= most else label[: most - 1] + "…"


def bars(
    *,
    chart_id: str,
    title: str,
    groups: Sequence[Group],
    series: Sequence[str],
    fmt: Format,
    scale_per_group: bool = False,
    colour_per_group: bool = False,
    phrase: Callable[[str, str], str] = "{}: {}".format,
    separator: str = "; ",
) -> str:
    """Horizontal bars, one row per series inside each group, with a legend when there are several series.

    `scale_per_group` gives each group its own longest bar (values in different units, such as km,
    euros and kg of CO₂ side by side); otherwise all bars share one scale. `colour_per_group` colours a
    single series' bars by group (accepted and rejected rows). `phrase` and `separator` write the
    description in the reader's language ("Coût : 12 €", groups separated by " ; " in French).
    """
    rows = sum(len(series) for _ in groups)
    # The legend's entries side by side, on as many lines as the drawing's width needs.
    entries: list[tuple[int, str, int, int]] = []  # series, name, x, line
    if len(series) > 1:
        x, line = LABEL, 0
        for index, name in enumerate(series):
            shown = _clip(name, 160)
            if x > LABEL and x + 16 + len(shown) * 8 > WIDTH:
                x, line = LABEL, line + 1
            entries.append((index, shown, x, line))
            x += 24 + min(len(name), 22) * 7
    legend = ROW * (entries[-1][3] + 1) if entries else 0
    height = legend + rows * ROW + max(len(groups) - 1, 0) * GAP + 4
    lines = []
    for group in groups:
        said = [
            (f"{name} " if len(series) > 1 else "") + (_value(fmt, value, group.unit) if value is not None else "—")
            for name, value in zip(series, group.values, strict=True)
        ]
        lines.append(phrase(group.label, ", ".join(said)))
    desc = separator.join(lines) + "."
    parts = _open(chart_id, "split" if colour_per_group else "bars", height, title, desc)
    for index, shown, x, line in entries:
        parts.append(f'<rect class="series-{index}" x="{x}" y="{4 + line * ROW}" width="12" height="12"/>')
        parts.append(f'<text class="legend" x="{x + 16}" y="{14 + line * ROW}">{_text(shown)}</text>')
    room = WIDTH - LABEL - VALUE
    every = [v for g in groups for v in g.values if v is not None]
    overall = max(every, default=0.0)
    y = float(legend)
    for number, group in enumerate(groups):
        top = max((v for v in group.values if v is not None), default=0.0) if scale_per_group else overall
        parts.append(f'<g class="group"><text class="name" x="{LABEL - 8}" y="{y + ROW * len(series) / 2 + 5:g}" '
                     f'text-anchor="end">{_text(_clip(group.label, LABEL - 10))}</text>')  # fmt: skip
        for index, value in enumerate(group.values):
            if value is not None:
                width = room * max(value, 0) / top if top > 0 else 0
                colour = number if colour_per_group else index if legend else "only"
                parts.append(
                    f'<rect class="series-{colour}" x="{LABEL}" y="{y + 3:g}" width="{width:.1f}" height="{ROW - 6}"/>'
                )
                parts.append(
                    f'<text class="value" x="{LABEL + width + 6:.1f}" y="{y + ROW / 2 + 5:g}">'
                    f"{_text(_value(fmt, value, group.unit))}</text>"
                )
            y += ROW
        parts.append("</g>")
        y += GAP
    parts.append("</svg>")
    return "".join(parts)


def gauge(
    *,
    chart_id: str,
    title: str,
    share: float,
    target: float,
    ceiling: float,
    fmt: Format,
    desc: str,
) -> str:
    """A share on a scale with a target and a ceiling: green up to the target, amber up to the ceiling, red above.

    `share`, `target` and `ceiling` are fractions (0.1 for 10 %); the scale goes to 1.5 × the ceiling, or
    further when the share is beyond it. `fmt` writes a fraction as a percentage.
    """
    end = max(ceiling * 1.5, share * 1.1)
    left, right, top, bar = 10, GAUGE_WIDTH - 10, 30, 26
    span = right - left

    def at(value: float) -> float:
        return left + span * min(max(value, 0), end) / end

    verdict = "good" if share <= target else "fair" if share <= ceiling else "poor"
    parts = _open(chart_id, "gauge", 86, title, desc, GAUGE_WIDTH)
    parts += [
        f'<rect class="zone good" x="{left}" y="{top}" width="{at(target) - left:.1f}" height="{bar}"/>',
        f'<rect class="zone fair" x="{at(target):.1f}" y="{top}" '
        f'width="{at(ceiling) - at(target):.1f}" height="{bar}"/>',
        f'<rect class="zone poor" x="{at(ceiling):.1f}" y="{top}" width="{right - at(ceiling):.1f}" height="{bar}"/>',
    ]
    for mark in (target, ceiling):
        parts.append(
            f'<line class="threshold" x1="{at(mark):.1f}" x2="{at(mark):.1f}" y1="{top - 4}" y2="{top + bar + 4}"/>'
        )
        parts.append(
            f'<text class="tick" x="{at(mark):.1f}" y="{top + bar + 20}" text-anchor="middle">{_text(fmt(mark))}</text>'
        )
    x = at(share)
    anchor = "start" if x < left + 40 else "end" if x > right - 40 else "middle"
    parts += [
        f'<path class="pointer {verdict}" d="M{x:.1f} {top + bar + 2} l-7 -12 h14 z" />',
        f'<line class="needle" x1="{x:.1f}" x2="{x:.1f}" y1="{top - 6}" y2="{top + bar}"/>',
        f'<text class="reading {verdict}" x="{x:.1f}" y="{top - 10}" text-anchor="{anchor}">{_text(fmt(share))}</text>',
        "</svg>",
    ]
    return "".join(parts)
