"""The Evaluation workbook (Tool 6) in app mode, driven in-process, and its static output on the Maple Falls sample."""

from __future__ import annotations

import io
import itertools
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from sample_workspaces import built

from cswb_widgets.model import evaluation
from cswb_widgets.paths import workbooks_dir
from cswb_widgets.render import WorkspaceTables, escape as render_escape, evaluation as render_evaluation
from cswb_widgets.store import Workspace
from cswb_widgets.workbooks import EvaluationWorkbook

HOSTILE = "<img src=x onerror=alert(1)>"
ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"


def _part(book: EvaluationWorkbook, name: str):  # returns the built section (its type varies)
    return built(getattr(book, name)())


# -- strategies -----------------------------------------------------------------------------------------------


def test_adopting_an_asset_creates_its_strategies_once_and_can_be_undone(maple: Path) -> None:
    book = EvaluationWorkbook.open(maple, "app")
    ws = book.ws
    panel = _part(book, "adopt_assets")
    panel.risk.value = "risk-mha"
    candidates = evaluation.adoptable_assets(WorkspaceTables(ws))
    chosen = candidates[(candidates["risk_id"] == "risk-mha") & (candidates["planning_areas"].map(len) == 2)].iloc[0]
    first_area, second_area = chosen["planning_areas"]
    panel.asset.value = chosen["asset_id"]
    assert set(panel.areas.value) == {first_area, second_area}  # the asset's own, not yet adopted, areas
    asset = ws.get("assets", chosen["asset_id"])
    # meanwhile another kernel (a second facilitator) adopts it in its first area, unseen by this screen
    Workspace.open(maple).add("strategies", **evaluation.strategy_from_asset(asset, "risk-mha", first_area))
    before = ws.count("strategies")
    created = panel.adopt()
    assert len(created) == 1 and ws.count("strategies") == before + 1  # never a second one in the first area
    strategy = ws.get("strategies", created[0])
    assert (strategy["name"], strategy["description"], strategy["asset_id"], strategy["risk_id"],
            strategy["planning_area"]) == (asset["name"], asset["purpose"], asset["id"], "risk-mha", second_area)
    assert "Adopted" in panel.status.value
    assert chosen["asset_id"] not in [v for _label, v in panel.asset.options]  # fully adopted: no longer offered
    matrix = _part(book, "strategy_matrix")
    assert matrix.view.value.count(str(render_escape(asset["name"]))) >= 2  # in both planning areas' cells
    assert panel.undo() and "Undone" in panel.status.value
    assert ws.count("strategies") == before and not ws.exists("strategies", created[0])
    assert chosen["asset_id"] in [v for _label, v in panel.asset.options]  # offered again, for the second area
    panel.risk.value = "risk-mha"
    panel.asset.value = chosen["asset_id"]
    assert panel.areas.value == (second_area,)


def test_the_matrix_shows_empty_cells_and_assets_that_could_fill_them(maple: Path) -> None:
    tables = WorkspaceTables(Workspace.open(maple))
    html = render_evaluation.strategy_matrix_html(tables, evaluation.strategy_matrix(tables))
    row = html[html.index("Mental health crises and substance-use harms</th>"):].split("</tr>")[0]
    cells = re.findall(r"<td>(.*?)</td>", row)
    assert len(cells) == 4
    # Maple Falls has no social-development strategy for mental health (the first of the four areas)
    assert "None yet" in cells[0] and "could be adopted" in cells[0]
    assert "24/7 mobile crisis response (promising)" in cells[2]  # risk intervention
    assert "Planning areas with no strategy yet" in html


# -- logic models ---------------------------------------------------------------------------------------------


def test_build_a_logic_model_and_see_it_drawn(maple: Path) -> None:
    book = EvaluationWorkbook.open(maple, "app")
    ws = book.ws
    builder = _part(book, "logic_models")
    builder.new_risk.value = "risk-ipv"
    builder.new_group.value = "Women leaving violent homes " + HOSTILE
    model_id = builder.create()
    assert model_id and builder.model.value == model_id
    assert ws.get("logic_models", model_id)["risk_id"] == "risk-ipv"
    assert "Inputs: no item yet" in builder.view.value  # all six levels are still empty
    texts = {
        "inputs": "Shelter staff and a court support worker",
        "activities": "Safety planning " + HOSTILE,
        "outputs": "Safety plans made",
        "immediate": "Women know where to turn",
        "intermediate": "Fewer repeat calls",
        "long_term": "Families live free of violence",
    }
    ids = {}
    for level, text in texts.items():
        builder.level.value = level
        builder.item_text.value = text
        ids[level] = builder.add_item()
        assert ids[level]
    assert "leads to nothing" in builder.view.value
    order = list(texts)
    for source, target in itertools.pairwise(order):
        builder.source.value, builder.target.value = ids[source], ids[target]
        assert builder.link()
    assert ws.get("logic_model_items", ids["inputs"])["leads_to"] == [ids["activities"]]
    svg = re.search(r"<svg.*?</svg>", builder.view.value, re.S).group(0)
    assert 'role="img"' in svg and "<title id=" in svg and "<desc id=" in svg
    assert svg.count('marker-end="url(#') == 5  # one arrow per link
    assert "Shelter staff and a court" in svg and "Families live free of" in svg  # wrapped into the boxes
    assert HOSTILE not in builder.view.value and ESCAPED in builder.view.value
    assert "every item leads onward and every link goes forward" in builder.view.value
    # a link backwards is saved but shown as a problem, dashed
    builder.source.value, builder.target.value = ids["long_term"], ids["activities"]
    assert builder.link() and "does not go forward" in builder.status.value
    assert "leads back to" in builder.view.value and 'stroke-dasharray="5 3"' in builder.view.value
    builder.source.value, builder.target.value = ids["long_term"], ids["activities"]
    assert builder.unlink()
    assert not ws.get("logic_model_items", ids["long_term"])["leads_to"]
    # the items of the chosen model are editable below the diagram
    table = builder.items_box.children[0]
    assert table.row_count == 6
    # the report shows the same model
    report = _part(EvaluationWorkbook.open(maple, "report"), "logic_models").data
    assert "Women leaving violent homes" in report and HOSTILE not in report


def test_an_item_needs_text_and_a_link_needs_two_items(maple: Path) -> None:
    builder = _part(EvaluationWorkbook.open(maple, "app"), "logic_models")
    builder.model.value = "lm-mha"
    count = builder._ws.count("logic_model_items")
    builder.item_text.value = "  "
    assert builder.add_item() is None and 'role="alert"' in builder.status.value
    builder.source.value = builder.target.value = "li-mha-in1"
    assert not builder.link() and "cannot lead to itself" in builder.status.value
    assert builder._ws.count("logic_model_items") == count


# -- the measurement framework --------------------------------------------------------------------------------


def test_measure_gaps_are_listed_then_resolved(maple: Path) -> None:
    book = EvaluationWorkbook.open(maple, "app")
    ws = book.ws
    framework = _part(book, "measures")
    gaps = framework.gaps.value
    # Maple Falls: one housing outcome has no measure; two measures lack a target or an owner
    assert "1 outcome of the logic models still has no measure" in gaps
    assert "People sleeping outside are matched to housing faster" in gaps
    assert "Residents feel safer downtown: no target" in gaps and "Better attendance in pilot schools: no owner" in gaps
    assert framework.outcome.value == "li-hou-im2"
    measure_id = framework.start_measure()
    assert ws.get("measures", measure_id)["expected_outcome"] == "People sleeping outside are matched to housing faster"
    assert "Every outcome of the logic models has a measure" in framework.gaps.value
    assert "no indicator, no baseline, no target, no owner" in framework.gaps.value
    table = framework.table
    edits = [
        (measure_id, "indicator", "Median days from the by-name list to housing"), (measure_id, "baseline", "212"),
        (measure_id, "target", "150"), (measure_id, "responsibility", "Coordinated access lead"),
        ("pm-mha-5", "target", "55"), ("pm-you-3", "responsibility", "School board analyst"),
    ]
    for record_id, column, value in edits:
        table.handle({"type": "edit", "id": record_id, "column": column, "value": value})
        assert table.status_kind == "saved", table.status
    assert "Every measure has an indicator, a baseline, a target and an owner" in framework.gaps.value
    assert framework.start_row.layout.display == "none"


# -- measurements ---------------------------------------------------------------------------------------------


def _xlsx(rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "measurements"
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_measurement_import_takes_good_files_and_refuses_bad_ones_whole(maple: Path) -> None:
    book = EvaluationWorkbook.open(maple, "app")
    ws = book.ws
    section = _part(book, "measurements")
    upload = section.children[0]
    assert "pm-mha-5" in section.children[1].view.value  # the ids to use are listed
    count = ws.count("measurements")
    good = "measure_id,date,value,note\npm-mha-5,2024-12-31,44,Survey wave 2\npm-mha-5,2025-12-31,47,\n"
    report = upload.load("survey.csv", good.encode())
    assert report is not None and report.inserted == {"measurements": 2}
    assert ws.count("measurements") == count + 2
    series = evaluation.measure_series(WorkspaceTables(ws), "pm-mha-5")
    assert series.tolist()[-2:] == [44.0, 47.0]
    report = upload.load("more.xlsx", _xlsx([["measure_id", "date", "value"], ["pm-hou-1", "2025-12-31", 83]]))
    assert report is not None and report.inserted == {"measurements": 1}
    before = ws.table("measurements")
    bad = "measure_id,date,value\npm-mha-1,2025-12-31,66\npm-mha-1,2026-06-30,lots\n"
    assert upload.load("bad.csv", bad.encode()) is None
    message = upload.status.value
    assert "bad.csv" in message and "row 3" in message and "value" in message and 'role="alert"' in message
    unknown = "measure_id,date,value\npm-nope,2025-12-31,1\n"
    assert upload.load("unknown.csv", unknown.encode()) is None and "pm-nope" in upload.status.value
    pd.testing.assert_frame_equal(ws.table("measurements"), before)  # nothing of either file was written


@pytest.mark.slow
def test_progress_charts_each_measure_against_baseline_and_target(maple: Path) -> None:
    book = EvaluationWorkbook.open(maple, "app")
    progress = _part(book, "progress")
    progress.measure.value = "pm-mha-1"
    assert "<svg" in progress.chart.value and "Baseline 38" in progress.chart.value and "Target 70" in progress.chart.value
    statuses = evaluation.measure_status(WorkspaceTables(book.ws)).set_index("measure_id")
    words = statuses.at["pm-mha-1", "status"].capitalize()
    assert f"{words}</strong>" in progress.chart.value
    charted_options = [v for _label, v in progress.measure.options]
    assert charted_options == [m for m in statuses.index if statuses.at[m, "measurements"] > 0]
    report = _part(EvaluationWorkbook.open(maple, "report"), "progress").data
    charted = int((statuses["measurements"] > 0).sum())
    assert report.count('<figure class="cswb-chart">') == charted
    assert report.count('class="cswb-progress-status"') == charted
    assert "On track" in report and "Off track" in report and "No data" in report  # the sample has all three


# -- escaping ----------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_hostile_text_is_escaped_in_every_table_and_diagram(maple: Path) -> None:
    ws = Workspace.open(maple)
    ws.update("strategies", "st-mha-harm", name=HOSTILE, evidence_source=HOSTILE)
    ws.update("logic_models", "lm-mha", target_group=HOSTILE, name=HOSTILE)
    ws.update("logic_model_items", "li-mha-ac1", text=HOSTILE, responsible=HOSTILE)
    ws.update("measures", "pm-mha-1", indicator=HOSTILE, responsibility=HOSTILE)
    report = EvaluationWorkbook.open(maple, "report")
    for part in ("strategies", "strategy_matrix", "adopt_assets", "logic_models", "measures", "progress"):
        html = _part(report, part).data
        assert HOSTILE not in html, part
    assert ESCAPED in _part(report, "strategies").data and ESCAPED in _part(report, "strategy_matrix").data
    diagram = _part(report, "logic_models").data
    svg = re.search(r"<svg.*?</svg>", diagram, re.S).group(0)
    assert "&lt;img src=x" in svg and "<img" not in svg  # in the boxes, the <title> and the table
    app = _part(EvaluationWorkbook.open(maple, "app"), "logic_models")
    app.model.value = "lm-mha"
    assert HOSTILE not in app.view.value and ESCAPED in app.view.value


# -- the notebook's analysis functions ----------------------------------------------------------------------------


def test_notebook_defines_the_analyses_its_parts_show() -> None:
    nb = nbformat.read(workbooks_dir() / "evaluation.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    for hook in ("strategy_coverage", "outcomes_without_measure", "measure_gaps", "measure_status"):
        defining = [c for c in code if f"book.{hook} = {hook}" in c.source]
        assert len(defining) == 1 and f"def {hook}(" in defining[0].source, hook
        assert not any(t.startswith("part:") for t in defining[0].metadata.get("tags", [])), hook
    notes = [c for c in nb.cells if "analyst-notes" in c.metadata.get("tags", [])]
    assert all(c.cell_type == "markdown" for c in notes)
    for call in ("`evaluation.strategy_matrix`", "`evaluation.outcomes_without_measure`", "`evaluation.measure_status`"):
        assert any(call in c.source for c in notes), call


def test_the_books_strategy_coverage_decides_the_matrix_in_both_modes(maple: Path) -> None:
    def nothing_counts(tables):  # as an analyst writes it
        return evaluation.strategy_matrix({**tables, "strategies": tables["strategies"].iloc[0:0]})

    report = EvaluationWorkbook.open(maple, "report")
    assert "24/7 mobile crisis response" in report.strategy_matrix().data
    report.strategy_coverage = nothing_counts
    html = report.strategy_matrix().data
    assert "24/7 mobile crisis response" not in html and "None yet" in html

    app = EvaluationWorkbook.open(maple, "app")
    app.strategy_coverage = nothing_counts
    matrix = _part(app, "strategy_matrix")
    assert "24/7 mobile crisis response" not in matrix.view.value and "None yet" in matrix.view.value
    app.strategy_coverage = evaluation.strategy_matrix
    matrix.refresh()  # what a save anywhere in the kernel does
    assert "24/7 mobile crisis response" in matrix.view.value


def test_the_books_framework_checks_decide_the_gaps_shown_in_both_modes(maple: Path) -> None:
    def nothing_missing(tables):
        return evaluation.outcomes_without_measure(tables).iloc[0:0]

    def nothing_lacking(tables):
        return evaluation.measure_gaps(tables).iloc[0:0]

    report = EvaluationWorkbook.open(maple, "report")
    assert "1 outcome of the logic models still has no measure" in report.measures().data
    report.outcomes_without_measure, report.measure_gaps = nothing_missing, nothing_lacking
    html = report.measures().data
    assert "Every outcome of the logic models has a measure" in html
    assert "Every measure has an indicator, a baseline, a target and an owner" in html

    app = EvaluationWorkbook.open(maple, "app")
    app.outcomes_without_measure, app.measure_gaps = nothing_missing, nothing_lacking
    framework = _part(app, "measures")
    assert "Every outcome of the logic models has a measure" in framework.gaps.value
    assert "Every measure has an indicator, a baseline, a target and an owner" in framework.gaps.value
    assert framework.start_row.layout.display == "none"  # no outcome to start a measure for


@pytest.mark.slow
def test_the_books_measure_status_decides_progress_in_both_modes(maple: Path) -> None:
    def all_off_track(tables, suppress=False):
        statuses = evaluation.measure_status(tables, suppress=suppress)
        statuses["status"], statuses["reason"] = evaluation.OFF_TRACK, "judged by the analyst"
        return statuses

    report = EvaluationWorkbook.open(maple, "report")
    assert "On track" in report.progress().data
    report.measure_status = all_off_track
    html = report.progress().data
    assert "On track" not in html and "judged by the analyst" in html

    app = EvaluationWorkbook.open(maple, "app")
    app.measure_status = all_off_track
    progress = _part(app, "progress")
    assert "On track" not in progress.table.value and "judged by the analyst" in progress.table.value
    progress.measure.value = "pm-mha-1"
    assert "Off track</strong>: judged by the analyst" in progress.chart.value
