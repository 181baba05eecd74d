"""Charts: valid, self-contained, accessible, escaped, privacy-suppressed and reproducible SVG."""

from __future__ import annotations

import datetime as dt
import html
import re
import xml.etree.ElementTree as ET

import pandas as pd
import pytest

from cswb_widgets.render import charts, contrast_ratio, readable_text_colour
from cswb_widgets.render.charts import (
    bar_chart,
    gantt,
    heatmap,
    line_chart,
    ranked_scores,
)
from cswb_widgets.render.figures import (
    SEQUENTIAL_COLOURS,
    SERIES_COLOURS,
    TEXT_COLOUR,
    Chart,
)

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = "<img src=x onerror=alert(1)>"
SCRIPT_BREAKER = "</script><script>alert(2)</script>"
COMMENT_BREAKER = "--><script>alert(3)</script><!--"


def parse(chart: Chart) -> ET.Element:
    root = ET.fromstring(chart)
    assert root.tag == f"{SVG}svg"
    return root


def drawn_text(chart: Chart) -> list[str]:
    return ["".join(t.itertext()) for t in parse(chart).iter(f"{SVG}text")]


def bars(chart: Chart) -> list[ET.Element]:
    """The bar rectangles: matplotlib draws them as clipped paths of the first series colour."""
    return [
        p
        for p in parse(chart).iter(f"{SVG}path")
        if p.get("clip-path") and f"fill: {SERIES_COLOURS[0]}".lower() in (p.get("style") or "").lower()
    ]


@pytest.fixture
def themes() -> Chart:
    return bar_chart(
        ["Housing", HOSTILE, "Food $5 meals $x^2$", SCRIPT_BREAKER, "Youth", "Transit"],
        [12, 3, 7, 0, 40, 4],
        title="Themes raised",
        xlabel="Mentions",
        suppress_below=5,
    )


def build_charts() -> dict[str, Chart]:
    """One chart of each kind, with hostile labels."""
    criteria = pd.DataFrame(
        {"Magnitude": [0.2, 0.9, None], "Severity": [1.0, 0.3, 0.6], COMMENT_BREAKER: [0.1, 0.5, 0.4]},
        index=["Poverty", HOSTILE, "Mental health"],
    )
    tasks = pd.DataFrame(
        {
            "title": ["Open drop-in", HOSTILE, "Launch table", "Survey"],
            "start": [dt.date(2024, 1, 1), dt.date(2024, 3, 1), dt.date(2024, 2, 1), None],
            "end": [dt.date(2024, 6, 1), dt.date(2024, 4, 1), dt.date(2025, 2, 1), None],
            "group": ["Prevention", "Prevention", "Risk intervention", "Social development"],
            "status": ["in_progress", "completed", "delayed", "not_started"],
        }
    )
    return {
        "bar": bar_chart(["A", HOSTILE], [10, 20], title="Bars", xlabel="Count"),
        "heatmap": heatmap(criteria, title="Criteria <heatmap>"),
        "stacked ranking": ranked_scores(criteria.fillna(0), title="Ranking"),
        "single ranking": ranked_scores({"Poverty": 3.0, SCRIPT_BREAKER: 2.0}, title="Single score"),
        "line": line_chart(
            {"Ward 1": {2019: 3.0, 2020: 4.0}, HOSTILE: {2019: 5.0, 2020: 4.5}},
            title="Trend",
            ylabel="Rate",
            baseline=4.0,
            target=3.0,
        ),
        "gantt": gantt(tasks, title="Implementation", today=dt.date(2024, 5, 1)),
    }


@pytest.fixture(scope="module")
def every_chart() -> dict[str, Chart]:
    return build_charts()


@pytest.fixture(params=["bar", "heatmap", "stacked ranking", "single ranking", "line", "gantt"])
def chart(request: pytest.FixtureRequest, every_chart: dict[str, Chart]) -> Chart:
    return every_chart[request.param]


# --- Valid, self-contained, accessible ------------------------------------------------------------


def test_every_chart_is_valid_inline_svg_with_text_alternatives(chart: Chart) -> None:
    root = parse(chart)
    assert chart.startswith("<svg")  # no XML declaration or DOCTYPE: inlines in HTML
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and title.text == chart.label
    assert desc is not None and desc.text == chart.description and len(chart.description) > 20
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == title.get("id")
    assert root.get("aria-describedby") == desc.get("id")
    assert isinstance(chart.table, pd.DataFrame) and len(chart.table) > 0


def test_charts_are_self_contained_and_run_nothing(chart: Chart) -> None:
    root = parse(chart)
    assert list(root.iter(f"{SVG}script")) == [] and list(root.iter(f"{SVG}foreignObject")) == []
    for element in root.iter():
        for name, value in element.attrib.items():
            assert not name.startswith("on"), (element.tag, name)
            if name.endswith("href"):
                assert value.startswith("#"), value  # internal references only
    assert "@font-face" not in chart and "<image" not in chart
    assert "http://" not in chart.replace('xmlns="http://www.w3.org/2000/svg"', "").replace(
        'xmlns:xlink="http://www.w3.org/1999/xlink"', ""
    )


def test_ids_are_unique_per_chart_so_charts_can_share_a_page(chart: Chart) -> None:
    ids = re.findall(r'\bid="([^"]+)"', chart)
    assert len(ids) == len(set(ids))
    prefix = ids[0].split("-")[0]
    assert all(i.startswith(prefix + "-") for i in ids)
    for reference in re.findall(r'(?:url\(#|href="#)([^)"]+)', chart):
        assert reference in ids


def test_two_different_charts_share_no_ids() -> None:
    first = bar_chart(["A"], [10], title="One", xlabel="Count")
    second = bar_chart(["A"], [11], title="Two", xlabel="Count")
    assert not set(re.findall(r'\bid="([^"]+)"', first)) & set(re.findall(r'\bid="([^"]+)"', second))


def test_html_figure_has_caption_and_escaped_table(themes: Chart) -> None:
    figure = themes.html(show_table=True)
    assert figure.startswith('<figure class="cswb-chart"><svg')
    assert "<figcaption>" in figure and "<table" in figure
    assert HOSTILE not in figure.replace(themes.svg, "")
    assert "&lt;img src=x onerror=alert(1)&gt;" in figure


# --- Escaping -----------------------------------------------------------------------------------


def test_labels_are_escaped_and_drawn_literally(themes: Chart) -> None:
    texts = drawn_text(themes)
    assert HOSTILE in texts and SCRIPT_BREAKER in texts  # as text content, after XML parsing
    assert HOSTILE not in themes  # never raw in the markup
    assert "Food $5 meals $x^2$" in texts  # dollars are not mathtext
    lookalike = 'id="x" url(#p) href="#q"'  # looks like the attributes ids are rewritten in
    assert lookalike in drawn_text(bar_chart([lookalike], [1], title="t", xlabel="n"))
    heat = heatmap(pd.DataFrame({COMMENT_BREAKER: [1.0]}, index=["row"]), title="t")
    assert COMMENT_BREAKER not in heat
    parse(heat)


# --- Privacy ---------------------------------------------------------------------------------


def test_small_counts_are_suppressed_everywhere(themes: Chart) -> None:
    texts = drawn_text(themes)
    assert texts.count("<5") == 3  # 3, 0 and 4
    for exact in ("3", "4"):  # (0 is also an axis tick)
        assert exact not in texts
    assert len(bars(themes)) == 3  # only 40, 12 and 7 are drawn as bars
    assert list(themes.table["Mentions"]) == ["40", "12", "7", "<5", "<5", "<5"]
    assert "3 with fewer than 5 shown as <5" in themes.description
    for small in (HOSTILE, SCRIPT_BREAKER, "Transit"):  # never listed with their counts
        assert small not in themes.description
    # suppressed items keep their given order: the order does not rank the small counts
    assert list(themes.table["Category"])[3:] == [HOSTILE, SCRIPT_BREAKER, "Transit"]


def test_without_suppression_every_count_is_a_bar() -> None:
    chart = bar_chart(["a", "b", "c"], [1, 0, 3], title="t", xlabel="n")
    assert len(bars(chart)) == 3
    assert "<5" not in drawn_text(chart)


def test_bad_bar_input_is_refused() -> None:
    with pytest.raises(ValueError, match="2 labels but 1 values"):
        bar_chart(["a", "b"], [1], title="t", xlabel="n")
    with pytest.raises(ValueError, match="negative"):
        bar_chart(["a"], [-1], title="t", xlabel="n")
    with pytest.raises(ValueError, match="numbers"):
        bar_chart(["a"], ["many"], title="t", xlabel="n")  # type: ignore[list-item]


# --- Reproducible -----------------------------------------------------------------------------


def test_same_input_gives_identical_svg(every_chart: dict[str, Chart]) -> None:
    again = build_charts()
    for kind, chart in every_chart.items():
        assert again[kind] == chart, kind
        assert "<dc:date>" not in chart and "matplotlib.org" not in chart


# --- Colour and contrast ---------------------------------------------------------------------


def test_text_and_cell_annotations_meet_contrast() -> None:
    assert contrast_ratio(TEXT_COLOUR, "#ffffff") >= 4.5
    for colour in SEQUENTIAL_COLOURS:
        assert contrast_ratio(readable_text_colour(colour), colour) >= 4.5
    chart = heatmap(pd.DataFrame({"a": [0.0, 1.0]}, index=["low", "high"]), title="t")
    # the darkest cell gets white text, the lightest black
    white = {t.text for t in parse(chart).iter(f"{SVG}text") if "fill: #ffffff" in (t.get("style") or "")}
    assert white == {"1"}
    for colour in SERIES_COLOURS[:5]:  # the colours used for lines and bars first
        assert contrast_ratio(colour, "#ffffff") >= 3.0


# --- Content of each chart -------------------------------------------------------------------


def test_ranked_scores_order_and_stacked_contributions() -> None:
    contributions = pd.DataFrame(
        {"Magnitude": [0.1, 0.5, 0.3], "Severity": [0.2, 0.2, 0.6]},
        index=["Poverty", "Housing", "Mental health"],
    )
    chart = ranked_scores(contributions, title="Ranking", highlight=["Housing"])
    assert list(chart.table["Item"]) == ["Mental health", "Housing", "Poverty"]
    assert list(chart.table["Rank"]) == [1, 2, 3]
    assert chart.table["Score"].round(6).tolist() == [0.9, 0.7, 0.3]
    assert "2. Housing (priority)" in drawn_text(chart)
    assert "sum of Magnitude, Severity" in chart.description
    assert list(ranked_scores(contributions.sum(axis=1), title="t", top=2).table["Item"]) == [
        "Mental health",
        "Housing",
    ]


def test_heatmap_marks_missing_cells() -> None:
    chart = heatmap(pd.DataFrame({"a": [1.0, None]}, index=["x", "y"]), title="t")
    assert "–" in drawn_text(chart)
    assert chart.table.columns[0] == "Row"


def test_line_chart_draws_baseline_target_and_comparator() -> None:
    chart = line_chart(
        pd.DataFrame({"ED visits": [5.0, 4.0, 3.5]}, index=[2019, 2020, 2021]),
        title="Trend",
        ylabel="Visits per 1,000",
        baseline=5.0,
        target=3.0,
        comparator={2019: 4.5, 2020: 4.4, 2021: 4.3},
        comparator_label="Ontario",
    )
    texts = drawn_text(chart)
    assert "Baseline 5" in texts and "Target 3" in texts and "Ontario" in texts
    assert {"2019", "2020", "2021"} <= set(texts)
    assert list(chart.table.columns) == ["Year", "ED visits", "Ontario"]
    assert "5 in 2019, 3.5 in 2021" in chart.description


def test_line_chart_leaves_small_counts_undrawn_and_reads_them_as_under_five() -> None:
    series = pd.DataFrame({"Deaths": [2.0, 6.0, 3.0, 0.0]}, index=[2019, 2020, 2021, 2022])
    exact = line_chart(series, title="Deaths", ylabel="Deaths", baseline=4.0, target=0.0)
    published = line_chart(series, title="Deaths", ylabel="Deaths", baseline=4.0, target=0.0, suppress_below=5)
    assert list(exact.table["Deaths"]) == [2.0, 6.0, 3.0, 0.0]
    assert list(published.table["Deaths"]) == ["<5", 6.0, "<5", 0.0]  # zero is not a small count
    assert "Deaths: <5 in 2019, 0 in 2022." in published.description and "Baseline <5." in published.description
    assert "Baseline 4" in drawn_text(exact) and not any(t.startswith("Baseline") for t in drawn_text(published))

    def markers(chart: Chart) -> int:  # the series' drawn points: markers in its colour
        return sum(1 for use in parse(chart).iter(f"{SVG}use") if "fill: #0072b2" in use.get("style", ""))

    assert markers(exact) == 4 and markers(published) == 2


def test_which_units_count_people_or_events() -> None:
    from cswb_widgets.model.privacy import is_count_unit, is_small_count

    counts = ["people", "calls", "deaths per year", "households, rolling 12 months", "", None]
    not_counts = ["%", "% of students", "per 100,000", "per 1,000 population", "rate", "index", "days", "$ per household"]
    assert all(is_count_unit(u) for u in counts) and not any(is_count_unit(u) for u in not_counts)
    assert [is_small_count(v, "people") for v in (0, 1, 4.9, 5, None, float("nan"), "x")] == [
        False, True, True, False, False, False, False]
    assert not is_small_count(3, "per 1,000")


def test_gantt_groups_statuses_and_undated_tasks() -> None:
    tasks = pd.DataFrame(
        {
            "title": ["A", "B", "C"],
            "start": ["2024-01-01", "2024-02-01", None],
            "end": ["2024-03-01", "2024-05-01", None],
            "group": ["Prevention", "Social development", "Prevention"],
            "status": ["in_progress", "delayed", "not_started"],
        }
    )
    chart = gantt(tasks, title="Plan", group_order=["Social development", "Prevention"])
    texts = drawn_text(chart)
    assert texts.index("Social development") < texts.index("Prevention")  # the given order
    assert "In progress" in texts and "Delayed" in texts
    assert "Not started" not in texts  # the only not-started task has no dates: not drawn
    assert list(chart.table["Status"]) == ["In progress", "Delayed", "Not started"]
    assert "1 task without start and end dates" in chart.description
    with pytest.raises(ValueError, match="status"):
        gantt(tasks.drop(columns="status"), title="t")


def test_a_long_title_wraps_inside_the_drawing_instead_of_being_cut() -> None:
    # A measure's name of 99 characters printed as "... an aftercare plan before di" at the drawing's edge.
    title = "Share of people returning from treatment with an aftercare plan before discharge from the programme"
    series = pd.DataFrame({"Measured": [1.0, 2.0]}, index=pd.to_datetime(["2024-01-01", "2025-01-01"]))
    drawing = charts.line_chart(series, title=title, ylabel="%", xlabel="Date").html()
    drawn = [html.unescape(t) for t in re.findall(r"<text\b[^>]*>([^<]*)</text>", drawing)]
    title_lines = [line for line in drawn if line and line in title]
    assert " ".join(title_lines) == title and len(title_lines) >= 2
    assert all(len(line) <= charts.TITLE_WRAP for line in title_lines)


def _tick_texts(svg: str) -> list[str]:
    """Every short numeric text of a chart: its tick labels and value labels."""
    return re.findall(r">([0-9\u00a0\u202f,.\u2212-]+)</text>", svg)


def test_axis_numbers_are_written_in_the_charts_language() -> None:
    from cswb_widgets.i18n import use_language

    rates = pd.DataFrame({"Rate": [0.5, 1.5, 2.5, 1.0]}, index=[2021, 2022, 2023, 2024])
    with use_language("fr"):
        french = _tick_texts(charts.line_chart(rates, title="Trend", ylabel="Rate").svg)
    with use_language("en"):
        english = _tick_texts(charts.line_chart(rates, title="Trend", ylabel="Rate").svg)
    assert any("," in t for t in french) and not any("." in t for t in french), french
    assert any("." in t for t in english) and not any("," in t for t in english), english


def test_a_count_axis_has_whole_number_ticks_only() -> None:
    counts = charts.bar_chart(["A", "B"], [3, 1], title="Raised", xlabel="Feedback items")
    ticks = _tick_texts(counts.svg)
    assert ticks and all(t.isdigit() for t in ticks), ticks
