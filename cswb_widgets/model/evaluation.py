"""Evidence and evaluation (Tool 6): strategies, logic models, the measurement framework, progress.

Pure functions on the workspace's DataFrames (a `Tables` mapping):

- **strategies**: which priority risks have strategies in which planning area
  (`strategy_matrix`), and which assets of the inventory address a priority risk without
  being one of its strategies yet (`adoptable_assets`, `strategy_from_asset`);
- **logic models**: each model's items by level and its "leads to" links
  (`model_items`, `model_links`), and what is wrong or unfinished in it (`model_checks`);
- **measurement framework**: outcomes with no measure (`outcomes_without_measure`) and
  measures lacking an indicator, baseline, target or owner (`measure_gaps`);
- **progress**: each measure's measurements over time (`measure_series`) and whether it is on
  track for its target (`measure_status`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..framework import load_catalogue
from ..i18n import _
from ._tables import Tables, as_list as _as_list, blank as _blank, column_values as _column, rows_of
from .plan_versions import SINCE_ADOPTION, STANDING
from .privacy import SMALL_COUNT, is_small_count

OUTCOME_LEVELS = ("immediate", "intermediate", "long_term")
# The measurement framework's "who" column is the measure's owner.
MEASURE_FIELDS = {"indicator": "indicator", "baseline": "baseline", "target": "target", "responsibility": "owner"}
ON_TRACK, OFF_TRACK, NO_DATA = "on track", "off track", "no data"
PARTIAL = "partial period"  # only a value for part of the target's period: not judged
FULL_PERIOD_DAYS = 365  # targets are set per year (baseline_year, target_year)

STRATEGY_MATRIX_COLUMNS = [
    "risk_id", "risk", "planning_area", "planning_area_name", "strategy_ids", "strategies", "strengths", "count",
]
ADOPTABLE_COLUMNS = ["asset_id", "asset", "risk_id", "risk", "planning_areas", "purpose", "organization_id"]
ITEM_COLUMNS = ["id", "level", "level_name", "order", "text", "leads_to", "planning_area", "responsible"]
LINK_COLUMNS = ["source", "target", "source_level", "target_level", "step", "kind"]
CHECK_COLUMNS = ["severity", "check", "item_id", "message"]
STATUS_COLUMNS = [
    "measure_id", "expected_outcome", "indicator", "unit", "baseline", "target", "higher_is_better",
    "measurements", "latest_date", "latest_value", "expected_now", "status", "reason", "latest_partial",
    STANDING, SINCE_ADOPTION,  # measured against an adopted version: see `plan_versions.measured_against`
]


# -- small helpers ---------------------------------------------------------------------------------------





def _truthy(value: Any) -> bool:
    return not _blank(value) and bool(value)


def levels() -> list[tuple[str, str]]:
    """(key, name) of the logic-model levels, inputs first."""
    ordered = sorted(load_catalogue().logic_model_levels, key=lambda level: level.order)
    return [(level.key, level.name) for level in ordered]


def level_position() -> dict[str, int]:
    """Level key -> its column, 0 for inputs to 5 for long-term outcomes."""
    return {key: position for position, (key, _name) in enumerate(levels())}


def priority_risks(tables: Tables) -> pd.DataFrame:
    risks = rows_of(tables, "risks")
    if risks.empty:
        return risks
    return risks[[_truthy(p) for p in _column(risks, "priority")]]


# -- strategies ---------------------------------------------------------------------------------------


def strategy_matrix(tables: Tables) -> pd.DataFrame:
    """One row per (priority risk, planning area): the strategies there (empty lists where none).

    Rows follow the risk register's order, then the catalogue's four planning areas;
    `strengths` holds each strategy's evidence strength key (None where not assessed).
    """
    catalogue = load_catalogue()
    strategies = rows_of(tables, "strategies")
    found: dict[tuple[str, str], list[tuple[str, str, str | None]]] = {}
    for sid, risk_id, area, name, strength in zip(
        _column(strategies, "id"), _column(strategies, "risk_id"), _column(strategies, "planning_area"),
        _column(strategies, "name"), _column(strategies, "evidence_strength"), strict=True,
    ):
        found.setdefault((str(risk_id), str(area)), []).append(
            (str(sid), str(name), None if _blank(strength) else str(strength))
        )
    rows = []
    for risk_id, risk in zip(*(_column(priority_risks(tables), c) for c in ("id", "name")), strict=True):
        for area in catalogue.planning_areas:
            here = found.get((str(risk_id), area.key), [])
            rows.append({
                "risk_id": str(risk_id), "risk": str(risk), "planning_area": area.key,
                "planning_area_name": area.name, "strategy_ids": [s[0] for s in here],
                "strategies": [s[1] for s in here], "strengths": [s[2] for s in here], "count": len(here),
            })
    return pd.DataFrame(rows, columns=STRATEGY_MATRIX_COLUMNS)


def adoptable_assets(tables: Tables) -> pd.DataFrame:
    """Assets addressing a priority risk that are not yet a strategy for it.

    One row per (asset, priority risk). `planning_areas` lists the asset's planning areas that
    have no strategy from this asset for this risk yet; an asset with no planning area recorded
    is adoptable (in any area) until it has a strategy for the risk. A pair whose every area is
    adopted drops out, so adopting never makes a duplicate.
    """
    priorities = dict(zip(*(_column(priority_risks(tables), c) for c in ("id", "name")), strict=True))
    adopted: dict[tuple[str, str], set[str]] = {}
    strategies = rows_of(tables, "strategies")
    for asset_id, risk_id, area in zip(
        _column(strategies, "asset_id"), _column(strategies, "risk_id"), _column(strategies, "planning_area"), strict=True
    ):
        if not _blank(asset_id):
            adopted.setdefault((str(asset_id), str(risk_id)), set()).add(str(area))
    assets = rows_of(tables, "assets")
    rows = []
    for asset_id, name, addressed, areas, purpose, organization in zip(
        _column(assets, "id"), _column(assets, "name"), _column(assets, "risks_addressed"),
        _column(assets, "planning_areas"), _column(assets, "purpose"), _column(assets, "organization_id"), strict=True,
    ):
        own_areas = _as_list(areas)
        for risk_id in _as_list(addressed):
            if risk_id not in priorities:
                continue
            done = adopted.get((str(asset_id), risk_id))
            remaining = [a for a in own_areas if a not in (done or set())]
            if (own_areas and not remaining) or (not own_areas and done):
                continue
            rows.append({
                "asset_id": str(asset_id), "asset": str(name), "risk_id": risk_id, "risk": str(priorities[risk_id]),
                "planning_areas": remaining, "purpose": None if _blank(purpose) else str(purpose),
                "organization_id": None if _blank(organization) else str(organization),
            })
    return pd.DataFrame(rows, columns=ADOPTABLE_COLUMNS)


def strategy_from_asset(asset: Mapping[str, Any], risk_id: str, planning_area: str) -> dict[str, Any]:
    """The strategy record that adopts an asset as it is: its name, its purpose as description."""
    description = asset.get("purpose")
    if _blank(description):
        description = asset.get("activities")
    return {
        "risk_id": risk_id,
        "planning_area": planning_area,
        "name": str(asset["name"]),
        "description": None if _blank(description) else str(description),
        "asset_id": str(asset["id"]),
    }


def strategies_to_adopt(
    strategies: pd.DataFrame, asset: Mapping[str, Any], risk_id: str, planning_areas: list[str]
) -> list[dict[str, Any]]:
    """The strategy records adopting `asset` for `risk_id` adds: one per planning area, except
    where a strategy from this asset for this risk and area already exists (never twice)."""
    taken = {
        str(area)
        for aid, rid, area in zip(_column(strategies, "asset_id"), _column(strategies, "risk_id"),
                                  _column(strategies, "planning_area"), strict=True)
        if str(aid) == str(asset["id"]) and str(rid) == str(risk_id)
    }
    return [strategy_from_asset(asset, risk_id, area) for area in dict.fromkeys(planning_areas) if area not in taken]


# -- logic models -------------------------------------------------------------------------------------


def model_items(tables: Tables, model_id: str) -> pd.DataFrame:
    """A logic model's items, inputs first, in the order they were added within a level."""
    items = rows_of(tables, "logic_model_items")
    position = level_position()
    names = dict(levels())
    rows = []
    for item_id, model, level, text, leads_to, area, responsible in zip(
        _column(items, "id"), _column(items, "logic_model_id"), _column(items, "level"), _column(items, "text"),
        _column(items, "leads_to"), _column(items, "planning_area"), _column(items, "responsible"), strict=True,
    ):
        if str(model) != str(model_id):
            continue
        rows.append({
            "id": str(item_id), "level": str(level), "level_name": names.get(str(level), str(level)),
            "order": position.get(str(level), len(position)), "text": "" if _blank(text) else str(text),
            "leads_to": _as_list(leads_to), "planning_area": None if _blank(area) else str(area),
            "responsible": None if _blank(responsible) else str(responsible),
        })
    frame = pd.DataFrame(rows, columns=ITEM_COLUMNS)
    return frame.sort_values("order", kind="stable").reset_index(drop=True)


def _link_kind(step: int | None) -> str:
    if step is None:
        return "other model"
    if step == 1:
        return "next level"
    if step > 1:
        return "skips a level"
    return "same level" if step == 0 else "backwards"


def model_links(tables: Tables, model_id: str) -> pd.DataFrame:
    """The model's "leads to" links: `step` is how many levels onward (1 = the next level).

    `kind` is "next level", "skips a level" (step 2 or more), "same level", "backwards", or
    "other model" (the target is an item of another logic model; `step` is then missing).
    """
    items = model_items(tables, model_id)
    order = dict(zip(items["id"], items["order"], strict=True))
    level = dict(zip(items["id"], items["level"], strict=True))
    all_items = rows_of(tables, "logic_model_items")
    other_levels = dict(zip(_column(all_items, "id"), _column(all_items, "level"), strict=True))
    rows = []
    for source, targets in zip(items["id"], items["leads_to"], strict=True):
        for target in targets:
            step = order[target] - order[source] if target in order else None
            rows.append({
                "source": source, "target": target, "source_level": level[source],
                "target_level": level.get(target, other_levels.get(target)), "step": step, "kind": _link_kind(step),
            })
    frame = pd.DataFrame(rows, columns=LINK_COLUMNS)
    frame["step"] = frame["step"].astype("Int64")
    return frame


def model_checks(tables: Tables, model_id: str) -> pd.DataFrame:
    """What a logic model still lacks or gets wrong, one row per finding.

    `severity` is "problem" (a link backwards, within a level or into another model; an item
    other than a long-term outcome that leads nowhere; a level with no item) or "note" (a link
    that skips a level, which a reader should check; an item beyond the inputs that nothing
    leads to). `check` names the rule, `item_id` the item (None for a missing level).
    """
    items = model_items(tables, model_id)
    links = model_links(tables, model_id)
    text = dict(zip(items["id"], items["text"], strict=True))
    names = dict(levels())
    last_level = levels()[-1][0]
    first_level = levels()[0][0]
    rows: list[dict[str, Any]] = []

    def add(severity: str, check: str, item_id: str | None, message: str) -> None:
        rows.append({"severity": severity, "check": check, "item_id": item_id, "message": message})

    present = set(items["level"])
    for key, name in levels():
        if key not in present:
            add("problem", "empty_level", None, _("{level}: no item yet").format(level=name))
    for item_id, level, onward in zip(items["id"], items["level"], items["leads_to"], strict=True):
        if level != last_level and not onward:
            add("problem", "no_link_onward", item_id, _("“{item}” ({level}) leads to nothing").format(item=text[item_id], level=names.get(level, level)))
    targeted = set(links["target"])
    for item_id, level in zip(items["id"], items["level"], strict=True):
        if level != first_level and item_id not in targeted:
            add("note", "nothing_leads_here", item_id, _("Nothing leads to “{item}” ({level})").format(item=text[item_id], level=names.get(level, level)))
    for link in links.itertuples(index=False):
        source_words = f"“{text[link.source]}” ({names.get(link.source_level, link.source_level)})"
        if link.kind == "other model":
            add("problem", "link_to_other_model", link.source, _("{source} leads to an item of another logic model").format(source=source_words))
            continue
        target_words = f"“{text[link.target]}” ({names.get(link.target_level, link.target_level)})"
        if link.kind == "backwards":
            add("problem", "backward_link", link.source, _("{source} leads back to {target}").format(source=source_words, target=target_words))
        elif link.kind == "same level":
            add("problem", "same_level_link", link.source, _("{source} leads to {target} on the same level").format(source=source_words, target=target_words))
        elif link.kind == "skips a level":
            skipped = [names[k] for k, _ in levels()[level_position()[link.source_level] + 1:level_position()[link.target_level]]]
            add("note", "skipped_level", link.source,
                _("{source} leads straight to {target}, skipping {levels}").format(source=source_words, target=target_words, levels=", ".join(skipped).lower()))
    return pd.DataFrame(rows, columns=CHECK_COLUMNS)


# -- the performance measurement framework ----------------------------------------------------------------


def outcome_items(tables: Tables) -> pd.DataFrame:
    """Every immediate, intermediate and long-term outcome of every logic model."""
    items = rows_of(tables, "logic_model_items")
    if items.empty:
        return pd.DataFrame(columns=["id", "logic_model_id", "level", "text"])
    chosen = items[items["level"].isin(OUTCOME_LEVELS)]
    return chosen[["id", "logic_model_id", "level", "text"]].reset_index(drop=True)


def outcomes_without_measure(tables: Tables) -> pd.DataFrame:
    """Outcome items no measure points to (`measures.outcome_id`), in logic-model order."""
    outcomes = outcome_items(tables)
    measured = {str(o) for o in _column(rows_of(tables, "measures"), "outcome_id") if not _blank(o)}
    missing = outcomes[~outcomes["id"].astype(str).isin(measured)].copy()
    models = rows_of(tables, "logic_models")
    # a model goes by its name, else by its target group
    label = {str(i): (None if _blank(n) else str(n)) or (None if _blank(g) else str(g)) or str(i)
             for i, n, g in zip(_column(models, "id"), _column(models, "name"), _column(models, "target_group"), strict=True)}
    missing["model"] = [label.get(str(m), str(m)) for m in missing["logic_model_id"]]
    position = level_position()
    missing["order"] = [position[level] for level in missing["level"]]
    model_order = {m: n for n, m in enumerate(_column(rows_of(tables, "logic_models"), "id"))}
    missing["model_order"] = [model_order.get(m, len(model_order)) for m in missing["logic_model_id"]]
    missing = missing.sort_values(["model_order", "order"], kind="stable")
    return missing.drop(columns=["model_order"]).reset_index(drop=True)


def measure_gaps(tables: Tables) -> pd.DataFrame:
    """Measures lacking an indicator, baseline, target or owner: `missing` lists the words."""
    measures = rows_of(tables, "measures")
    rows = []
    for record in measures.to_dict("records"):
        missing = [word for column, word in MEASURE_FIELDS.items() if _blank(record.get(column))]
        if missing:
            rows.append({"id": str(record["id"]), "expected_outcome": str(record["expected_outcome"]), "missing": missing})
    return pd.DataFrame(rows, columns=["id", "expected_outcome", "missing"])


# -- progress -------------------------------------------------------------------------------------------


_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_PERIOD_NOTE = re.compile(_MONTH + r"\s*(?:to|through|until|-|–|—)\s*" + _MONTH + r",?\s+(\d{4})", re.IGNORECASE)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def period_start_from_note(note: str) -> dt.date | None:
    """The first day of a part-year period a note names ("January to June 2025 only" -> 2025-01-01),
    or None when the note names none."""
    found = _PERIOD_NOTE.search(note or "")
    if not found:
        return None
    return dt.date(int(found.group(3)), _MONTHS.index(found.group(1).lower()) + 1, 1)


def measured_period(record: Mapping[str, Any]) -> tuple[dt.date | None, dt.date | None]:
    """A measurement's period (first day, last day): `period_start` as recorded, else the part of
    a year its note names, else unknown (None: the value is taken to cover the whole period)."""
    end = None if _blank(record.get("date")) else pd.Timestamp(record["date"]).date()
    start = record.get("period_start")
    if not _blank(start):
        return pd.Timestamp(start).date(), end
    note = record.get("note")
    return (None if _blank(note) else period_start_from_note(str(note))), end


def partial_period(record: Mapping[str, Any]) -> str | None:
    """For a measurement covering less than a year (the period targets are set for): its period
    in words ("2025-01-01 to 2025-06-30"); None for a full-period (or unstated) one."""
    start, end = measured_period(record)
    if start is None or end is None or (end - start).days + 1 >= FULL_PERIOD_DAYS:
        return None
    return _("{start} to {end}").format(start=start.isoformat(), end=end.isoformat())


def measure_periods(tables: Tables, measure_id: str) -> pd.DataFrame:
    """A measure's measurements, oldest first: date, value and `partial` (the period in words when
    the value covers part of the year only, else None). The later entry wins for a repeated date."""
    rows = rows_of(tables, "measurements")
    if rows.empty:
        return pd.DataFrame(columns=["date", "value", "partial"])
    mine = rows[rows["measure_id"].astype(str) == str(measure_id)]
    records = mine.to_dict("records")
    frame = pd.DataFrame({
        "date": pd.to_datetime([r["date"] for r in records]),
        "value": pd.to_numeric(pd.Series([r["value"] for r in records], dtype=object)).to_numpy(dtype=float),
        "partial": [partial_period(r) for r in records],
    })
    frame = frame.drop_duplicates("date", keep="last").sort_values("date", kind="stable")
    return frame.reset_index(drop=True)


def measure_series(tables: Tables, measure_id: str, *, complete_only: bool = False) -> pd.Series:
    """A measure's values by date, oldest first (the later entry wins for a repeated date);
    `complete_only` leaves out values covering part of the year only."""
    periods = measure_periods(tables, measure_id)
    if complete_only:
        periods = periods[periods["partial"].isna()]
    series = pd.Series(periods["value"].to_numpy(dtype=float), index=pd.DatetimeIndex(periods["date"]))
    series.index.name = "date"
    return series


def _year_end(year: Any) -> dt.date | None:
    return None if _blank(year) else dt.date(int(year), 12, 31)


@dataclass(frozen=True)
class Progress:
    status: str  # ON_TRACK, OFF_TRACK, NO_DATA or PARTIAL
    reason: str
    expected_now: float | None = None  # where the straight line from baseline to target is at the latest date


def _number_text(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".") if not float(value).is_integer() else f"{int(value):,}"


def judge(
    series: pd.Series,
    *,
    baseline: float | None,
    target: float | None,
    higher_is_better: bool | None,
    baseline_year: int | None = None,
    target_year: int | None = None,
    show: Callable[[float], str] | None = None,
) -> Progress:
    """Is a measure on track for its target?

    Baseline and target count from the end of their year. With both years, the latest value
    must be at least as good as the straight line from the baseline to the target at its date;
    without them, it must be better than the baseline (or the first value). Reaching the target
    is on track; a target year gone by without reaching it is off track. The direction is
    `higher_is_better`, else read from the target being above or below the baseline.
    """
    fmt = show or _number_text  # the reason's numbers as published (e.g. small counts as "<5")
    if series.empty:
        return Progress(NO_DATA, _("no measurement yet"))
    if target is None or _blank(target):
        return Progress(NO_DATA, _("no target set"))
    target = float(target)
    start_value = float(baseline) if baseline is not None and not _blank(baseline) else float(series.iloc[0])
    start_date = _year_end(baseline_year) if not _blank(baseline) else series.index[0].date()
    if _blank(higher_is_better):
        if target == start_value:
            return Progress(NO_DATA, _("direction unknown: say whether higher is better"))
        higher = target > start_value
    else:
        higher = bool(higher_is_better)
    latest_date, latest = series.index[-1].date(), float(series.iloc[-1])

    def at_least_as_good(value: float, than: float) -> bool:
        return value >= than if higher else value <= than

    if at_least_as_good(latest, target):
        return Progress(ON_TRACK, _("target {target} reached ({latest} on {date})").format(target=fmt(target), latest=fmt(latest), date=latest_date))
    target_date = _year_end(target_year)
    if target_date is not None and latest_date >= target_date:
        return Progress(OFF_TRACK, _("target year {year} has passed; latest {latest} on {date}, target {target}").format(
            year=target_year, latest=fmt(latest), date=latest_date, target=fmt(target)))
    if target_date is not None and start_date is not None and target_date > start_date:
        share = min(max((latest_date - start_date).days / (target_date - start_date).days, 0.0), 1.0)
        expected = start_value + (target - start_value) * share
        reason = (_("latest {latest} on {date} is at or better than the {expected} expected on the way from {start} to {target} by {year}")
                  if at_least_as_good(latest, expected) else
                  _("latest {latest} on {date} is behind the {expected} expected on the way from {start} to {target} by {year}")).format(
            latest=fmt(latest), date=latest_date, expected=fmt(expected), start=fmt(start_value), target=fmt(target), year=target_year)
        return Progress(ON_TRACK if at_least_as_good(latest, expected) else OFF_TRACK, reason, expected)
    better = latest > start_value if higher else latest < start_value
    if _blank(baseline):
        words = _("latest {latest} on {date} is better than the first value {start}") if better else _("latest {latest} on {date} is no better than the first value {start}")
    else:
        words = _("latest {latest} on {date} is better than the baseline {start}") if better else _("latest {latest} on {date} is no better than the baseline {start}")
    return Progress(ON_TRACK if better else OFF_TRACK, words.format(latest=fmt(latest), date=latest_date, start=fmt(start_value)))


def measure_status(tables: Tables, *, suppress: bool = False) -> pd.DataFrame:
    """Every measure with its latest value and whether it is on track (see `judge`); with
    `suppress` (published reports) the reasons give small counts as "<5"."""
    measures = rows_of(tables, "measures")
    rows = []
    for record in measures.to_dict("records"):
        periods = measure_periods(tables, record["id"])
        series = pd.Series(periods["value"].to_numpy(dtype=float), index=pd.DatetimeIndex(periods["date"]))
        complete = series[periods["partial"].isna().to_numpy()]
        latest_partial = periods["partial"].iloc[-1] if len(periods) else None
        unit = record.get("unit")

        def show(value: float, unit: Any = unit) -> str:
            return f"<{SMALL_COUNT}" if suppress and is_small_count(value, unit) else _number_text(value)

        progress = judge(
            complete, baseline=record.get("baseline"), target=record.get("target"),
            higher_is_better=record.get("higher_is_better"), baseline_year=record.get("baseline_year"),
            target_year=record.get("target_year"), show=show,
        )
        if latest_partial is not None:
            # A part-year value is never judged against a full-year target: say so, judge the last full one.
            words = _("the latest value, {value}, covers {period} only and is not judged against the full-year target").format(
                value=show(float(series.iloc[-1])), period=latest_partial)
            progress = (Progress(PARTIAL, words) if complete.empty
                        else Progress(progress.status, _("{partial}; on the latest full-period value, {reason}").format(partial=words, reason=progress.reason),
                                      progress.expected_now))
        rows.append({
            "measure_id": str(record["id"]), "expected_outcome": str(record["expected_outcome"]),
            "indicator": None if _blank(record.get("indicator")) else str(record["indicator"]),
            "unit": None if _blank(record.get("unit")) else str(record["unit"]),
            "baseline": None if _blank(record.get("baseline")) else float(record["baseline"]),
            "target": None if _blank(record.get("target")) else float(record["target"]),
            "higher_is_better": None if _blank(record.get("higher_is_better")) else bool(record["higher_is_better"]),
            "measurements": len(series),
            "latest_date": series.index[-1].date() if len(series) else None,
            "latest_value": float(series.iloc[-1]) if len(series) else None,
            "expected_now": progress.expected_now, "status": progress.status, "reason": progress.reason,
            "latest_partial": latest_partial, STANDING: record.get(STANDING),
            SINCE_ADOPTION: "" if _blank(record.get(SINCE_ADOPTION)) else str(record[SINCE_ADOPTION]),
        })
    return pd.DataFrame(rows, columns=STATUS_COLUMNS)
