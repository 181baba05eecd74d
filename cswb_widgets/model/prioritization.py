"""Transparent risk prioritization: normalized criteria, weights, scores, ranks and sensitivity.

Every score is the sum of visible parts: for each criterion, the risk's raw value
normalized to 0..1 across the risks (1 = most concerning), times the criterion's
share of the total weight. Nothing else enters a score.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..i18n import _
from . import risk_evidence
from ._tables import Tables


def criteria_matrix(tables: Tables) -> pd.DataFrame:
    """Raw criterion values: one row per risk (index: risk id), one column per criterion id."""
    risks, criteria, scores = tables["risks"], tables["criteria"], tables["risk_scores"]
    matrix = scores.pivot_table(index="risk_id", columns="criterion_id", values="value", aggfunc="last")
    return matrix.reindex(index=risks["id"], columns=criteria["id"])


def normalize(matrix: pd.DataFrame, higher_is_worse: Mapping[str, bool] | None = None) -> pd.DataFrame:
    """Min-max scale each criterion to 0..1 so that 1 is always the most concerning value.

    A missing value normalizes to 0 (no evidence of concern). A criterion on which every
    scored risk has the same value separates nothing among them: 0 for all, unless some risks
    are missing, in which case the scored ones (1) stand above those with no evidence (0).
    """
    higher_is_worse = higher_is_worse or {}
    low, high = matrix.min(), matrix.max()
    scaled = (matrix - low) / (high - low).replace(0, np.nan)
    for column in matrix.columns:
        present = matrix[column].notna()
        if high[column] == low[column]:
            scaled[column] = np.where(present, 1.0 if not present.all() else 0.0, np.nan)
        elif not higher_is_worse.get(column, True):
            scaled[column] = 1 - scaled[column]
    return scaled.fillna(0.0)


def weight_shares(weights: Mapping[str, float]) -> pd.Series:
    """Weights as shares of their total (all zero: equal shares)."""
    series = pd.Series(weights, dtype="float64").clip(lower=0)
    total = series.sum()
    return series / total if total > 0 else pd.Series(1 / len(series), index=series.index)


def weight_problems(weights: Mapping[str, object], criterion_ids: Iterable[str]) -> list[str]:
    """What is wrong with a set of weights to save, one message each (empty: they may be saved).

    A weight belongs to a known criterion and is a finite number of 0 or more. All zero is
    allowed: the criteria then count equally (`weight_shares`).
    """
    known = set(criterion_ids)
    problems = []
    for cid, weight in weights.items():
        if cid not in known:
            problems.append(_("no criterion with id '{id}'").format(id=cid))
            continue
        try:
            value = float(weight)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            problems.append(_("the weight of '{id}' must be a number, got '{weight}'").format(id=cid, weight=weight))
            continue
        if not np.isfinite(value) or value < 0:
            problems.append(_("the weight of '{id}' must be a number of 0 or more, got '{weight}'").format(id=cid, weight=weight))
    return problems


def score(normalized: pd.DataFrame, weights: Mapping[str, float]) -> pd.DataFrame:
    """Each criterion's contribution, the total (0..1) and the rank (1 = highest priority).

    Ties share the better rank; rows keep the order of `normalized` within a tie.
    """
    shares = weight_shares(weights).reindex(normalized.columns).fillna(0.0)
    contributions = normalized * shares
    result = contributions.copy()
    result["score"] = contributions.sum(axis=1)
    result["rank"] = result["score"].rank(ascending=False, method="min").astype(int)
    return result.sort_values(["rank"], kind="stable")


def sensitivity(
    normalized: pd.DataFrame, weights: Mapping[str, float], *, change: float = 0.5, steps: int = 5
) -> pd.DataFrame:
    """How each risk's rank moves when one weight at a time goes from (1 - change) to (1 + change) times its value.

    Returns, per risk: the rank at the chosen weights, the best and worst rank seen, and
    whether it held (never moved). Computed for every scenario at once with numpy.
    """
    base = weight_shares(weights).reindex(normalized.columns).fillna(0.0)
    raw = pd.Series(weights, dtype="float64").reindex(normalized.columns).fillna(0.0).clip(lower=0)
    factors = np.linspace(1 - change, 1 + change, steps)
    scenarios = []
    for i in range(len(raw)):
        for factor in factors:
            varied = raw.to_numpy().copy()
            varied[i] *= factor
            total = varied.sum()
            scenarios.append(varied / total if total > 0 else np.full(len(varied), 1 / len(varied)))
    matrix = normalized.to_numpy()
    all_scores = matrix @ np.column_stack([base.to_numpy(), *scenarios])  # risks x scenarios
    # rank 1 = highest score; ties share the better rank
    ranks = (all_scores[None, :, :] > all_scores[:, None, :]).sum(axis=1) + 1
    result = pd.DataFrame(
        {"rank": ranks[:, 0], "best_rank": ranks.min(axis=1), "worst_rank": ranks.max(axis=1)},
        index=normalized.index,
    )
    result["holds"] = result["best_rank"] == result["worst_rank"]
    return result.sort_values("rank", kind="stable")


@dataclass(frozen=True)
class Ranking:
    """Everything behind a ranking: raw inputs with explanations, normalized values, weights, result."""

    inputs: risk_evidence.CriterionInputs
    normalized: pd.DataFrame
    weights: dict[str, float]
    scored: pd.DataFrame  # per-criterion contributions, score, rank; sorted by rank
    sensitivity: pd.DataFrame


def rank_risks(tables: Tables, weights: Mapping[str, float] | None = None) -> Ranking:
    """Rank every risk on the workspace's criteria (weights: the stored ones unless given)."""
    chosen = weights if weights is not None else risk_evidence.weights(tables)
    return rank_inputs(risk_evidence.criterion_inputs(tables), chosen, risk_evidence.higher_is_worse(tables))


def rank_inputs(
    inputs: risk_evidence.CriterionInputs, weights: Mapping[str, float],
    higher_is_worse: Mapping[str, bool] | None = None,
) -> Ranking:
    """Rank risks on any criteria values (e.g. the workspace's plus one computed in a notebook).

    A criterion without a weight counts for nothing; `higher_is_worse` (default: yes) flips a
    criterion on which a lower value is the more concerning.
    """
    normalized = normalize(inputs.values, higher_is_worse)
    chosen = {c: float(weights.get(c, 0.0)) for c in inputs.values.columns}
    return _ranked(inputs, normalized, chosen)


def reweight(ranking: Ranking, weights: Mapping[str, float]) -> Ranking:
    """The same inputs under new weights: what a weight slider recomputes, without touching the data."""
    return _ranked(ranking.inputs, ranking.normalized, dict(weights))


def _ranked(inputs: risk_evidence.CriterionInputs, normalized: pd.DataFrame, weights: dict[str, float]) -> Ranking:
    if normalized.shape[1] == 0 or normalized.shape[0] == 0:
        empty = pd.DataFrame(columns=[*normalized.columns, "score", "rank"])
        return Ranking(inputs, normalized, weights, empty, pd.DataFrame(columns=["rank", "best_rank", "worst_rank", "holds"]))
    return Ranking(inputs, normalized, weights, score(normalized, weights), sensitivity(normalized, weights))

