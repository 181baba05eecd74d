"""Two plans side by side: what a revision added, dropped and changed; progress against the adopted plan.

`compare_plans` and `measured_against` take the tables of two plans (an adopted version's and another version's or the
live workspace's). Records are matched by id, which a workspace keeps for ever, so a renamed
action is the same action changed, not one dropped and another added. Everything returned is in
labels (names, titles, catalogue names), never ids or codes.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..framework import load_catalogue
from ..i18n import N_
from ._tables import Tables, as_list, blank, rows_of
from .privacy import SMALL_COUNT, is_small_count

ADDED, DROPPED, CHANGED = N_("Added"), N_("Dropped"), N_("Changed")  # translated where shown
OUTCOME_LEVELS = ("immediate", "intermediate", "long_term")


@dataclass(frozen=True)
class Difference:
    section: str  # "Priority risks", "Strategies", "Outcomes", "Measures", "Actions"
    change: str  # ADDED, DROPPED or CHANGED
    item: str  # the record's label
    details: str = ""  # for a change: "Target: 450 → 500; Lead: ..."


@dataclass(frozen=True)
class _Section:
    title: str
    table: str
    label: Callable[[Tables, dict[str, Any]], str]
    columns: tuple[tuple[str, str], ...]  # (column, heading) compared
    keep: Callable[[pd.DataFrame], pd.DataFrame] = lambda frame: frame


def _name_in(tables: Tables, table: str, record_id: Any, column: str) -> str:
    frame = rows_of(tables, table)
    if blank(record_id) or frame.empty:
        return ""
    found = frame[frame["id"] == str(record_id)]
    return "" if found.empty else str(found[column].iloc[0])


def _priority(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[[not blank(v) and bool(v) for v in frame["priority"]]] if "priority" in frame else frame.iloc[0:0]


def _outcomes(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["level"].isin(OUTCOME_LEVELS)] if "level" in frame else frame.iloc[0:0]


def _measure_label(_tables: Tables, record: dict[str, Any]) -> str:
    outcome, indicator = str(record.get("expected_outcome") or ""), record.get("indicator")
    return outcome if blank(indicator) else f"{outcome} (indicator: {indicator})"


SECTIONS = (
    _Section("Priority risks", "risks", lambda _t, r: str(r["name"]),
             (("name", "Name"), ("narrative", "Narrative"), ("vulnerable_groups", "Vulnerable groups"),
              ("risk_factors", "Risk factors"), ("protective_factors", "Protective factors")), _priority),
    _Section("Strategies", "strategies", lambda _t, r: str(r["name"]),
             (("name", "Name"), ("risk_id", "Priority risk"), ("planning_area", "Planning area"),
              ("description", "Description"))),
    _Section("Outcomes", "logic_model_items", lambda _t, r: str(r["text"]),
             (("text", "Outcome"), ("level", "Level"), ("logic_model_id", "Logic model")), _outcomes),
    _Section("Measures", "measures", _measure_label,
             (("expected_outcome", "Expected outcome"), ("indicator", "Indicator"), ("baseline", "Baseline"),
              ("target", "Target"), ("target_year", "Target year"), ("data_source", "Data source"),
              ("collection_method", "Collection method"), ("frequency", "Frequency"),
              ("responsibility", "Responsibility"))),
    _Section("Actions", "actions", lambda _t, r: str(r["title"]),
             (("title", "Title"), ("lead_organization_id", "Lead organization"), ("partners", "Partners"),
              ("planning_area", "Planning area"), ("risk_id", "Priority risk"), ("strategy_id", "Strategy"),
              ("start", "Start"), ("end", "End"), ("resources", "Resources"))),
)

# What a reference or a catalogue code reads as.
_REFERENCES = {"risk_id": ("risks", "name"), "strategy_id": ("strategies", "name"),
               "lead_organization_id": ("organizations", "name"), "partners": ("organizations", "name"),
               "logic_model_id": ("logic_models", "target_group")}
_CODES = {"planning_area": "planning_areas", "level": "logic_model_levels"}
_COUNT_COLUMNS = frozenset({"baseline", "target"})  # a measure's values, suppressed in published text


def shown_value(tables: Tables, column: str, value: Any) -> str:
    """A stored value as people read it: names for references, catalogue names for codes."""
    if isinstance(value, (list, tuple)) or column == "partners":
        items = as_list(value)
        if column in _REFERENCES:
            table, name = _REFERENCES[column]
            items = [_name_in(tables, table, item, name) or item for item in items]
        return ", ".join(items)
    if blank(value):
        return ""
    if column in _REFERENCES:
        table, name = _REFERENCES[column]
        return _name_in(tables, table, value, name) or str(value)
    if column in _CODES:
        try:
            return load_catalogue().name_of(_CODES[column], str(value))
        except KeyError:
            return str(value)
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _records(tables: Tables, section: _Section) -> dict[str, dict[str, Any]]:
    frame = rows_of(tables, section.table)
    if frame.empty:
        return {}
    return {str(r["id"]): r for r in section.keep(frame).to_dict("records")}


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _changed_columns(section: _Section, older: Tables, was: dict[str, Any], newer: Tables, now: dict[str, Any],
                     *, suppress: bool = False) -> list[str]:
    """'Target: 450 → 500' for each compared column of one record that differs between two plans;
    `suppress` (published documents): a count under 5 reads "<5"."""
    def shown(tables: Tables, record: dict[str, Any], column: str) -> str:
        value = record.get(column)
        if suppress and column in _COUNT_COLUMNS and is_small_count(value, record.get("unit")):
            return f"<{SMALL_COUNT}"
        return shown_value(tables, column, value)

    changes = []
    for column, heading in section.columns:
        before, after = shown(older, was, column), shown(newer, now, column)
        if before != after:
            changes.append(f"{heading}: {_short(before) or '(none)'} → {_short(after) or '(none)'}")
    return changes


def compare_plans(older: Tables, newer: Tables) -> list[Difference]:
    """What `newer` added, dropped and changed against `older`, section by section (risks, strategies,
    outcomes, measures, actions), in the order the records appear."""
    found: list[Difference] = []
    for section in SECTIONS:
        before, after = _records(older, section), _records(newer, section)
        for record_id, record in after.items():
            if record_id not in before:
                found.append(Difference(section.title, ADDED, section.label(newer, record)))
                continue
            changes = _changed_columns(section, older, before[record_id], newer, record)
            if changes:
                found.append(Difference(section.title, CHANGED, section.label(newer, record), "; ".join(changes)))
        found += [Difference(section.title, DROPPED, section.label(older, record))
                  for record_id, record in before.items() if record_id not in after]
    return found


# -- progress against the adopted plan --------------------------------------------------------------

# A progress report row's standing (`measured_against`).
IN_ADOPTED_PLAN = "In the adopted plan"
ADDED_SINCE = "Added since the adopted plan"
DROPPED_SINCE = "Dropped since the adopted plan"


# -- the tables a progress report reads --------------------------------------------------------------

STANDING, SINCE_ADOPTION = "standing", "since_adoption"  # the columns `measured_against` adds
# The plan's content: a progress report reads these as adopted, plus the records added since.
COMMITTED_TABLES = ("risks", "strategies", "logic_models", "logic_model_items", "measures", "actions",
                    "organizations", "groups")
# What each progress report row is judged on: its standing and the changes stated for it.
MEASURED_TABLES = {"actions": "Actions", "measures": "Measures"}
# Today's state of an adopted action comes from the working plan.
LIVE_COLUMNS = {"actions": ("status", "percent_complete")}


class MeasuredAgainst(Mapping[str, pd.DataFrame]):
    """The tables a progress report reads: the plan's content as `adopted` committed to it (actions,
    measures with their targets, outcomes, strategies, risks, and the names they refer to), the
    records the working plan (`live`) added since, and everything else (status, updates,
    measurements, milestones, dates) as `live` has it today.

    `actions` and `measures` gain two columns: `standing` (`IN_ADOPTED_PLAN`, `ADDED_SINCE` or
    `DROPPED_SINCE`) and `since_adoption` (what the working plan changed in an adopted record, e.g.
    "Target: 70 → 80"; the row itself keeps the adopted value, which it is judged against). An
    adopted action keeps today's status and percent complete; a dropped one has none. Each table
    is built on first use. `suppress`: counts under 5 in `since_adoption` read "<5".
    """

    def __init__(self, adopted: Tables, live: Tables, *, suppress: bool = False) -> None:
        self.adopted, self.live, self.suppress = adopted, live, suppress
        self._frames: dict[str, pd.DataFrame] = {}

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in COMMITTED_TABLES:
            return self.live[name]
        if name not in self._frames:
            self._frames[name] = self._merged(name)
        return self._frames[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.live)

    def __len__(self) -> int:
        return len(self.live)

    def _merged(self, name: str) -> pd.DataFrame:
        adopted, live = rows_of(self.adopted, name), rows_of(self.live, name)
        if adopted.empty and live.empty:
            return live
        adopted_ids = set(adopted["id"].astype(str)) if not adopted.empty else set()
        added = live[~live["id"].astype(str).isin(adopted_ids)] if not live.empty else live
        if name not in MEASURED_TABLES:
            return _stacked(adopted, added)
        live_records = {str(r["id"]): r for r in live.to_dict("records")} if not live.empty else {}
        section = next(s for s in SECTIONS if s.title == MEASURED_TABLES[name])
        adopted = adopted.copy()
        standings, changes = [], []
        for record in adopted.to_dict("records"):
            now = live_records.get(str(record["id"]))
            standings.append(DROPPED_SINCE if now is None else IN_ADOPTED_PLAN)
            changes.append("" if now is None else "; ".join(
                _changed_columns(section, self.adopted, record, self.live, now, suppress=self.suppress)))
        for column in LIVE_COLUMNS.get(name, ()):
            if column in adopted:
                adopted[column] = [live_records[str(i)].get(column) if str(i) in live_records else None
                                   for i in adopted["id"]]
        adopted[STANDING], adopted[SINCE_ADOPTION] = standings, changes
        added = added.assign(**{STANDING: ADDED_SINCE, SINCE_ADOPTION: ""})
        return _stacked(adopted, added)


def _stacked(first: pd.DataFrame, second: pd.DataFrame) -> pd.DataFrame:
    if second.empty:
        return first.reset_index(drop=True)
    if first.empty:
        return second.reset_index(drop=True)
    with warnings.catch_warnings():  # a column blank in one part takes the other part's type, as wanted
        warnings.simplefilter("ignore", FutureWarning)
        return pd.concat([first, second], ignore_index=True)


def measured_against(adopted: Tables, live: Tables, *, suppress: bool = False) -> MeasuredAgainst:
    """The tables a progress report measuring `live` against the `adopted` plan reads (`MeasuredAgainst`)."""
    return MeasuredAgainst(adopted, live, suppress=suppress)
