"""Two plans side by side: what a revision added, dropped and changed; progress against the adopted plan.

Both functions take the tables of two plans (an adopted version's and another version's or the
live workspace's). Records are matched by id, which a workspace keeps for ever, so a renamed
action is the same action changed, not one dropped and another added. Everything returned is in
labels (names, titles, catalogue names), never ids or codes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..framework import load_catalogue
from ._tables import Tables, as_list, blank, rows_of

ADDED, DROPPED, CHANGED = "Added", "Dropped", "Changed"
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
            changes = []
            for column, heading in section.columns:
                was = shown_value(older, column, before[record_id].get(column))
                now = shown_value(newer, column, record.get(column))
                if was != now:
                    changes.append(f"{heading}: {_short(was) or '(none)'} → {_short(now) or '(none)'}")
            if changes:
                found.append(Difference(section.title, CHANGED, section.label(newer, record), "; ".join(changes)))
        found += [Difference(section.title, DROPPED, section.label(older, record))
                  for record_id, record in before.items() if record_id not in after]
    return found


# -- progress against the adopted plan --------------------------------------------------------------

IN_ADOPTED_PLAN = "In the adopted plan"
ADDED_SINCE = "Added since adoption"
DROPPED_SINCE = "Dropped from the working plan"


def progress_scope(adopted: Tables, live: Tables) -> pd.DataFrame:
    """The actions and measures a progress report measures: those of the adopted version (by id),
    each with its standing in the live workspace, plus the ones added since adoption.

    Columns: section ("Actions" or "Measures"), id, item (label, as the live workspace names it
    when it still has it), standing (`IN_ADOPTED_PLAN`, `ADDED_SINCE` or `DROPPED_SINCE`).
    The live tables keep the current status and measurements; join on `id`.
    """
    rows = []
    for section in (s for s in SECTIONS if s.table in ("actions", "measures")):
        adopted_records, live_records = _records(adopted, section), _records(live, section)
        for record_id, record in adopted_records.items():
            if record_id in live_records:
                rows.append((section.title, record_id, section.label(live, live_records[record_id]), IN_ADOPTED_PLAN))
            else:
                rows.append((section.title, record_id, section.label(adopted, record), DROPPED_SINCE))
        rows += [(section.title, record_id, section.label(live, record), ADDED_SINCE)
                 for record_id, record in live_records.items() if record_id not in adopted_records]
    return pd.DataFrame(rows, columns=["section", "id", "item", "standing"])
