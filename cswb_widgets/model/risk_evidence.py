"""Focusing on risk (Tool 5): the evidence behind each risk and the criterion values it yields.

Indicators give trends, buy-in feedback gives the engagement signal, workshop ballots give
the participants' ratings and the asset inventory gives the capacity gap. A criterion whose
`source` is one of these is computed here from the workspace; an "entered" criterion takes the
scores typed in `risk_scores`. Every value comes with the words that explain it, so a score can
always be traced back to its inputs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..framework import load_catalogue
from ..i18n import _, format_decimal, format_percent, ngettext
from ._tables import Tables, rows_of
from .privacy import is_count_unit

ENTERED = "entered"
NOTEBOOK = "notebook"  # a criterion an analyst computed in the notebook (not stored in the workspace)


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


# -- indicators -----------------------------------------------------------------------------------


SERIES_COLUMNS = ["indicator", "year", "value", "comparator_value", "areas"]


def community_yearly(tables: Tables) -> pd.DataFrame:
    """Every indicator for the whole community by year, computed in one pass over the table.

    A whole-community row (blank area) is used as it is. Otherwise the sub-areas reported that
    year are combined by the indicator's unit: counts are summed (wards of 100, 10 and 40 calls
    are 150 calls), rates and shares are averaged, weighted by the sub-areas' populations when the
    `areas` table gives every one of them. `areas` says how many sub-areas there were.
    """
    rows = rows_of(tables, "indicators")
    if rows.empty:
        return pd.DataFrame(columns=SERIES_COLUMNS)
    blank = rows["area"].fillna("").astype(str).str.strip() == ""
    parts = rows[~blank]
    units = rows.groupby("indicator", sort=False)["unit"].first() if "unit" in rows else pd.Series(dtype=object)
    counted = {str(i) for i, u in units.items() if is_count_unit(u)}
    areas = rows_of(tables, "areas")
    population: dict[str, float] = {}
    if not areas.empty and "population" in areas:
        population = {str(n): float(p) for n, p in zip(areas["name"], areas["population"], strict=True) if pd.notna(p) and p > 0}
    values = parts["value"].astype(float)
    weight = parts["area"].astype(str).map(population).astype(float) if population else pd.Series(np.nan, index=parts.index)
    sums = pd.DataFrame({"indicator": parts["indicator"], "year": parts["year"], "total": values, "weighted": values * weight,
                         "weights": weight, "unweighted": weight.isna().astype(int), "areas": 1})
    grouped = sums.groupby(["indicator", "year"], sort=False)
    by_area = grouped.sum(min_count=1)  # one row per sub-area, indicator and year (the table's unique key)
    by_area["comparator_value"] = parts.groupby(["indicator", "year"], sort=False)["comparator_value"].first()
    is_count = by_area.index.get_level_values("indicator").isin(counted)
    weighted_mean = (by_area["weighted"] / by_area["weights"]).where((by_area["unweighted"] == 0) & (by_area["weights"] > 0))
    by_area["value"] = np.where(is_count, by_area["total"], weighted_mean.fillna(by_area["total"] / by_area["areas"]))
    by_area = by_area[["value", "comparator_value", "areas"]]
    whole = rows[blank].groupby(["indicator", "year"], sort=False).agg(
        value=("value", "first"), comparator_value=("comparator_value", "first")
    )
    whole["areas"] = 0
    combined = pd.concat([whole, by_area[~by_area.index.isin(whole.index)]])
    return combined.reset_index().sort_values(["indicator", "year"], kind="stable")[SERIES_COLUMNS]


def community_series(tables: Tables, indicator: str) -> pd.DataFrame:
    """One indicator for the whole community by year: year, value, comparator_value, areas."""
    yearly = community_yearly(tables)
    return yearly[yearly["indicator"] == indicator].drop(columns="indicator").reset_index(drop=True)


def annual_change(years: pd.Series | np.ndarray, values: pd.Series | np.ndarray) -> float:
    """Least-squares change per year as a share of the series' mean (0.05 = rising 5% a year)."""
    x = np.asarray(years, dtype=float)
    y = np.asarray(values, dtype=float)
    keep = ~np.isnan(y)
    x, y = x[keep], y[keep]
    if len(x) < 2 or np.ptp(x) == 0:
        return float("nan")
    slope = np.polyfit(x, y, 1)[0]
    level = np.abs(y).mean()
    return float(slope / level) if level else 0.0


def indicator_trends(tables: Tables) -> pd.DataFrame:
    """One row per indicator: its risk, first and latest values, yearly change, and what it means.

    `worsening` is the yearly change signed so that positive is bad news (a falling graduation
    rate worsens; a falling overdose rate improves).
    """
    rows = rows_of(tables, "indicators")
    columns = [
        "indicator", "risk_id", "unit", "source", "first_year", "first_value", "latest_year", "latest_value",
        "comparator_value", "comparator_label", "annual_change", "worsening", "direction", "areas", "years",
    ]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    # Each indicator's facts in one grouped pass, not a pandas filter per indicator (a city has hundreds).
    grouped = rows.groupby("indicator", sort=True)
    firsts = grouped[["risk_id", "unit", "source", "higher_is_worse"]].first()  # first value given, blanks skipped
    last_labels = grouped["comparator_label"].last()
    yearly = community_yearly(tables)
    positions = yearly.groupby("indicator", sort=False).indices
    years = yearly["year"].to_numpy()
    values = yearly["value"].to_numpy(dtype=float)
    comparators = yearly["comparator_value"].to_numpy(dtype=float)
    areas = yearly["areas"].to_numpy()
    out = []
    facts = zip(firsts.index, *(firsts[c].to_numpy() for c in ("risk_id", "unit", "source", "higher_is_worse")),
                last_labels.reindex(firsts.index).to_numpy(), strict=True)
    for indicator, risk_id, unit, source, worse, label in facts:
        at = positions[indicator]
        first, latest = at[0], at[-1]
        change = annual_change(years[at], values[at])
        higher_is_worse = bool(worse) if pd.notna(worse) else True
        worsening = change if higher_is_worse else -change
        out.append({
            "indicator": indicator,
            "risk_id": _present(risk_id),
            "unit": _present(unit),
            "source": _present(source),
            "first_year": int(years[first]),
            "first_value": float(values[first]),
            "latest_year": int(years[latest]),
            "latest_value": float(values[latest]),
            "comparator_value": None if np.isnan(comparators[latest]) else float(comparators[latest]),
            "comparator_label": "" if _present(label) is None else str(label),
            "annual_change": change,
            "worsening": worsening,
            "direction": trend_words(change, worsening),
            "areas": int(areas[at].max()),
            "years": len(at),
        })
    return pd.DataFrame(out, columns=columns)


def _present(value: object) -> object:
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value


def latest_by_area(tables: Tables, indicator: str, year: int | None = None) -> dict[str, float]:
    """Sub-area name -> the indicator's value in `year` (default: the latest year with sub-area data)."""
    rows = rows_of(tables, "indicators")
    if rows.empty:
        return {}
    rows = rows[(rows["indicator"] == indicator) & (rows["area"].fillna("").str.strip() != "")]
    if rows.empty:
        return {}
    year = int(rows["year"].max()) if year is None else year
    rows = rows[rows["year"] == year]
    return dict(zip(rows["area"].astype(str), rows["value"].astype(float), strict=True))


# -- criterion values -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionInputs:
    """Raw values (risks x criteria) and, for each, the sentence that explains it."""

    values: pd.DataFrame  # index: risk id; columns: criterion id; NaN = no evidence
    explanations: pd.DataFrame  # same shape: text
    sources: dict[str, str]  # criterion id -> source key

    def with_criterion(
        self, name: str, values: pd.Series | Mapping[str, float], *, explanation: str | pd.Series | None = None
    ) -> CriterionInputs:
        """These inputs plus a criterion of your own: `values` by risk id (higher = more concern;
        missing = no evidence). Give it a weight where you rank, e.g. ``{name: 1.0, **weights}``."""
        if not name or name in self.values.columns:
            raise ValueError(f"a criterion needs a new name; {name!r} is taken or empty")
        column = pd.Series(values, dtype="float64").reindex(self.values.index)
        if explanation is None:
            explanation = pd.Series(
                ["no value" if v != v else f"{v:g}, computed in the notebook" for v in column], index=column.index)
        why = explanation.reindex(self.values.index).fillna("") if isinstance(explanation, pd.Series) else explanation
        return CriterionInputs(
            self.values.assign(**{name: column}),
            self.explanations.assign(**{name: why}),
            {**self.sources, name: NOTEBOOK},
        )


def engagement_signal(tables: Tables) -> pd.DataFrame:
    """Per risk: feedback items tagged with its category, and their share of all feedback."""
    risks = rows_of(tables, "risks")
    feedback = rows_of(tables, "feedback")
    total = len(feedback)
    counts: dict[str, int] = {}
    if total:
        for tags in feedback["risk_categories"]:
            for tag in set(tags or []):
                counts[tag] = counts.get(tag, 0) + 1
    rows = []
    for risk_id, category in zip(risks.get("id", []), risks.get("category", []), strict=False):
        n = counts.get(category, 0) if isinstance(category, str) and category else 0
        rows.append({"risk_id": risk_id, "feedback": n, "share": n / total if total else 0.0, "of": total})
    return pd.DataFrame(rows, columns=["risk_id", "feedback", "share", "of"]).set_index("risk_id")


def _concern(tables: Tables, risk_ids: pd.Index) -> tuple[pd.Series, pd.Series]:
    signal = engagement_signal(tables).reindex(risk_ids)
    total = int(signal["of"].max()) if len(signal) and signal["of"].notna().any() else 0
    if not total:
        return pd.Series(np.nan, index=risk_ids), pd.Series("no feedback recorded yet", index=risk_ids)
    words = [f"{int(n)} of {total} feedback items ({share:.0%}) raised it" for n, share in zip(signal["feedback"], signal["share"], strict=True)]
    return signal["share"].astype(float), pd.Series(words, index=risk_ids)


def _votes(tables: Tables, risk_ids: pd.Index) -> tuple[pd.Series, pd.Series]:
    votes = rows_of(tables, "votes")
    if votes.empty:
        return pd.Series(np.nan, index=risk_ids), pd.Series("no workshop ballots yet", index=risk_ids)
    grouped = votes.groupby("risk_id")["value"].agg(["mean", "count"]).reindex(risk_ids)
    words = [
        ngettext("mean rating {mean} of 5 from {count} ballot", "mean rating {mean} of 5 from {count} ballots", int(c)).format(
            mean=format_decimal(m, 2), count=int(c)) if c == c and c else _("no ballots")
        for m, c in zip(grouped["mean"], grouped["count"], strict=True)
    ]
    return grouped["mean"].astype(float), pd.Series(words, index=risk_ids)


def trend_words(change: float, worsening: float, *, with_rate: bool = True) -> str:
    """An indicator's trend in words: "rising 12% a year (worsening)"; without the rate when
    publishing it would reveal suppressed counts (2 -> 3 is "rising 50% a year")."""
    if np.isnan(change):
        return _("one year of data: no trend yet")
    if abs(change) < 0.01:
        return _("stable")
    rising, worse = change > 0, worsening > 0
    if not with_rate:
        return {(True, True): _("rising (worsening)"), (True, False): _("rising (improving)"),
                (False, True): _("falling (worsening)"), (False, False): _("falling (improving)")}[(rising, worse)]
    words = {(True, True): _("rising {rate} a year (worsening)"), (True, False): _("rising {rate} a year (improving)"),
             (False, True): _("falling {rate} a year (worsening)"), (False, False): _("falling {rate} a year (improving)")}
    return words[(rising, worse)].format(rate=format_percent(abs(change)))


def _trend(tables: Tables, risk_ids: pd.Index) -> tuple[pd.Series, pd.Series]:
    trends = indicator_trends(tables).dropna(subset=["worsening"])
    values, words = [], []
    for risk_id in risk_ids:
        mine = trends[trends["risk_id"] == risk_id]
        if mine.empty:
            values.append(np.nan)
            words.append("no indicator with two or more years")
            continue
        values.append(float(mine["worsening"].mean()))
        words.append("; ".join(f"{r.indicator}: {r.direction}" for r in mine.itertuples()))
    return pd.Series(values, index=risk_ids, dtype=float), pd.Series(words, index=risk_ids)


def _capacity(tables: Tables, risk_ids: pd.Index) -> tuple[pd.Series, pd.Series]:
    from .gaps import capacity_gap, capacity_gap_explained

    gap = capacity_gap(tables).reindex(risk_ids).astype(float)
    explained = capacity_gap_explained(tables)
    return gap, pd.Series([explained.get(r, "") for r in risk_ids], index=risk_ids)


COMPUTED = {
    "community_concern": _concern,
    "workshop_votes": _votes,
    "indicator_trend": _trend,
    "capacity_gap": _capacity,
}


def criterion_inputs(tables: Tables) -> CriterionInputs:
    """Every risk's raw value on every criterion, entered or computed, with its explanation."""
    risks, criteria, scores = rows_of(tables, "risks"), rows_of(tables, "criteria"), rows_of(tables, "risk_scores")
    risk_ids = pd.Index(risks["id"] if not risks.empty else [], name="risk_id")
    criterion_ids = list(criteria["id"]) if not criteria.empty else []
    values = pd.DataFrame(np.nan, index=risk_ids, columns=criterion_ids, dtype=float)
    explanations = pd.DataFrame("", index=risk_ids, columns=criterion_ids, dtype=object)
    sources: dict[str, str] = {}
    entered = scores.set_index(["risk_id", "criterion_id"]) if not scores.empty else None
    computed: dict[str, tuple[pd.Series, pd.Series]] = {}
    for criterion_id, source in zip(criterion_ids, criteria["source"] if criterion_ids else [], strict=True):
        source = source if isinstance(source, str) and source in COMPUTED else ENTERED
        sources[criterion_id] = source
        if source == ENTERED:
            if entered is None:
                explanations[criterion_id] = "not scored"
                continue
            mine = scores[scores["criterion_id"] == criterion_id].drop_duplicates("risk_id", keep="last").set_index("risk_id")
            mine = mine.reindex(risk_ids)
            values[criterion_id] = mine["value"].astype(float)
            explanations[criterion_id] = [
                ("not scored" if v != v else f"scored {v:g}" + (f": {_text(n)}" if _text(n) else ""))
                for v, n in zip(mine["value"], mine["note"], strict=True)
            ]
        else:
            if source not in computed:
                computed[source] = COMPUTED[source](tables, risk_ids)
            values[criterion_id], explanations[criterion_id] = computed[source]
    return CriterionInputs(values, explanations, sources)


def higher_is_worse(tables: Tables) -> dict[str, bool]:
    """Criterion id -> whether a higher raw value means more concern (blank: yes)."""
    criteria = rows_of(tables, "criteria")
    if criteria.empty:
        return {}
    return {cid: (True if v is None or v != v else bool(v)) for cid, v in zip(criteria["id"], criteria["higher_is_worse"], strict=True)}


def weights(tables: Tables) -> dict[str, float]:
    criteria = rows_of(tables, "criteria")
    if criteria.empty:
        return {}
    return {cid: float(w) if w == w else 0.0 for cid, w in zip(criteria["id"], criteria["weight"], strict=True)}


def source_name(source: str) -> str:
    return {
        ENTERED: "entered scores",
        NOTEBOOK: "computed in the notebook",
        "community_concern": "share of buy-in feedback",
        "workshop_votes": "mean workshop rating",
        "indicator_trend": "indicator trend",
        "capacity_gap": "planning areas without an asset",
    }.get(source, source)


def category_name(category: str | None) -> str:
    """A catalogue category's name, or the community's own category as written."""
    if not category:
        return ""
    catalogue = load_catalogue()
    return catalogue.name_of("risk_categories", category) if category in catalogue.keys("risk_categories") else category
