"""The workbooks' write operations as plain functions: what each app button does, without a widget.

An analyst (or a test, or a script) calls them on an open workspace::

    from cswb_widgets.store import Workspace, operations

    ws = Workspace.open("workspaces/maple-falls")
    operations.save_weights(ws, {"crit-severity": 2, "crit-trend": 1})
    operations.record_progress_update(ws, "act-03", datetime.date(2025, 3, 31), status="in_progress", percent=75)

Each function takes the workspace and plain Python or pandas values, checks them, and writes in
one transaction (`Workspace.batch`), so it is one change in the audit trail (`ws.history()`) that
`ws.undo(change_id)` takes back whole. Bad input raises `InputError` (a `CswbError`) with a clear
message and leaves the workspace unchanged. Each returns what it created or changed (ids).
The rules behind them (valid weights, the strategy an asset becomes, how an update moves an
action's status) live in `cswb_widgets.model`, callable on DataFrames alone.

| stage | operations |
|---|---|
| commitment | `save_terms_of_reference` |
| buy-in | `add_quick_feedback`, `apply_tag_suggestions`, `set_logo` |
| risk | `add_risk`, `save_risk_answers`, `save_weights` |
| assets | `set_coordinates` |
| evaluation | `adopt_assets_as_strategies`, `create_logic_model`, `add_logic_model_item`, `link_logic_model_items`, `unlink_logic_model_items`, `start_measure` |
| implementation | `record_progress_update` |
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import pandas as pd

from ..errors import InputError, Problem
from ..framework import load_catalogue
from ..i18n import _
from ..model import commitment, evaluation, identity, implementation, prioritization
from ..model._tables import as_list, blank
from .schema import table as table_spec
from .validation import CellError, coerce, validate_record
from .workspace import SINGLETON_ID, Workspace

# The Tool 5 answers a risk holds (the risk workbook's questions and the plan's risk profile).
RISK_ANSWER_COLUMNS = (
    "real_problem_or_symptom", "raised_by", "evidence", "current_approach", "comprehensive_strategy",
    "most_work_needed", "who_fills_gaps", "narrative", "vulnerable_groups", "risk_factors", "protective_factors",
)


def _refuse(message: str, column: str | None = None) -> InputError:
    return InputError(Problem(message, column=column))


def _require(ws: Workspace, table_name: str, record_id: Any, what: str) -> dict[str, Any]:
    """The live record, or a refusal naming what is missing."""
    record = ws.get(table_name, str(record_id)) if not blank(record_id) else None
    if record is None:
        raise _refuse(f"no {what} with id '{record_id}'" + (" (it may have been deleted)" if not blank(record_id) else ""))
    return record


# -- commitment -----------------------------------------------------------------------------------------------


class TermsSaved(NamedTuple):
    """Ids of the terms-of-reference sections a save added, changed and removed."""

    added: list[str]
    changed: list[str]
    removed: list[str]


def save_terms_of_reference(ws: Workspace, group_id: str | None, sections: Mapping[str, str | None]) -> TermsSaved:
    """Save the sections of one group's terms of reference (`group_id` None: the combined one).

    `sections` maps a section key (background_context, goals_purpose, ...) to its text; a blank
    text removes the section; sections not named are left as they are. One change.
    """
    known = [s.key for s in load_catalogue().tor_sections]
    unknown = [k for k in sections if k not in known]
    if unknown:
        raise _refuse(f"unknown terms-of-reference section '{unknown[0]}'; expected one of: {', '.join(known)}",
                      column="section")
    with ws.batch("terms of reference"):
        if group_id is not None:
            _require(ws, "groups", group_id, "group")
        changes = commitment.terms_of_reference_changes(ws.table("tor_sections"), group_id, dict(sections))
        for record_id in changes.remove:
            ws.delete("tor_sections", record_id)
        for record_id, text in changes.change.items():
            ws.update("tor_sections", record_id, text=text)
        added = [ws.add("tor_sections", group_id=group_id, section=key, text=text) for key, text in changes.add.items()]
    return TermsSaved(added, list(changes.change), changes.remove)


# -- buy-in ---------------------------------------------------------------------------------------------------


def add_quick_feedback(
    ws: Workspace,
    text: str,
    *,
    activity_id: str | None = None,
    participant_group: str | None = None,
    risk_categories: Iterable[str] = (),
    date: dt.date | str | None = None,
) -> str:
    """Record one thing said during engagement (tagged with risk categories); returns its id."""
    with ws.batch("quick feedback"):
        return ws.add("feedback", text=text, activity_id=activity_id or None, participant_group=participant_group or None,
                      risk_categories=list(risk_categories), date=date)


def apply_tag_suggestions(ws: Workspace, suggestions: Mapping[str, Sequence[str]]) -> list[str]:
    """Add risk categories to feedback items ({feedback id: [category key, ...]}), as one change.

    Categories an item already has are kept (none is removed). `engagement.tag_suggestions`
    gives the catalogue's suggestions for untagged feedback. Returns the ids of the items changed.
    """
    empty = [fid for fid, keys in suggestions.items() if not as_list(list(keys))]
    if empty:
        raise _refuse(f"no category given for feedback '{empty[0]}'", column="risk_categories")
    changed = []
    with ws.batch("apply tag suggestions"):
        for feedback_id, keys in suggestions.items():
            current = _require(ws, "feedback", feedback_id, "feedback item")["risk_categories"] or []
            merged = list(dict.fromkeys([*current, *as_list(list(keys))]))
            if merged != current:
                ws.update("feedback", feedback_id, risk_categories=merged)
                changed.append(str(feedback_id))
    return changed


def set_logo(ws: Workspace, content: bytes, kind: str | None = None) -> str:
    """Make a PNG or JPEG image (at most `identity.LOGO_LIMIT` bytes) the plan's logo.

    `kind` ("png", "jpeg" or a MIME type), when given, must match the content. Returns the
    logo as stored (a data: URI).
    """
    problem = identity.logo_problem(content, kind)
    if problem:
        raise _refuse(problem, column="logo")
    uri = identity.logo_data_uri(content)
    with ws.batch("plan logo"):
        if ws.get("community", SINGLETON_ID) is None:
            raise _refuse("the workspace has no community profile yet: add the community's name and kind first")
        ws.update("community", SINGLETON_ID, logo=uri)
    return uri


# -- risk -----------------------------------------------------------------------------------------------------


def add_risk(ws: Workspace, name: str, *, category: str | None = None, description: str | None = None) -> str:
    """Add a risk to the register; `category` a catalogue key or the community's own words. Returns its id."""
    with ws.batch("add risk"):
        return ws.add("risks", name=name, category=category or None, description=description or None)


def save_risk_answers(ws: Workspace, risk_id: str, answers: Mapping[str, Any]) -> list[str]:
    """Save a risk's answers to Tool 5's questions ({column: answer}; blank clears it).

    Columns: `RISK_ANSWER_COLUMNS`. Returns the columns whose stored answer changed.
    """
    if not answers:
        raise _refuse("no answer given")
    unknown = [c for c in answers if c not in RISK_ANSWER_COLUMNS]
    if unknown:
        raise _refuse(f"'{unknown[0]}' is not one of a risk's answers; expected one of: {', '.join(RISK_ANSWER_COLUMNS)}",
                      column=unknown[0])
    with ws.batch("risk answers"):
        before = _require(ws, "risks", risk_id, "risk")
        ws.update("risks", risk_id, **dict(answers))
        after = ws.get("risks", risk_id) or {}
    return [c for c in answers if before.get(c) != after.get(c)]


def save_weights(ws: Workspace, weights: Mapping[str, float]) -> list[str]:
    """Store prioritization weights for everyone ({criterion id: weight}); returns the ids whose weight changed."""
    with ws.batch("prioritization weights"):
        criteria = ws.table("criteria")
        problems = prioritization.weight_problems(weights, criteria["id"].astype(str))
        if problems:
            raise InputError([Problem(p, column="weight") for p in problems])
        stored = dict(zip(criteria["id"].astype(str), criteria["weight"], strict=True))
        changed = []
        for cid, weight in weights.items():
            ws.update("criteria", cid, weight=float(weight))
            if float(weight) != stored[cid]:
                changed.append(cid)
    return changed


# -- assets ---------------------------------------------------------------------------------------------------


def set_coordinates(ws: Workspace, coordinates: Mapping[str, tuple[Any, Any]]) -> list[str]:
    """Set assets' map coordinates ({asset id: (latitude, longitude)}, decimal degrees), all or nothing.

    Every problem is reported at once, each beginning with the asset's name. Returns the ids changed.
    """
    spec = table_spec("assets")
    problems: list[Problem] = []
    updates: dict[str, dict[str, Any]] = {}
    with ws.batch("asset coordinates"):
        for asset_id, pair in coordinates.items():
            asset = ws.get("assets", str(asset_id))
            if asset is None:
                problems.append(Problem(_("no asset with id '{id}' (it may have been deleted)").format(id=asset_id)))
                continue
            name = asset["name"]
            try:
                latitude, longitude = pair
            except (TypeError, ValueError):
                problems.append(Problem(_("{name}: give the coordinates as a pair (latitude, longitude)").format(name=name)))
                continue
            values = {"latitude": latitude, "longitude": longitude}
            if any(blank(v) for v in values.values()):
                problems.append(Problem(_("{name}: enter both the latitude and the longitude").format(name=name)))
                continue
            _stored, found = validate_record(spec, values, partial=True)
            problems += [Problem(f"{name}: {p.column}: {p.message}") for p in found]
            updates[str(asset_id)] = values
        if problems:
            raise InputError(problems)
        for asset_id, values in updates.items():
            ws.update("assets", asset_id, **values)
    return list(updates)


# -- evaluation -----------------------------------------------------------------------------------------------


def _adoption_rows(rows: pd.DataFrame | Iterable[Mapping[str, Any]]) -> list[tuple[str, str, list[str]]]:
    records = rows.to_dict("records") if isinstance(rows, pd.DataFrame) else [dict(r) for r in rows]
    result = []
    for number, row in enumerate(records, start=1):
        areas = as_list(row.get("planning_areas")) or as_list(row.get("planning_area"))
        for column in ("asset_id", "risk_id"):
            if blank(row.get(column)):
                raise InputError(Problem(_("no {column} given").format(column=column), row=number, column=column))
        if not areas:
            raise InputError(Problem(_("choose at least one planning area"), row=number, column="planning_areas"))
        result.append((str(row["asset_id"]), str(row["risk_id"]), areas))
    return result


def adopt_assets_as_strategies(ws: Workspace, rows: pd.DataFrame | Iterable[Mapping[str, Any]]) -> list[str]:
    """Adopt assets as strategies, as they are: one strategy per (asset, risk, planning area).

    Each row has `asset_id`, `risk_id` and `planning_areas` (a list) or `planning_area`, e.g. rows
    of `evaluation.adoptable_assets(tables)`. A strategy that already exists is not made twice.
    One change; returns the ids of the strategies created.
    """
    wanted = _adoption_rows(rows)
    if not wanted:
        return []
    created: list[str] = []
    names = {}
    assets = {}
    for asset_id, risk_id, _areas in wanted:
        assets[asset_id] = _require(ws, "assets", asset_id, "asset")
        _require(ws, "risks", risk_id, "risk")
        names[asset_id] = assets[asset_id]["name"]
    note = (f"adopt asset {next(iter(names.values()))} as strategy" if len(names) == 1
            else f"adopt {len(names)} assets as strategies")
    with ws.batch(note):
        for asset_id, risk_id, areas in wanted:
            existing = ws.table("strategies")
            for record in evaluation.strategies_to_adopt(existing, assets[asset_id], risk_id, areas):
                created.append(ws.add("strategies", **record))
    return created


def create_logic_model(ws: Workspace, risk_id: str, target_group: str, *, name: str | None = None) -> str:
    """A new (empty) logic model for a risk and a target group; returns its id."""
    with ws.batch("create logic model"):
        return ws.add("logic_models", risk_id=risk_id or None, target_group=target_group, name=name or None)


def add_logic_model_item(
    ws: Workspace,
    logic_model_id: str,
    level: str,
    text: str,
    *,
    planning_area: str | None = None,
    responsible: str | None = None,
) -> str:
    """Add an input, activity, output or outcome (`level`: a catalogue key) to a logic model; returns its id."""
    with ws.batch("add logic model item"):
        _require(ws, "logic_models", logic_model_id, "logic model")
        return ws.add("logic_model_items", logic_model_id=logic_model_id, level=level, text=text,
                      planning_area=planning_area or None, responsible=responsible or None)


def _two_items(ws: Workspace, source_id: str, target_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    if source_id == target_id:
        raise _refuse("an item cannot lead to itself", column="leads_to")
    source = _require(ws, "logic_model_items", source_id, "logic-model item")
    target = _require(ws, "logic_model_items", target_id, "logic-model item")
    return source, target


def link_logic_model_items(ws: Workspace, source_id: str, target_id: str) -> bool:
    """Record that one logic-model item leads to another (of the same model).

    A link that does not go forward is saved (the model's checks show it). Returns False when
    the two were already linked (nothing written).
    """
    with ws.batch("link logic model items"):
        source, target = _two_items(ws, source_id, target_id)
        if source["logic_model_id"] != target["logic_model_id"]:
            raise _refuse("the two items belong to different logic models", column="leads_to")
        current = list(source.get("leads_to") or [])
        if target_id in current:
            return False
        ws.update("logic_model_items", source_id, leads_to=[*current, target_id])
    return True


def unlink_logic_model_items(ws: Workspace, source_id: str, target_id: str) -> bool:
    """Remove the link from one logic-model item to another; False when there was none."""
    with ws.batch("unlink logic model items"):
        source, _target = _two_items(ws, source_id, target_id)
        current = list(source.get("leads_to") or [])
        if target_id not in current:
            return False
        ws.update("logic_model_items", source_id, leads_to=[t for t in current if t != target_id] or None)
    return True


def start_measure(ws: Workspace, outcome_id: str) -> str:
    """A measure for a logic-model outcome that has none, named after it; returns its id.

    Its indicator, baseline, target and owner are filled in afterwards (`ws.update("measures", ...)`).
    """
    with ws.batch("start measure"):
        item = _require(ws, "logic_model_items", outcome_id, "logic-model item")
        if item["level"] not in evaluation.OUTCOME_LEVELS:
            raise _refuse(f"'{item['text']}' is not an outcome (it is one of the {item['level']}): "
                          "measures are for immediate, intermediate and long-term outcomes", column="outcome_id")
        measures = ws.table("measures")
        if (measures["outcome_id"] == outcome_id).any():
            raise _refuse(f"the outcome '{item['text']}' already has a measure", column="outcome_id")
        return ws.add("measures", outcome_id=outcome_id, expected_outcome=item["text"])


# -- implementation -------------------------------------------------------------------------------------------


class ProgressRecorded(NamedTuple):
    """The update created, and whether it is the action's newest (so the action now follows it)."""

    update_id: str
    is_newest: bool


def _day(value: Any) -> dt.date:
    column = table_spec("action_updates").column("date")
    try:
        stored = coerce(column, value)
    except CellError as error:
        raise InputError(Problem(str(error), column="date")) from None
    return dt.date.fromisoformat(stored)


def record_progress_update(
    ws: Workspace,
    action_id: str,
    day: dt.date | str,
    *,
    status: str | None = None,
    percent: Any = None,
    note: str | None = None,
) -> ProgressRecorded:
    """Save a dated progress update of an action and, when it is the action's newest, make its
    status and percent complete the action's current ones. One change; refused whole if any value
    is wrong. An update older than one already recorded is kept but changes nothing else.
    """
    when = _day(day)
    with ws.batch("progress update"):
        _require(ws, "actions", action_id, "action")
        tables = {"action_updates": ws.table("action_updates")}
        newest = implementation.is_latest_update(tables, action_id, when)
        changes = implementation.action_changes_from_update(tables, action_id, when, status=status, percent=percent)
        update_id = ws.add("action_updates", action_id=action_id, date=when, status=status or None,
                           percent_complete=percent, note=note or None)
        if changes:
            ws.update("actions", action_id, **changes)
    return ProgressRecorded(update_id, newest)


__all__ = [
    "RISK_ANSWER_COLUMNS", "ProgressRecorded", "TermsSaved",
    "add_logic_model_item", "add_quick_feedback", "add_risk", "adopt_assets_as_strategies", "apply_tag_suggestions",
    "create_logic_model", "link_logic_model_items", "record_progress_update", "save_risk_answers",
    "save_terms_of_reference", "save_weights", "set_coordinates", "set_logo", "start_measure",
    "unlink_logic_model_items",
]
