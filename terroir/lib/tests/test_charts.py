"""The SVG charts: the values drawn and said, every text escaped, a text equivalent for screen readers."""

import re
import xml.etree.ElementTree as ET

from terroir.lib.charts import Group, bars, gauge

SVG = "{http://www.w3.org/2000/svg}"


def plain(value: float) -> str:
    return f"{value:,.0f}".replace(",", " ")


def test_bars_draw_one_bar_per_value_the_longest_for_the_largest_and_write_each_value() -> None:
    svg = bars(
        chart_id="c", title="Funnel", series=["Needs"], fmt=plain,
        groups=[Group("Published", [40]), Group("Answered", [20]), Group("Contracted", [0])],
    )  # fmt: skip
    root = ET.fromstring(svg)
    widths = [float(r.get("width", "0")) for r in root.iter(f"{SVG}rect")]
    assert widths[0] == max(widths) and widths[1] == widths[0] / 2 and widths[2] == 0
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts == ["Published", "40", "Answered", "20", "Contracted", "0"]


def test_bars_are_an_image_named_by_their_title_and_described_value_by_value() -> None:
    svg = bars(
        chart_id="compare", title="Alone against pooled", series=["Alone", "Pooled"], fmt=plain,
        groups=[Group("Distance", [22885, 9000], "km"), Group("Cost", [1200, 500], "€")], scale_per_group=True,
    )  # fmt: skip
    root = ET.fromstring(svg)
    assert root.get("role") == "img" and root.get("aria-labelledby") == "compare-title compare-desc"
    assert root.find(f"{SVG}title").text == "Alone against pooled"  # type: ignore[union-attr]
    desc = root.find(f"{SVG}desc").text  # type: ignore[union-attr]
    assert desc == "Distance: Alone 22 885\u00a0km, Pooled 9 000\u00a0km; Cost: Alone 1 200\u00a0€, Pooled 500\u00a0€."


def test_bars_scaled_per_group_give_each_group_its_own_longest_bar() -> None:
    svg = bars(
        chart_id="c", title="t", series=["a", "b"], fmt=plain, scale_per_group=True,
        groups=[Group("km", [1000, 500]), Group("€", [10, 5])],
    )  # fmt: skip
    drawn = [float(r.get("width", "0")) for r in ET.fromstring(svg).iter(f"{SVG}rect") if r.get("y") != "4"]
    assert drawn[0] == drawn[2] and drawn[1] == drawn[3] == drawn[0] / 2


def test_labels_and_titles_from_the_data_are_escaped_and_never_become_markup() -> None:
    hostile = '<script>alert(1)</script>&"'
    svg = bars(chart_id='x" onload="alert(1)', title=hostile, series=[hostile], fmt=plain, groups=[Group(hostile, [1])])
    assert "<script>" not in svg and 'onload="' not in svg
    root = ET.fromstring(svg)  # still well-formed
    assert root.find(f"{SVG}title").text == hostile  # type: ignore[union-attr]
    assert hostile in root.find(f"{SVG}desc").text  # type: ignore[union-attr,operator]


def test_the_gauge_points_at_the_share_and_marks_the_target_and_the_ceiling() -> None:
    svg = gauge(
        chart_id="g", title="Transport", share=0.15, target=0.1, ceiling=0.2, fmt=lambda f: f"{f:.0%}", desc="d"
    )
    root = ET.fromstring(svg)
    texts = {t.get("class"): t.text for t in root.iter(f"{SVG}text")}
    assert texts["reading fair"] == "15%" and [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "tick"] == [
        "10%", "20%",
    ]  # fmt: skip
    lines = {line.get("class"): float(line.get("x1", "0")) for line in root.iter(f"{SVG}line")}
    assert lines["needle"] == 10 + 380 * 0.15 / 0.3  # the scale runs to 1.5 × the ceiling
    assert root.find(f"{SVG}desc").text == "d"  # type: ignore[union-attr]


def test_a_share_beyond_the_scale_widens_it_and_reads_poor() -> None:
    svg = gauge(chart_id="g", title="t", share=0.6, target=0.1, ceiling=0.2, fmt=lambda f: f"{f:.0%}", desc="d")
    assert re.search(r'class="reading poor"[^>]*>60%<', svg)
    needle = next(line for line in ET.fromstring(svg).iter(f"{SVG}line") if line.get("class") == "needle")
    assert float(needle.get("x1", "0")) < 390


def test_a_legend_too_long_for_one_line_goes_on_to_a_second_one_inside_the_drawing() -> None:
    series = ["à 5 km ou moins", "à 10 km ou moins", "à 20 km ou moins"]
    svg = bars(chart_id="c", title="t", series=series, fmt=plain, groups=[Group("France", [1.2, 1.4, 1.8])])
    root = ET.fromstring(svg)
    width = float(root.get("viewBox", "").split()[2])
    legend = [t for t in root.iter(f"{SVG}text") if t.get("class") == "legend"]
    assert [t.text for t in legend] == series
    # No entry's text runs past the drawing's right edge (about 8 units a character).
    assert all(float(t.get("x", "0")) + 8 * len(t.text or "") <= width for t in legend)
    assert len({t.get("y") for t in legend}) == 2
    bars_top = min(float(r.get("y", "0")) for r in root.iter(f"{SVG}rect") if r.get("width") != "12")
    assert bars_top >= max(float(t.get("y", "0")) for t in legend)
