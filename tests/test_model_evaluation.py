"""The evaluation model (Tool 6) on small hand-built tables: expected values worked out by hand."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from cswb_widgets.model import evaluation


def _risks() -> pd.DataFrame:
    return pd.DataFrame({
        "id": ["r1", "r2", "r3"],
        "name": ["Overdoses", "Noise", "Evictions"],
        "priority": [True, False, True],
    })


def _frame(columns: list[str], rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns)


STRATEGY = ["id", "risk_id", "planning_area", "name", "evidence_strength", "asset_id"]
ASSET = ["id", "name", "risks_addressed", "planning_areas", "purpose", "activities", "organization_id"]
ITEM = ["id", "logic_model_id", "level", "text", "leads_to", "planning_area", "responsible"]


# -- strategies ---------------------------------------------------------------------------------------------


def test_strategy_matrix_has_every_planning_area_of_every_priority_risk() -> None:
    strategies = _frame(STRATEGY, [
        ("s1", "r1", "prevention", "Naloxone", "well_supported", None),
        ("s2", "r1", "prevention", "Drug checking", None, None),
        ("s3", "r2", "social_development", "Quiet hours", "untested", None),  # r2 is not a priority
    ])
    matrix = evaluation.strategy_matrix({"risks": _risks(), "strategies": strategies})
    assert len(matrix) == 8  # two priority risks, four planning areas each
    assert list(dict.fromkeys(matrix["risk_id"])) == ["r1", "r3"]
    cell = matrix[(matrix["risk_id"] == "r1") & (matrix["planning_area"] == "prevention")].iloc[0]
    assert cell["strategies"] == ["Naloxone", "Drug checking"] and cell["strengths"] == ["well_supported", None]
    assert cell["count"] == 2
    assert matrix.loc[matrix["risk_id"] == "r3", "count"].sum() == 0
    assert matrix["count"].sum() == 2  # the non-priority strategy is not in the matrix


def test_adoptable_assets_leave_out_what_is_already_a_strategy() -> None:
    assets = _frame(ASSET, [
        ("a1", "Outreach van", ["r1"], ["prevention", "risk_intervention"], "Naloxone on wheels", None, "o1"),
        ("a2", "Drop-in", "r1; r2", None, None, "Coffee and talk", None),  # no planning area recorded
        ("a3", "Crisis line", ["r1"], ["prevention"], "24/7 phone", None, None),
        ("a4", "Rent bank", ["r3"], None, "Loans", None, None),
        ("a5", "Noise patrol", ["r2"], ["incident_response"], None, None, None),  # r2 is not a priority
    ])
    strategies = _frame(STRATEGY, [
        ("s1", "r1", "prevention", "Outreach van", None, "a1"),
        ("s2", "r1", "prevention", "Crisis line", None, "a3"),
        ("s3", "r3", "prevention", "Rent bank", None, "a4"),
    ])
    found = evaluation.adoptable_assets({"risks": _risks(), "assets": assets, "strategies": strategies})
    rows = {(a, r): areas for a, r, areas in zip(found["asset_id"], found["risk_id"], found["planning_areas"], strict=True)}
    # a1 is adopted in prevention only; a2 (no areas) is open for r1 but r2 is no priority; a3 and a4 are done
    assert rows == {("a1", "r1"): ["risk_intervention"], ("a2", "r1"): []}
    assert found.loc[found["asset_id"] == "a1", "risk"].item() == "Overdoses"


def test_a_strategy_from_an_asset_takes_its_name_and_purpose() -> None:
    asset = {"id": "a1", "name": "Outreach van", "purpose": "Naloxone on wheels", "activities": "Drive"}
    assert evaluation.strategy_from_asset(asset, "r1", "prevention") == {
        "risk_id": "r1", "planning_area": "prevention", "name": "Outreach van",
        "description": "Naloxone on wheels", "asset_id": "a1",
    }
    no_purpose = {**asset, "purpose": "  "}
    assert evaluation.strategy_from_asset(no_purpose, "r1", "prevention")["description"] == "Drive"


# -- logic models ---------------------------------------------------------------------------------------------


def _model_tables() -> dict[str, pd.DataFrame]:
    items = _frame(ITEM, [
        ("in1", "m1", "inputs", "Nurses", ["ac1"], None, None),
        ("in2", "m1", "inputs", "Funding", ["x1"], None, None),  # into another model
        ("ac1", "m1", "activities", "Outreach", ["op1", "im1"], "prevention", "Health unit"),  # op1 next, im1 skips
        ("ac2", "m1", "activities", "Training", ["ac1"], None, None),  # same level
        ("op1", "m1", "outputs", "Visits made", ["ac1"], None, None),  # backwards
        ("im1", "m1", "immediate", "People carry naloxone", [], None, None),  # leads nowhere
        ("lt1", "m1", "long_term", "Fewer deaths", [], None, None),
        ("x1", "m2", "outputs", "Other model's output", [], None, None),
    ])
    models = _frame(["id", "risk_id", "target_group", "name"], [("m1", "r1", "Adults", "One"), ("m2", "r3", "Renters", None)])
    return {"risks": _risks(), "logic_models": models, "logic_model_items": items}


def test_model_items_run_from_inputs_to_long_term_outcomes() -> None:
    items = evaluation.model_items(_model_tables(), "m1")
    assert items["id"].tolist() == ["in1", "in2", "ac1", "ac2", "op1", "im1", "lt1"]
    assert items["order"].tolist() == [0, 0, 1, 1, 2, 3, 5]
    assert items.loc[items["id"] == "im1", "level_name"].item() == "Immediate outcomes"


def test_model_links_say_how_far_each_link_goes() -> None:
    links = evaluation.model_links(_model_tables(), "m1").set_index(["source", "target"])
    assert links.loc[("in1", "ac1"), "step"] == 1 and links.loc[("in1", "ac1"), "kind"] == "next level"
    assert links.loc[("ac1", "im1"), "step"] == 2 and links.loc[("ac1", "im1"), "kind"] == "skips a level"
    assert links.loc[("op1", "ac1"), "step"] == -1 and links.loc[("op1", "ac1"), "kind"] == "backwards"
    assert links.loc[("ac2", "ac1"), "kind"] == "same level"
    assert pd.isna(links.loc[("in2", "x1"), "step"]) and links.loc[("in2", "x1"), "kind"] == "other model"
    assert links.loc[("in2", "x1"), "target_level"] == "outputs"
    assert len(links) == 6


def test_model_checks_find_dead_ends_wrong_links_and_empty_levels() -> None:
    checks = evaluation.model_checks(_model_tables(), "m1")
    found = {(s, c, i) for s, c, i in zip(checks["severity"], checks["check"], checks["item_id"], strict=True)}
    assert found == {
        ("problem", "empty_level", None),  # no intermediate outcome
        ("problem", "no_link_onward", "im1"),  # the long-term outcome lt1 needs no onward link
        ("problem", "backward_link", "op1"),
        ("problem", "same_level_link", "ac2"),
        ("problem", "link_to_other_model", "in2"),
        ("note", "skipped_level", "ac1"),
        ("note", "nothing_leads_here", "ac2"),  # inputs need nothing leading to them; ac1, op1, im1 are targets
        ("note", "nothing_leads_here", "lt1"),
    }
    message = checks.loc[checks["check"] == "empty_level", "message"].item()
    assert message == "Intermediate outcomes: no item yet"
    assert "skipping outputs" in checks.loc[checks["check"] == "skipped_level", "message"].item()


def test_a_complete_chain_passes_every_check() -> None:
    levels = [key for key, _ in evaluation.levels()]
    ids = [f"i{n}" for n in range(len(levels))]
    rows = [(ids[n], "m", level, f"Step {n}", [ids[n + 1]] if n + 1 < len(ids) else [], None, None)
            for n, level in enumerate(levels)]
    assert evaluation.model_checks({"logic_model_items": _frame(ITEM, rows)}, "m").empty


def test_an_empty_model_lacks_all_six_levels() -> None:
    checks = evaluation.model_checks({"logic_model_items": _frame(ITEM, [])}, "m")
    assert checks["check"].tolist() == ["empty_level"] * 6


# -- the measurement framework --------------------------------------------------------------------------------


MEASURE = ["id", "outcome_id", "expected_outcome", "indicator", "baseline", "target", "responsibility"]


def test_outcomes_without_a_measure_in_model_order() -> None:
    tables = _model_tables()
    items = pd.concat([tables["logic_model_items"], _frame(ITEM, [
        ("x2", "m2", "intermediate", "Fewer evictions", [], None, None),
        ("x3", "m2", "immediate", "Tenants know their rights", [], None, None),
    ])], ignore_index=True)
    measures = _frame(MEASURE, [("p1", "im1", "Carry naloxone", "Kits", 1.0, 5.0, "PHU"),
                                ("p2", None, "Unlinked", None, None, None, None)])
    missing = evaluation.outcomes_without_measure({**tables, "logic_model_items": items, "measures": measures})
    # m1's long-term outcome, then m2's in level order (immediate before intermediate); outputs are no outcome
    assert missing["id"].tolist() == ["lt1", "x3", "x2"]
    assert missing["model"].tolist() == ["One", "Renters", "Renters"]  # a model without a name goes by its group


def test_measure_gaps_name_what_each_measure_lacks() -> None:
    measures = _frame(MEASURE, [
        ("p1", None, "Carry naloxone", None, 2.0, 5.0, None),
        ("p2", None, "Fewer deaths", "Deaths", 0.0, 0.0, "Coroner"),  # zero is a value, not a gap
        ("p3", None, "Housed", "Households", float("nan"), None, " "),
    ])
    gaps = evaluation.measure_gaps({"measures": measures}).set_index("id")["missing"].to_dict()
    assert gaps == {"p1": ["indicator", "owner"], "p3": ["baseline", "target", "owner"]}


# -- progress ------------------------------------------------------------------------------------------------


def _series(points: dict[str, float]) -> pd.Series:
    return pd.Series(list(points.values()), index=pd.to_datetime(list(points)), dtype=float)


def test_on_track_means_at_or_beyond_the_line_from_baseline_to_target() -> None:
    # 40 at the end of 2020 to 60 at the end of 2024: by the end of 2022, 730 of 1461 days, about 49.99
    expected = 40 + 20 * 730 / 1461
    kwargs = dict(baseline=40, target=60, higher_is_better=True, baseline_year=2020, target_year=2024)
    ahead = evaluation.judge(_series({"2021-06-30": 42, "2022-12-31": 50}), **kwargs)
    assert ahead.status == evaluation.ON_TRACK and ahead.expected_now == pytest.approx(expected)
    behind = evaluation.judge(_series({"2022-12-31": 48}), **kwargs)
    assert behind.status == evaluation.OFF_TRACK and "behind" in behind.reason


def test_lower_is_better_and_a_passed_target_year() -> None:
    # 100 (end of 2020) down to 80 (end of 2022): halfway through, 90 is expected; 85 is better
    down = dict(baseline=100, target=80, higher_is_better=False, baseline_year=2020, target_year=2022)
    assert evaluation.judge(_series({"2021-12-31": 85}), **down).status == evaluation.ON_TRACK
    assert evaluation.judge(_series({"2021-12-31": 85}), **down).expected_now == pytest.approx(90)
    assert evaluation.judge(_series({"2021-12-31": 95}), **down).status == evaluation.OFF_TRACK
    passed = evaluation.judge(_series({"2023-06-30": 81}), **down)
    assert passed.status == evaluation.OFF_TRACK and "2022 has passed" in passed.reason
    reached = evaluation.judge(_series({"2023-06-30": 79}), **down)
    assert reached.status == evaluation.ON_TRACK and "reached" in reached.reason


def test_without_years_progress_is_judged_against_the_start() -> None:
    # direction read from the target being above the baseline
    assert evaluation.judge(_series({"2024-01-01": 12}), baseline=10, target=20, higher_is_better=None).status == evaluation.ON_TRACK
    assert evaluation.judge(_series({"2024-01-01": 9}), baseline=10, target=20, higher_is_better=None).status == evaluation.OFF_TRACK
    # no baseline: the first measurement is the start
    falling = evaluation.judge(_series({"2020-01-01": 5, "2021-01-01": 4}), baseline=None, target=10, higher_is_better=True)
    assert falling.status == evaluation.OFF_TRACK and "first value 5" in falling.reason


def test_no_data_when_nothing_to_judge_by() -> None:
    assert evaluation.judge(_series({}), baseline=1, target=2, higher_is_better=True).reason == "no measurement yet"
    assert evaluation.judge(_series({"2024-01-01": 3}), baseline=1, target=None, higher_is_better=True).reason == "no target set"
    unknown = evaluation.judge(_series({"2024-01-01": 3}), baseline=2, target=2, higher_is_better=None)
    assert unknown.status == evaluation.NO_DATA and "direction" in unknown.reason


def test_measure_status_reads_the_latest_value_of_each_measure() -> None:
    measures = pd.DataFrame({
        "id": ["p1", "p2"], "expected_outcome": ["Carry naloxone", "Fewer deaths"], "indicator": ["Kits", None],
        "unit": ["kits", None], "baseline": [100.0, 10.0], "baseline_year": [2022, None], "target": [200.0, 5.0],
        "target_year": [2024, None], "higher_is_better": [True, False],
    })
    measurements = pd.DataFrame({
        "id": ["m1", "m2", "m3"], "measure_id": ["p1", "p1", "p1"],
        "date": pd.to_datetime(["2023-12-31", "2023-06-30", "2023-12-31"]), "value": [120.0, 110.0, 160.0],
        "note": [None, None, "corrected"],
    })
    series = evaluation.measure_series({"measurements": measurements}, "p1")
    assert series.index.date.tolist() == [dt.date(2023, 6, 30), dt.date(2023, 12, 31)]
    assert series.tolist() == [110.0, 160.0]  # the later entry for the same date wins
    status = evaluation.measure_status({"measures": measures, "measurements": measurements}).set_index("measure_id")
    # halfway from 100 (2022) to 200 (2024): 150 expected at the end of 2023; 160 is ahead
    assert status.at["p1", "latest_value"] == 160.0 and status.at["p1", "status"] == evaluation.ON_TRACK
    assert status.at["p1", "expected_now"] == pytest.approx(100 + 100 * 365 / 731)
    assert status.at["p1", "measurements"] == 2
    assert status.at["p2", "status"] == evaluation.NO_DATA and status.at["p2", "measurements"] == 0
