"""The Risk workbook in app mode, driven in-process, and its evidence model on real sample data."""

from __future__ import annotations

from pathlib import Path

import ipywidgets
import pandas as pd
import pytest
from sample_workspaces import built

from cswb_widgets.model import gaps, prioritization, risk_evidence
from cswb_widgets.render import WorkspaceTables
from cswb_widgets.render.risk import sensitivity_html, trace_frame
from cswb_widgets.store import Workspace
from cswb_widgets.workbooks import RiskWorkbook
from cswb_widgets.workbooks.risk import PUBLIC_URL_ENV

HOSTILE = "<img src=x onerror=alert(1)>"


def _part(book: RiskWorkbook, name: str):  # returns the built section (its type varies)
    return built(getattr(book, name)())


# -- the evidence behind the criteria ----------------------------------------------------------------


def test_computed_criteria_come_from_feedback_and_the_asset_gaps(maple: Path) -> None:
    ws = Workspace.open(maple)
    tables = WorkspaceTables(ws)
    inputs = risk_evidence.criterion_inputs(tables)
    assert inputs.sources["crit-concern"] == "community_concern" and inputs.sources["crit-magnitude"] == "entered"
    # community concern: the share of feedback items tagged with the risk's category, counted here directly
    feedback, risks = ws.table("feedback"), ws.table("risks").set_index("id")
    category = risks.at["risk-housing", "category"]
    tagged = sum(category in (tags or []) for tags in feedback["risk_categories"])
    assert inputs.values.at["risk-housing", "crit-concern"] == pytest.approx(tagged / len(feedback))
    assert inputs.explanations.at["risk-housing", "crit-concern"].startswith(f"{tagged} of {len(feedback)} feedback items")
    # capacity gap: planning areas with no asset for the risk, from the gap analysis
    assert inputs.values["crit-capacity"].tolist() == gaps.capacity_gap(tables).reindex(inputs.values.index).tolist()
    # entered: the typed score, with its note
    scores = ws.table("risk_scores")
    row = scores[(scores["risk_id"] == "risk-housing") & (scores["criterion_id"] == "crit-trend")].iloc[0]
    assert inputs.values.at["risk-housing", "crit-trend"] == row["value"]
    assert row["note"] in inputs.explanations.at["risk-housing", "crit-trend"]


def test_a_criterion_can_switch_to_indicator_trends_and_votes(maple: Path) -> None:
    ws = Workspace.open(maple)
    ws.update("criteria", "crit-trend", source="indicator_trend")
    votes_id = ws.add("criteria", name="Workshop rating", weight=1, source="workshop_votes")
    tables = WorkspaceTables(ws)
    inputs = risk_evidence.criterion_inputs(tables)
    votes = ws.table("votes")
    assert inputs.values.at["risk-mha", votes_id] == pytest.approx(votes.loc[votes["risk_id"] == "risk-mha", "value"].mean())
    # the trend of a risk's indicators, worsening counted positive: recompute one by hand
    trends = risk_evidence.indicator_trends(tables).set_index("indicator")
    housing = trends[trends["risk_id"] == "risk-housing"]
    assert inputs.values.at["risk-housing", "crit-trend"] == pytest.approx(housing["worsening"].mean())
    assert "Eviction applications" in inputs.explanations.at["risk-housing", "crit-trend"]


def test_a_falling_graduation_rate_is_a_worsening_trend() -> None:
    rows = pd.DataFrame({
        "id": ["a", "b", "c", "d"], "risk_id": ["r", "r", "s", "s"],
        "indicator": ["Graduation rate", "Graduation rate", "Overdoses", "Overdoses"],
        "area": [None, None, "Ward 1", "Ward 2"], "year": [2020, 2022, 2020, 2020],
        "value": [80.0, 76.0, 10.0, 30.0], "unit": ["%", "%", "n", "n"], "comparator_value": [None] * 4,
        "comparator_label": [None] * 4, "source": ["board"] * 4, "higher_is_worse": [False, False, True, True],
    })
    trends = risk_evidence.indicator_trends({"indicators": rows}).set_index("indicator")
    # 80 -> 76 over two years: slope -2 a year on a mean of 78
    assert trends.at["Graduation rate", "annual_change"] == pytest.approx(-2 / 78)
    assert trends.at["Graduation rate", "worsening"] == pytest.approx(2 / 78)
    assert "worsening" in trends.at["Graduation rate", "direction"]
    # one year only: no trend; sub-area counts added up for the community figure (10 + 30)
    assert pd.isna(trends.at["Overdoses", "annual_change"]) and trends.at["Overdoses", "latest_value"] == 40.0
    assert trends.at["Overdoses", "areas"] == 2


# -- the prioritization panel ---------------------------------------------------------------------------


def test_changing_a_weight_reorders_the_ranking_and_saving_keeps_it(maple: Path) -> None:
    book = RiskWorkbook.open(maple, "app")
    panel = _part(book, "prioritization")
    before = list(panel.ranking.scored.index)
    # all weight on severity: the ranking must follow the entered severity scores
    only_severity = {cid: (1.0 if cid == "crit-severity" else 0.0) for cid in panel.weights()}
    for cid, value in only_severity.items():
        panel.weight_inputs[cid].value = value  # as if typed in the app
    scores = book.ws.table("risk_scores")
    severity = scores[scores["criterion_id"] == "crit-severity"].set_index("risk_id")["value"]
    ranked = panel.ranking.scored
    assert list(ranked.index) != before
    assert [severity.get(r, 0) for r in ranked.index] == sorted([severity.get(r, 0) for r in ranked.index], reverse=True)
    assert "Not saved" in panel.status.value
    assert panel.table.value.index(book.ws.get("risks", ranked.index[0])["name"]) < panel.table.value.index(
        book.ws.get("risks", ranked.index[-1])["name"])
    assert panel.save_weights()
    stored = book.ws.table("criteria").set_index("id")["weight"].to_dict()
    assert stored == only_severity
    # a new kernel (another facilitator) sees the saved weights
    again = _part(RiskWorkbook.open(maple, "app"), "prioritization")
    assert list(again.ranking.scored.index) == list(ranked.index)


def test_every_score_is_traced_to_its_inputs(maple: Path) -> None:
    book = RiskWorkbook.open(maple, "app")
    panel = _part(book, "prioritization")
    ranking = panel.ranking
    for risk_id in ranking.scored.index:
        parts = ranking.scored.loc[risk_id, list(ranking.normalized.columns)]
        assert parts.sum() == pytest.approx(ranking.scored.at[risk_id, "score"])
    panel.explain.value = "risk-youth"
    trace = trace_frame(ranking, book.tables(), "risk-youth")
    assert [float(p) for p in trace["Part of score"]] == pytest.approx(
        ranking.scored.loc["risk-youth", list(ranking.normalized.columns)].round(3).tolist())
    assert "feedback items" in panel.trace.value and "asset" in panel.trace.value  # the explanations travel with it


def test_sensitivity_names_the_ranks_that_move(maple: Path) -> None:
    ranking = prioritization.rank_risks(WorkspaceTables(Workspace.open(maple)))
    html = sensitivity_html(ranking, WorkspaceTables(Workspace.open(maple)))
    moving = ranking.sensitivity[~ranking.sensitivity["holds"]]
    assert len(moving) > 0
    assert "Ranks that move" in html


def test_recomputing_after_a_weight_change_does_not_reread_the_workspace(maple: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    panel = _part(RiskWorkbook.open(maple, "app"), "prioritization")

    def no_reading(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a weight change must not recompute the evidence")

    monkeypatch.setattr(risk_evidence, "criterion_inputs", no_reading)
    panel.weight_inputs["crit-concern"].value = 5.0
    assert panel.ranking.weights["crit-concern"] == 5.0


# -- register, analysis, indicators ---------------------------------------------------------------------


def test_add_a_risk_with_a_catalogue_or_own_category(maple: Path) -> None:
    book = RiskWorkbook.open(maple, "app")
    adder = _part(book, "register").children[0]
    adder.name.value, adder.category.value = "Youth vaping", "Drugs"
    known = adder.save()
    adder.name.value, adder.category.value = "Flooding on River Road", "Climate and flooding"
    own = adder.save()
    assert book.ws.get("risks", known)["category"] == "drugs"
    assert book.ws.get("risks", own)["category"] == "Climate and flooding"
    assert "own category" in adder.status.value
    adder.name.value = "   "
    assert adder.save() is None and 'role="alert"' in adder.status.value


def test_tool5_answers_load_and_save_per_risk(maple: Path) -> None:
    book = RiskWorkbook.open(maple, "app")
    analysis = _part(book, "analysis")
    analysis.risk.value = "risk-ipv"
    assert analysis.fields["raised_by"].value.startswith("Survey respondents")
    analysis.fields["comprehensive_strategy"].value = "Coordinated high-risk response table"
    analysis.fields["current_approach"].value = ("rapid_intervention",)
    assert analysis.save()
    stored = book.ws.get("risks", "risk-ipv")
    assert stored["comprehensive_strategy"] == "Coordinated high-risk response table"
    assert stored["current_approach"] == ["rapid_intervention"]
    analysis.risk.value = "risk-mha"
    assert analysis.fields["comprehensive_strategy"].value.startswith("A 24/7 crisis pathway")


def test_indicator_import_updates_by_indicator_area_and_year_and_refuses_bad_rows(maple: Path) -> None:
    book = RiskWorkbook.open(maple, "app")
    upload = _part(book, "indicators").children[0]
    ws = book.ws
    count = ws.count("indicators")
    long_form = (
        "indicator,area,year,value,unit,source\n"
        "Crime Severity Index,Ward 1,2025,51.5,index,Statistics Canada\n"
        "\"Opioid-related emergency department visits per 100,000 residents\",Ward 2,2019,190.0,\"per 100,000\",ED surveillance\n"
    )
    report = upload.load("indicators-2025.csv", long_form.encode())
    assert report is not None and report.inserted == {"indicators": 1} and report.updated == {"indicators": 1}
    assert ws.count("indicators") == count + 1
    rows = ws.table("indicators")
    updated = rows[(rows["area"] == "Ward 2") & (rows["year"] == 2019) & rows["indicator"].str.startswith("Opioid")]
    assert updated["value"].tolist() == [190.0] and updated["risk_id"].tolist() == ["risk-mha"]  # other columns kept
    before = ws.table("indicators")
    bad = "indicator,area,year,value\nCrime Severity Index,Ward 1,2026,lots\n"
    assert upload.load("more.csv", bad.encode()) is None
    assert "more.csv" in upload.status.value and "row 2" in upload.status.value and "value" in upload.status.value
    assert 'role="alert"' in upload.status.value
    pd.testing.assert_frame_equal(ws.table("indicators"), before)


def test_trends_and_indicator_map_show_the_chosen_indicator(maple: Path) -> None:
    book = RiskWorkbook.open(maple, "app")
    trends = _part(book, "trends")
    trends.indicator.value = "Four-year secondary graduation rate"
    assert "<svg" in trends.chart.value and "Four-year secondary graduation rate" in trends.chart.value
    assert "improving" in trends.table.value or "worsening" in trends.table.value
    shown = _part(book, "indicator_map")
    assert shown.indicator.options and shown.year.value is not None
    assert "<iframe" in shown.view.value and "Ward" in shown.view.value


def test_hostile_names_are_escaped_everywhere_the_risk_appears(maple: Path) -> None:
    ws = Workspace.open(maple)
    ws.update("risks", "risk-water", name=HOSTILE, priority=True, vulnerable_groups=[HOSTILE])
    ws.update("criteria", "crit-severity", name=HOSTILE)
    book = RiskWorkbook.open(maple, "report")
    for part in ("register", "analysis", "engagement", "criteria", "prioritization", "ranking_charts", "priorities"):
        html = _part(book, part).data
        assert HOSTILE not in html, part
    assert "&lt;img src=x onerror=alert(1)&gt;" in _part(book, "prioritization").data


def test_report_mode_hides_small_feedback_counts(maple: Path) -> None:
    ws = Workspace.open(maple)
    risk_id = ws.add("risks", name="Gambling harms", category="gambling")
    for _ in range(3):
        ws.add("feedback", text="Gambling at the new casino", risk_categories=["gambling"])
    report = _part(RiskWorkbook.open(maple, "report"), "engagement").data
    row = report[report.index("Gambling harms"):].split("</tr>")[0]
    assert "&lt;5" in row and ">3<" not in row
    live = _part(RiskWorkbook.open(maple, "app"), "engagement").view.value
    assert ">3<" in live[live.index("Gambling harms"):].split("</tr>")[0]  # the workshop's own view is exact
    assert Workspace.open(maple).get("risks", risk_id)["category"] == "gambling"


def test_choosing_priorities_updates_the_readiness_line(maple: Path) -> None:
    book = RiskWorkbook.open(maple, "app")
    section = _part(book, "priorities")
    chooser, _profile, status = section.children
    assert "3 of 3" in status.view.value
    chooser.handle({"type": "edit", "id": "risk-ipv", "column": "priority", "value": True})
    assert book.ws.get("risks", "risk-ipv")["priority"] is True
    status.refresh()
    assert "4 of 4" in status.view.value


def test_the_voting_page_shows_the_ballot_alone(maple: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cswb_widgets.workbooks import page as request

    monkeypatch.setattr(request, "page_parameter", lambda name: "vote" if name == "view" else None)
    book = RiskWorkbook.open(maple, "app")
    assert book.vote_view
    assert isinstance(book.ballot(), ipywidgets.Widget)
    for part in ("guidance", "register", "analysis", "indicators", "prioritization", "voting", "priorities"):
        assert getattr(book, part)().data == "", part
    assert "Rate the risks" in book.header().data
    monkeypatch.setattr(request, "page_parameter", lambda name: None)
    normal = RiskWorkbook.open(maple, "app")
    assert normal.ballot().data == ""
    # The facilitator's page links the kernel-less vote's join screen and tally at the server's address.
    monkeypatch.setenv(PUBLIC_URL_ENV, "http://10.0.0.5:8866/")
    links = _part(RiskWorkbook.open(maple, "app"), "voting").children[0].value
    assert 'href="http://10.0.0.5:8866/vote/maple-falls/join"' in links and "view=vote" not in links


@pytest.mark.slow
def test_a_notebooks_rank_function_ranks_in_reports_and_in_the_app(maple: Path) -> None:
    def rank(tables, weights=None):  # as the notebook writes it, with a criterion of its own
        inputs = risk_evidence.criterion_inputs(tables)
        weights = risk_evidence.weights(tables) if weights is None else weights
        names = tables["risks"].set_index("id")["name"].astype(str)
        inputs = inputs.with_criterion("Name length (analyst)", names.str.len())
        weights = {"Name length (analyst)": 1.0, **weights}
        return prioritization.rank_inputs(inputs, weights, risk_evidence.higher_is_worse(tables))

    report, app = RiskWorkbook.open(maple, "report"), RiskWorkbook.open(maple, "app")
    assert "Name length (analyst)" not in _part(report, "prioritization").data
    for book in (report, app):
        book.rank = rank
    panel = _part(app, "prioritization")
    for html in (_part(report, "prioritization").data, _part(report, "ranking_summary").data,
                 _part(report, "ranking_charts").data, panel.table.value, _part(app, "ranking_charts").view.value):
        assert "Name length (analyst)" in html
    assert "Weight of Name length (analyst) (computed in the notebook)" in [w.description for w in panel.weight_inputs.values()]
