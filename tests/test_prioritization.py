"""Risk prioritization: normalization, weighted scores, ranks and their sensitivity to weights."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cswb_widgets.model.prioritization import criteria_matrix, normalize, score, sensitivity, weight_shares
from cswb_widgets.store import Workspace

# Three risks on two criteria, small enough to check by hand.
RAW = pd.DataFrame({"magnitude": [10.0, 5.0, 0.0], "concern": [1.0, 3.0, 2.0]}, index=["A", "B", "C"])


def test_normalize_puts_the_most_concerning_value_at_one() -> None:
    scaled = normalize(RAW)
    assert scaled["magnitude"].tolist() == [1.0, 0.5, 0.0]
    assert scaled["concern"].tolist() == [0.0, 1.0, 0.5]
    inverted = normalize(RAW, {"concern": False})  # e.g. capacity: more is better
    assert inverted["concern"].tolist() == [1.0, 0.0, 0.5]


def test_a_criterion_that_separates_nothing_adds_nothing() -> None:
    flat = RAW.assign(trend=[2.0, 2.0, 2.0], missing=[1.0, None, 3.0])
    scaled = normalize(flat)
    assert scaled["trend"].tolist() == [0.0, 0.0, 0.0]
    assert scaled["missing"].tolist() == [0.0, 0.0, 1.0]
    partly = normalize(pd.DataFrame({"gap": [None, 5.0, 5.0]}, index=["A", "B", "C"]))
    assert partly["gap"].tolist() == [0.0, 1.0, 1.0]  # scored risks stand above the unscored one


def test_scores_are_weighted_sums_of_visible_parts() -> None:
    result = score(normalize(RAW), {"magnitude": 3, "concern": 1})
    assert result.index.tolist() == ["A", "B", "C"]
    assert result["score"].tolist() == pytest.approx([0.75, 0.625, 0.125])
    assert result["magnitude"].tolist() == pytest.approx([0.75, 0.375, 0.0])  # the parts add up
    equal = score(normalize(RAW), {"magnitude": 1, "concern": 1})
    assert equal.index.tolist() == ["B", "A", "C"]
    assert weight_shares({"magnitude": 0, "concern": 0}).tolist() == [0.5, 0.5]


def test_ties_share_the_better_rank() -> None:
    tied = pd.DataFrame({"x": [1.0, 1.0, 0.0]}, index=["P", "Q", "R"])
    assert score(normalize(tied), {"x": 1})["rank"].tolist() == [1, 1, 3]


def test_sensitivity_shows_which_ranks_hold_and_which_flip() -> None:
    result = sensitivity(normalize(RAW), {"magnitude": 3, "concern": 1}, change=0.5, steps=5)
    # magnitude at 1.5 instead of 3: A 0.6 vs B 0.7, so A and B swap; C stays last.
    assert result.loc["A"].tolist() == [1, 1, 2, False]
    assert result.loc["B"].tolist() == [2, 1, 2, False]
    assert result.loc["C"].tolist() == [3, 3, 3, True]
    steady = sensitivity(normalize(RAW), {"magnitude": 10, "concern": 1}, change=0.2)
    assert steady["holds"].all()


def test_criteria_matrix_from_a_workspace(tmp_path: Path) -> None:
    ws = Workspace.create(tmp_path / "w", name="Town")
    for rid in ("r1", "r2"):
        ws.add("risks", id=rid, name=rid)
    ws.add("criteria", id="c-mag", name="Magnitude", weight=2)
    ws.add("criteria", id="c-cap", name="Capacity gap", weight=1)
    ws.add("risk_scores", risk_id="r1", criterion_id="c-mag", value=4)
    ws.add("risk_scores", risk_id="r2", criterion_id="c-mag", value=2)
    ws.add("risk_scores", risk_id="r2", criterion_id="c-cap", value=5)
    tables = {name: ws.table(name) for name in ("risks", "criteria", "risk_scores")}
    matrix = criteria_matrix(tables)
    assert matrix.index.tolist() == ["r1", "r2"] and matrix.columns.tolist() == ["c-mag", "c-cap"]
    assert matrix.loc["r1", "c-mag"] == 4 and pd.isna(matrix.loc["r1", "c-cap"])
    ranked = score(normalize(matrix), dict(zip(tables["criteria"]["id"], tables["criteria"]["weight"], strict=True)))
    assert ranked["score"].tolist() == pytest.approx([2 / 3, 1 / 3])
