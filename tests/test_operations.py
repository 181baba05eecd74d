"""The workbooks' write operations called as plain functions, without a widget (store/operations.py).

Each operation is checked for its effect on the tables, for its audit rows (one change, with
its note and the actor), and for a refusal that names the problem and leaves the workspace as
it was. The rules behind them (model functions) are checked on plain frames at the end.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from cswb_widgets.errors import InputError
from cswb_widgets.model import (
    commitment,
    engagement,
    evaluation,
    identity,
    implementation,
    prioritization,
)
from cswb_widgets.store import TABLES, Workspace, operations

ACTOR = "Tester"


@pytest.fixture
def ws(maple: Path) -> Iterator[Workspace]:
    with Workspace.open(maple, actor=ACTOR) as workspace:
        yield workspace


def last_change(ws: Workspace) -> pd.DataFrame:
    """The audit rows of the newest change."""
    history = ws.history()
    return history[history["change_id"] == ws.last_change()].reset_index(drop=True)


def assert_one_change(ws: Workspace, note: str, rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    """The newest change is one change with this note, by the actor, of exactly these (action, table, id) rows."""
    change = last_change(ws)
    assert set(change["note"]) == {note} and set(change["actor"]) == {ACTOR}
    assert sorted(zip(change["action"], change["table_name"], change["record_id"], strict=True)) == sorted(rows)
    return change


def snapshot(ws: Workspace) -> tuple[Any, ...]:
    """Everything a refusal must leave as it was: every table's rows and the audit trail."""
    tables = tuple(ws.table(t.name, include_deleted=True).to_json(date_format="iso", default_handler=str) for t in TABLES)
    return (*tables, len(ws.history()), ws.last_change())


def assert_refused(ws: Workspace, message: str, call: Callable[[], Any]) -> None:
    """The call raises InputError with exactly `message`, and nothing in the workspace changes."""
    before = snapshot(ws)
    with pytest.raises(InputError, match=f"^{re.escape(message)}$"):
        call()
    assert snapshot(ws) == before


def after(change: pd.DataFrame, record_id: str) -> dict[str, Any]:
    return json.loads(change.loc[change["record_id"] == record_id, "after"].iloc[0])


def before_image(change: pd.DataFrame, record_id: str) -> dict[str, Any]:
    return json.loads(change.loc[change["record_id"] == record_id, "before"].iloc[0])


def all_tables(ws: Workspace) -> dict[str, pd.DataFrame]:
    return {t.name: ws.table(t.name) for t in TABLES}


# -- commitment -----------------------------------------------------------------------------------------------


def test_save_terms_of_reference_adds_changes_and_removes_sections_in_one_change(ws: Workspace) -> None:
    # the housing table has only its goals written; the advisory committee has all five
    saved = operations.save_terms_of_reference(ws, "team-housing", {
        "goals_purpose": "  ",  # emptied: removed
        "background_context": "Evictions doubled since 2021.",
        "membership": "Landlords, tenants, the shelter",
    })
    assert saved.removed == ["tor-housing-goals_purpose"] and saved.changed == [] and len(saved.added) == 2
    mine = ws.table("tor_sections").query("group_id == 'team-housing'").set_index("section")["text"].to_dict()
    assert mine == {"background_context": "Evictions doubled since 2021.", "membership": "Landlords, tenants, the shelter"}
    assert_one_change(ws, "terms of reference", [
        ("delete", "tor_sections", "tor-housing-goals_purpose"),
        *[("insert", "tor_sections", i) for i in saved.added],
    ])
    # a change of one text is one update; sections not named are left alone; the combined one has no group
    saved = operations.save_terms_of_reference(ws, "grp-advisory", {"membership": "Everyone at the table"})
    assert saved == operations.TermsSaved([], ["tor-ac-membership"], [])
    change = assert_one_change(ws, "terms of reference", [("update", "tor_sections", "tor-ac-membership")])
    assert after(change, "tor-ac-membership")["text"] == "Everyone at the table"
    assert ws.table("tor_sections").query("group_id == 'grp-advisory'").shape[0] == 5
    combined = operations.save_terms_of_reference(ws, None, {"goals_purpose": "One plan for all"}).added[0]
    assert ws.get("tor_sections", combined)["group_id"] is None


def test_save_terms_of_reference_refuses_an_unknown_section_or_group(ws: Workspace) -> None:
    assert_refused(ws, "column 'section': unknown terms-of-reference section 'budget'; expected one of: "
                   "background_context, goals_purpose, objectives_measures, membership, roles_responsibilities",
                   lambda: operations.save_terms_of_reference(ws, "team-mha", {"budget": "x", "membership": "y"}))
    assert_refused(ws, "no group with id 'team-nowhere' (it may have been deleted)",
                   lambda: operations.save_terms_of_reference(ws, "team-nowhere", {"membership": "y"}))


# -- buy-in ---------------------------------------------------------------------------------------------------


def test_add_quick_feedback(ws: Workspace) -> None:
    activity = ws.table("engagement_activities")["id"].iloc[0]
    record_id = operations.add_quick_feedback(ws, "My neighbour was evicted", activity_id=activity,
                                              participant_group="Tenants", risk_categories=["housing"])
    record = ws.get("feedback", record_id)
    assert (record["text"], record["activity_id"], record["participant_group"], record["risk_categories"]) == (
        "My neighbour was evicted", activity, "Tenants", ["housing"])
    change = assert_one_change(ws, "quick feedback", [("insert", "feedback", record_id)])
    assert change["before"].iloc[0] is None and after(change, record_id)["risk_categories"] == '["housing"]'


def test_add_quick_feedback_refuses_blank_text_and_unknown_categories(ws: Workspace) -> None:
    assert_refused(ws, "column 'text': a value is required", lambda: operations.add_quick_feedback(ws, "   "))
    assert_refused(ws, "column 'activity_id': expected the id of an existing engagement_activities record, got 'nope'",
                   lambda: operations.add_quick_feedback(ws, "Too loud", activity_id="nope"))


def test_apply_tag_suggestions_adds_categories_in_one_change(ws: Workspace) -> None:
    untagged = ws.add("feedback", text="Landlord keeps raising the rent")
    pending = engagement.tag_suggestions(all_tables(ws))
    suggestions = dict(zip(pending["id"], pending["suggested"], strict=True))
    assert suggestions[untagged] == ["housing"]
    suggestions["fb-001"] = ["housing"]  # already tagged mental_health: that tag stays
    suggestions["fb-002"] = ["housing"]  # already has it: not changed
    changed = operations.apply_tag_suggestions(ws, suggestions)
    assert untagged in changed and "fb-001" in changed and "fb-002" not in changed
    assert ws.get("feedback", untagged)["risk_categories"] == ["housing"]
    assert ws.get("feedback", "fb-001")["risk_categories"] == ["mental_health", "housing"]
    change = assert_one_change(ws, "apply tag suggestions", [("update", "feedback", i) for i in changed])
    assert before_image(change, "fb-001")["risk_categories"] == '["mental_health"]'


def test_apply_tag_suggestions_refuses_empty_unknown_or_bad_categories(ws: Workspace) -> None:
    assert_refused(ws, "column 'risk_categories': no category given for feedback 'fb-003'",
                   lambda: operations.apply_tag_suggestions(ws, {"fb-001": ["housing"], "fb-003": []}))
    assert_refused(ws, "no feedback item with id 'fb-999' (it may have been deleted)",
                   lambda: operations.apply_tag_suggestions(ws, {"fb-001": ["housing"], "fb-999": ["housing"]}))
    with pytest.raises(InputError, match=r"column 'risk_categories': expected items from: .*, got 'rent'$"):
        operations.apply_tag_suggestions(ws, {"fb-001": ["rent"]})
    assert ws.get("feedback", "fb-001")["risk_categories"] == ["mental_health"]


def _png(size: int = 4) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (size, size), "#1d4e43").save(buffer, format="PNG")
    return buffer.getvalue()


def test_set_logo(ws: Workspace) -> None:
    uri = operations.set_logo(ws, _png(), "png")
    assert uri.startswith("data:image/png;base64,") and ws.community["logo"] == uri
    change = assert_one_change(ws, "plan logo", [("update", "community", "community")])
    assert after(change, "community")["logo"] == uri and before_image(change, "community")["logo"] is None


def test_set_logo_refuses_svg_a_wrong_kind_and_a_large_image(ws: Workspace) -> None:
    assert_refused(ws, "column 'logo': The logo must be a PNG or JPEG image (SVG can carry scripts).",
                   lambda: operations.set_logo(ws, b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'))
    assert_refused(ws, "column 'logo': The logo was said to be 'jpeg' but its content is PNG.",
                   lambda: operations.set_logo(ws, _png(), "jpeg"))
    big = _png() + b"\0" * identity.LOGO_LIMIT
    assert_refused(ws, f"column 'logo': The logo is {len(big) // 1000} KB; keep it under 300 KB.",
                   lambda: operations.set_logo(ws, big))


# -- risk -----------------------------------------------------------------------------------------------------


def test_add_risk(ws: Workspace) -> None:
    risk_id = operations.add_risk(ws, "Youth vaping", category="drugs", description="Vapes sold near schools")
    assert ws.get("risks", risk_id)["category"] == "drugs"
    assert_one_change(ws, "add risk", [("insert", "risks", risk_id)])
    own = operations.add_risk(ws, "Noise downtown", category="Night-time noise")  # the community's own category
    assert ws.get("risks", own)["category"] == "Night-time noise"


def test_add_risk_refuses_a_blank_name(ws: Workspace) -> None:
    assert_refused(ws, "column 'name': a value is required", lambda: operations.add_risk(ws, "  ", category="drugs"))


def test_save_risk_answers(ws: Workspace) -> None:
    changed = operations.save_risk_answers(ws, "risk-ipv", {
        "raised_by": "Shelter staff, at the focus session", "current_approach": ["incident_response", "coping_supports"],
        "evidence": None,
    })
    record = ws.get("risks", "risk-ipv")
    assert record["raised_by"] == "Shelter staff, at the focus session"
    assert record["current_approach"] == ["incident_response", "coping_supports"]
    assert "raised_by" in changed and "current_approach" in changed
    change = assert_one_change(ws, "risk answers", [("update", "risks", "risk-ipv")])
    assert after(change, "risk-ipv")["raised_by"] == "Shelter staff, at the focus session"


def test_save_risk_answers_refuses_an_unknown_question_risk_or_approach(ws: Workspace) -> None:
    assert_refused(ws, "column 'priority': 'priority' is not one of a risk's answers; expected one of: "
                   + ", ".join(operations.RISK_ANSWER_COLUMNS),
                   lambda: operations.save_risk_answers(ws, "risk-ipv", {"raised_by": "x", "priority": True}))
    assert_refused(ws, "no risk with id 'risk-none' (it may have been deleted)",
                   lambda: operations.save_risk_answers(ws, "risk-none", {"raised_by": "x"}))
    assert_refused(ws, "column 'current_approach': expected items from: incident_response, rapid_intervention, "
                   "changing_underlying_circumstances, coping_supports, got 'hope'",
                   lambda: operations.save_risk_answers(ws, "risk-ipv", {"raised_by": "x", "current_approach": ["hope"]}))
    assert_refused(ws, "no answer given", lambda: operations.save_risk_answers(ws, "risk-ipv", {}))


def test_save_weights(ws: Workspace) -> None:
    changed = operations.save_weights(ws, {"crit-severity": 1, "crit-trend": 0, "crit-magnitude": 0.25})
    assert changed == ["crit-severity", "crit-trend"]  # magnitude was already 0.25
    weights = ws.table("criteria").set_index("id")["weight"].to_dict()
    assert weights["crit-severity"] == 1.0 and weights["crit-trend"] == 0.0 and weights["crit-concern"] == 0.2
    change = assert_one_change(ws, "prioritization weights",
                               [("update", "criteria", "crit-severity"), ("update", "criteria", "crit-trend")])
    assert (before_image(change, "crit-trend")["weight"], after(change, "crit-trend")["weight"]) == (0.15, 0.0)
    # all zero is allowed: the criteria then count equally
    operations.save_weights(ws, dict.fromkeys(weights, 0))
    assert set(ws.table("criteria")["weight"]) == {0.0}


def test_save_weights_refuses_negative_unknown_or_non_numbers(ws: Workspace) -> None:
    assert_refused(ws, "column 'weight': the weight of 'crit-severity' must be a number of 0 or more, got '-1'"
                   " (and 1 more problem)",
                   lambda: operations.save_weights(ws, {"crit-trend": 2, "crit-severity": -1, "crit-cost": 1}))
    assert_refused(ws, "column 'weight': no criterion with id 'crit-cost'",
                   lambda: operations.save_weights(ws, {"crit-cost": 1}))
    assert_refused(ws, "column 'weight': the weight of 'crit-trend' must be a number, got 'high'",
                   lambda: operations.save_weights(ws, {"crit-trend": "high"}))  # type: ignore[dict-item]
    assert_refused(ws, "column 'weight': the weight of 'crit-trend' must be a number of 0 or more, got 'nan'",
                   lambda: operations.save_weights(ws, {"crit-trend": float("nan")}))


# -- assets ---------------------------------------------------------------------------------------------------


def test_set_coordinates(ws: Workspace) -> None:
    first = ws.add("assets", name="Drop-in centre", address="12 Main St", location_kind="site")
    second = ws.add("assets", name="Food bank depot")
    changed = operations.set_coordinates(ws, {first: ("44.01", "-80.79"), second: (44.02, -80.8)})
    assert changed == [first, second]
    assert (ws.get("assets", first)["latitude"], ws.get("assets", second)["longitude"]) == (44.01, -80.8)
    change = assert_one_change(ws, "asset coordinates", [("update", "assets", first), ("update", "assets", second)])
    assert after(change, first)["latitude"] == 44.01
    assert operations.set_coordinates(ws, {}) == []


def test_set_coordinates_is_all_or_nothing_and_names_every_problem(ws: Workspace) -> None:
    first = ws.add("assets", name="Drop-in centre", location_kind="site")
    second = ws.add("assets", name="Food bank depot")
    third = ws.add("assets", name="Library")
    with pytest.raises(InputError) as refused:
        operations.set_coordinates(ws, {first: ("44.01", "-80.79"), second: ("95", "-80.8"), third: ("44.0", " ")})
    assert [p.message for p in refused.value.problems] == ["Food bank depot: latitude: expected a number at least -90 and at most 90, got '95'",
                        "Library: enter both the latitude and the longitude"]
    assert ws.get("assets", first)["latitude"] is None  # the good row was not written either
    assert_refused(ws, "Food bank depot: latitude: expected a number at least -90 and at most 90, got '95'"
                   " (and 1 more problem)",
                   lambda: operations.set_coordinates(ws, {first: ("44.01", "-80.79"), second: ("95", "-80.8"),
                                                           third: ("44.0", None)}))
    assert_refused(ws, "no asset with id 'asset-gone' (it may have been deleted)",
                   lambda: operations.set_coordinates(ws, {"asset-gone": (44.0, -80.0)}))


# -- evaluation -----------------------------------------------------------------------------------------------


def test_adopt_assets_as_strategies_never_twice(ws: Workspace) -> None:
    candidates = evaluation.adoptable_assets(all_tables(ws))
    chosen = candidates[(candidates["risk_id"] == "risk-mha") & (candidates["planning_areas"].map(len) == 2)].iloc[0]
    first_area, second_area = chosen["planning_areas"]
    asset = ws.get("assets", chosen["asset_id"])
    ws.add("strategies", **evaluation.strategy_from_asset(asset, "risk-mha", first_area))  # adopted a moment ago
    before = ws.count("strategies")
    created = operations.adopt_assets_as_strategies(ws, [chosen.to_dict()])
    assert len(created) == 1 and ws.count("strategies") == before + 1
    strategy = ws.get("strategies", created[0])
    assert (strategy["name"], strategy["asset_id"], strategy["risk_id"], strategy["planning_area"]) == (
        asset["name"], asset["id"], "risk-mha", second_area)
    change = assert_one_change(ws, f"adopt asset {asset['name']} as strategy", [("insert", "strategies", created[0])])
    assert after(change, created[0])["description"] == strategy["description"]
    assert operations.adopt_assets_as_strategies(ws, [chosen.to_dict()]) == []  # all adopted: nothing added
    # a frame of several assets is one change
    several = evaluation.adoptable_assets(all_tables(ws))
    several = several[several["planning_areas"].map(len) > 0].head(2)
    created = operations.adopt_assets_as_strategies(ws, several)
    assert len(created) == sum(len(a) for a in several["planning_areas"])
    assert_one_change(ws, "adopt 2 assets as strategies", [("insert", "strategies", i) for i in created])


def test_adopt_assets_as_strategies_refuses_missing_areas_assets_and_risks(ws: Workspace) -> None:
    row = {"asset_id": "asset-mobile-crisis", "risk_id": "risk-youth", "planning_areas": []}
    assert_refused(ws, "row 1, column 'planning_areas': choose at least one planning area",
                   lambda: operations.adopt_assets_as_strategies(ws, [row]))
    assert_refused(ws, "no asset with id 'asset-gone' (it may have been deleted)",
                   lambda: operations.adopt_assets_as_strategies(ws, [{**row, "asset_id": "asset-gone",
                                                                       "planning_area": "prevention"}]))
    assert_refused(ws, "no risk with id 'risk-gone' (it may have been deleted)",
                   lambda: operations.adopt_assets_as_strategies(ws, [{**row, "risk_id": "risk-gone",
                                                                       "planning_areas": ["prevention"]}]))
    assert_refused(ws, "column 'planning_area': expected one of: social_development, prevention, risk_intervention, "
                   "incident_response, got 'hope'",
                   lambda: operations.adopt_assets_as_strategies(ws, [{**row, "planning_areas": ["hope"]}]))


def test_build_a_logic_model_with_plain_functions(ws: Workspace) -> None:
    model_id = operations.create_logic_model(ws, "risk-ipv", "Women leaving violent homes", name="Safe homes")
    assert ws.get("logic_models", model_id)["name"] == "Safe homes"
    assert_one_change(ws, "create logic model", [("insert", "logic_models", model_id)])
    activity = operations.add_logic_model_item(ws, model_id, "activities", "Safety planning",
                                               planning_area="risk_intervention", responsible="Shelter")
    outcome = operations.add_logic_model_item(ws, model_id, "immediate", "Women know where to turn")
    assert ws.get("logic_model_items", activity)["planning_area"] == "risk_intervention"
    assert_one_change(ws, "add logic model item", [("insert", "logic_model_items", outcome)])
    assert operations.link_logic_model_items(ws, activity, outcome)
    change = assert_one_change(ws, "link logic model items", [("update", "logic_model_items", activity)])
    assert after(change, activity)["leads_to"] == json.dumps([outcome])
    seen = ws.last_change()
    assert not operations.link_logic_model_items(ws, activity, outcome)  # already linked: nothing written
    assert ws.last_change() == seen
    assert operations.unlink_logic_model_items(ws, activity, outcome)
    change = assert_one_change(ws, "unlink logic model items", [("update", "logic_model_items", activity)])
    assert ws.get("logic_model_items", activity)["leads_to"] == [] and after(change, activity)["leads_to"] is None
    assert not operations.unlink_logic_model_items(ws, activity, outcome)
    # a measure for the new outcome, named after it
    measure = operations.start_measure(ws, outcome)
    assert ws.get("measures", measure)["expected_outcome"] == "Women know where to turn"
    assert_one_change(ws, "start measure", [("insert", "measures", measure)])


def test_logic_model_operations_refuse_bad_input(ws: Workspace) -> None:
    assert_refused(ws, "column 'target_group': a value is required",
                   lambda: operations.create_logic_model(ws, "risk-ipv", "  "))
    assert_refused(ws, "column 'risk_id': expected the id of an existing risks record, got 'risk-gone'",
                   lambda: operations.create_logic_model(ws, "risk-gone", "Renters"))
    assert_refused(ws, "no logic model with id 'lm-gone' (it may have been deleted)",
                   lambda: operations.add_logic_model_item(ws, "lm-gone", "inputs", "Staff"))
    assert_refused(ws, "column 'text': a value is required",
                   lambda: operations.add_logic_model_item(ws, "lm-mha", "inputs", "  "))
    assert_refused(ws, "column 'leads_to': an item cannot lead to itself",
                   lambda: operations.link_logic_model_items(ws, "li-mha-in1", "li-mha-in1"))
    assert_refused(ws, "column 'leads_to': the two items belong to different logic models",
                   lambda: operations.link_logic_model_items(ws, "li-mha-in1", "li-hou-im2"))
    assert_refused(ws, "no logic-model item with id 'li-gone' (it may have been deleted)",
                   lambda: operations.unlink_logic_model_items(ws, "li-mha-in1", "li-gone"))


def test_start_measure_refuses_a_measured_outcome_or_an_activity(ws: Workspace) -> None:
    measure = operations.start_measure(ws, "li-hou-im2")
    text = ws.get("logic_model_items", "li-hou-im2")["text"]
    assert ws.get("measures", measure)["outcome_id"] == "li-hou-im2"
    assert_refused(ws, f"column 'outcome_id': the outcome '{text}' already has a measure",
                   lambda: operations.start_measure(ws, "li-hou-im2"))
    activity = ws.get("logic_model_items", "li-mha-ac1")["text"]
    assert_refused(ws, f"column 'outcome_id': '{activity}' is not an outcome (it is one of the activities): "
                   "measures are for immediate, intermediate and long-term outcomes",
                   lambda: operations.start_measure(ws, "li-mha-ac1"))


# -- implementation -------------------------------------------------------------------------------------------


def test_record_progress_update_moves_the_action_only_when_newest(ws: Workspace) -> None:
    updates = ws.table("action_updates")
    newest = max(updates.loc[updates["action_id"] == "act-03", "date"]).date()
    recorded = operations.record_progress_update(ws, "act-03", newest + dt.timedelta(days=10), status="in_progress",
                                                 percent="75", note="Legal review finished")
    assert recorded.is_newest
    action = ws.get("actions", "act-03")
    assert (action["status"], action["percent_complete"]) == ("in_progress", 75)
    assert ws.get("action_updates", recorded.update_id)["note"] == "Legal review finished"
    change = assert_one_change(ws, "progress update", [("insert", "action_updates", recorded.update_id),
                                                       ("update", "actions", "act-03")])
    assert (before_image(change, "act-03")["status"], after(change, "act-03")["status"]) == ("delayed", "in_progress")
    # an older update is kept but leaves the action as it is
    older = operations.record_progress_update(ws, "act-03", (newest - dt.timedelta(days=30)).isoformat(),
                                              status="delayed", percent=55)
    assert not older.is_newest and ws.get("actions", "act-03")["status"] == "in_progress"
    assert_one_change(ws, "progress update", [("insert", "action_updates", older.update_id)])


def test_record_progress_update_refuses_bad_values_whole(ws: Workspace) -> None:
    day = dt.date(2030, 1, 1)
    assert_refused(ws, "column 'percent_complete': expected a whole number at least 0 and at most 100, got '150'",
                   lambda: operations.record_progress_update(ws, "act-03", day, status="completed", percent="150"))
    assert_refused(ws, "no action with id 'act-gone' (it may have been deleted)",
                   lambda: operations.record_progress_update(ws, "act-gone", day, status="completed"))
    assert_refused(ws, "column 'date': expected a date as YYYY-MM-DD, got 'yesterday'",
                   lambda: operations.record_progress_update(ws, "act-03", "yesterday"))
    assert_refused(ws, "column 'date': a value is required",
                   lambda: operations.record_progress_update(ws, "act-03", None))  # type: ignore[arg-type]


# -- the rules behind them, on plain frames -------------------------------------------------------------------


def test_weight_problems() -> None:
    assert prioritization.weight_problems({"a": 0, "b": 2.5}, ["a", "b"]) == []
    assert prioritization.weight_problems({"a": -0.1, "c": 1, "b": None}, ["a", "b"]) == [
        "the weight of 'a' must be a number of 0 or more, got '-0.1'", "no criterion with id 'c'",
        "the weight of 'b' must be a number, got 'None'"]


def test_strategies_to_adopt_skips_what_exists() -> None:
    asset = {"id": "as1", "name": "Drop-in", "purpose": "Meals"}
    strategies = pd.DataFrame({"asset_id": ["as1", "as1"], "risk_id": ["r1", "r2"], "planning_area": ["prevention"] * 2})
    records = evaluation.strategies_to_adopt(strategies, asset, "r1", ["prevention", "social_development", "prevention"])
    assert records == [evaluation.strategy_from_asset(asset, "r1", "social_development")]
    assert len(evaluation.strategies_to_adopt(pd.DataFrame(), asset, "r1", ["prevention"])) == 1


def test_terms_of_reference_changes() -> None:
    stored = pd.DataFrame({"id": ["t1", "t2", "t3"], "group_id": ["g", "g", None],
                           "section": ["membership", "goals_purpose", "membership"], "text": ["A", "B", "C"]})
    changes = commitment.terms_of_reference_changes(stored, "g", {"membership": " A ", "goals_purpose": "",
                                                                   "background_context": "New"})
    assert changes == commitment.TermsChanges({"background_context": "New"}, {}, ["t2"])
    assert commitment.terms_of_reference_changes(stored, None, {"membership": "D"}).change == {"t3": "D"}


def test_action_changes_from_update() -> None:
    tables = {"action_updates": pd.DataFrame({"action_id": ["a"], "date": [pd.Timestamp("2025-03-01")]})}
    assert implementation.action_changes_from_update(tables, "a", dt.date(2025, 3, 1), status="completed",
                                                     percent=" ") == {"status": "completed"}
    assert implementation.action_changes_from_update(tables, "a", dt.date(2025, 2, 1), status="completed", percent=9) == {}
    assert implementation.action_changes_from_update({}, "b", dt.date(2025, 2, 1), status=None, percent=9) == {
        "percent_complete": 9}


def test_logo_problem() -> None:
    png = _png()
    assert identity.logo_problem(png) is None and identity.logo_problem(png, "image/png") is None
    assert identity.logo_problem(b"\xff\xd8\xff" + b"\0" * 10, "jpg") is None
    assert identity.logo_problem(b"GIF89a") == "The logo must be a PNG or JPEG image (SVG can carry scripts)."
    assert identity.logo_data_uri(png).startswith("data:image/png;base64,")
