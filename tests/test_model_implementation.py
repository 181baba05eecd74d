"""Implementation model functions and plan readiness, on small hand-built tables with hand-worked answers."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from cswb_widgets.framework import load_catalogue
from cswb_widgets.model import implementation, readiness
from cswb_widgets.model.implementation import NO_TEAM

D = dt.date


def community(**dates: object) -> pd.DataFrame:
    row = {"id": "community", "name": "Test Town", "kind": "municipality", "adoption_date": None,
           "publication_date": None, "next_review_date": None, "council_term_end": None, "budget_date": None}
    return pd.DataFrame([{**row, **{k: pd.Timestamp(v) if v else None for k, v in dates.items()}}])


def frame(rows: list[dict[str, object]], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns)


MILESTONE_COLUMNS = ["id", "title", "kind", "due", "done", "action_id"]
ACTION_COLUMNS = ["id", "title", "description", "lead_organization_id", "partners", "planning_area", "risk_id",
                  "strategy_id", "team_id", "start", "end", "status", "percent_complete", "resources"]


def action(id: str, **fields: object) -> dict[str, object]:
    return {"id": id, "title": f"Action {id}", "partners": [], **fields}


# -- the plan cycle ----------------------------------------------------------------------------------


def test_publication_is_due_30_days_and_review_four_years_after_adoption() -> None:
    assert implementation.publication_due(D(2024, 5, 28)) == D(2024, 6, 27)
    assert implementation.publication_due(D(2024, 12, 15)) == D(2025, 1, 14)
    assert implementation.review_due(D(2024, 5, 28)) == D(2028, 5, 28)
    assert implementation.review_due(D(2020, 2, 29)) == D(2024, 2, 29)


def test_publication_before_on_and_after_its_deadline() -> None:
    tables = {"community": community(adoption_date="2024-05-28")}
    waiting = implementation.plan_cycle(tables, D(2024, 6, 20))
    assert waiting.publication_due == D(2024, 6, 27) and waiting.review_due == D(2028, 5, 28)
    assert "Publish the plan online by 2024-06-27 (7 days left)." in waiting.notes
    on_the_day = implementation.plan_cycle(tables, D(2024, 6, 27))
    assert not any(n.startswith("Overdue") for n in on_the_day.notes)
    late = implementation.plan_cycle(tables, D(2024, 7, 1))
    assert late.notes[0].startswith("Overdue: the plan had to be published online by 2024-06-27")
    published_late = implementation.plan_cycle({"community": community(adoption_date="2024-05-28",
                                                                       publication_date="2024-07-02")}, D(2024, 8, 1))
    assert "Published on 2024-07-02, 5 days after the 30-day deadline (2024-06-27)." in published_late.notes


def test_the_review_is_lined_up_with_the_council_term_and_the_budget() -> None:
    # Review due 2028-05-28, after the term ends; the budget after the election is the new council's first.
    tables = {"community": community(adoption_date="2024-05-28", publication_date="2024-06-12",
                                     council_term_end="2026-11-14", budget_date="2027-02-09")}
    cycle = implementation.plan_cycle(tables, D(2025, 1, 1))
    assert cycle.review_date == D(2028, 5, 28) and cycle.planned_review is None
    assert "The review is due by 2028-05-28: enter the date it is planned for." in cycle.notes
    term = next(n for n in cycle.notes if "council term" in n)
    assert term.startswith("The review falls after the council term ends (2026-11-14): plan it for the new council's "
                           "first budget (2027-02-09 or the next one after the election)")
    assert any(n.startswith("The next budget (2027-02-09) comes before the review") for n in cycle.notes)
    # A review planned inside the term, before the budget.
    within = {"community": community(adoption_date="2024-05-28", publication_date="2024-06-12",
                                     next_review_date="2026-06-01", council_term_end="2026-11-14",
                                     budget_date="2026-12-01")}
    notes = implementation.plan_cycle(within, D(2025, 1, 1)).notes
    assert "Review planned for 2026-06-01 (due by 2028-05-28)." in notes
    assert any(n.startswith("The review falls within the current council term (ends 2026-11-14)") for n in notes)
    assert any(n.startswith("The review (2026-06-01) comes before the next budget (2026-12-01)") for n in notes)
    # Planned later than the law allows; past dates asked for again.
    too_late = {"community": community(adoption_date="2024-05-28", next_review_date="2028-09-01",
                                       council_term_end="2024-11-14", budget_date="2024-12-01")}
    notes = implementation.plan_cycle(too_late, D(2025, 1, 1)).notes
    assert "The planned review (2028-09-01) is later than the deadline: review the plan by 2028-05-28." in notes
    assert any("has passed: enter the current term's end" in n for n in notes)
    assert any("The budget date entered (2024-12-01) has passed" in n for n in notes)


def test_without_an_adoption_date_the_cycle_asks_for_it() -> None:
    cycle = implementation.plan_cycle({"community": community()}, D(2025, 1, 1))
    assert cycle.publication_due is None and cycle.review_due is None
    assert cycle.notes == ("Enter the date council adopted the plan: the publication and review deadlines follow from it.",)


# -- overdue ---------------------------------------------------------------------------------------


def test_overdue_items_with_a_fixed_today() -> None:
    today = D(2025, 1, 15)
    tables = {
        "community": community(adoption_date="2024-11-01"),  # publication due 2024-12-01, not recorded
        "milestones": frame([
            {"id": "m1", "title": "Progress report 1", "kind": "progress_report", "due": pd.Timestamp("2025-01-10")},
            {"id": "m2", "title": "Due today", "kind": "council_update", "due": pd.Timestamp("2025-01-15")},
            {"id": "m3", "title": "Done late", "kind": "other", "due": pd.Timestamp("2024-12-01"),
             "done": pd.Timestamp("2024-12-20")},
            {"id": "m4", "title": "No due date", "kind": "other"},
        ], MILESTONE_COLUMNS),
        "actions": frame([
            action("a1", end=pd.Timestamp("2024-12-31"), status="in_progress", percent_complete=70),
            action("a2", end=pd.Timestamp("2024-12-31"), status="completed"),
            action("a3", end=pd.Timestamp("2024-12-31"), status="cancelled"),
            action("a4", end=pd.Timestamp("2025-02-01"), status="delayed"),
            action("a5", end=pd.Timestamp("2024-11-30")),
        ], ACTION_COLUMNS),
    }
    items = implementation.overdue_items(tables, today)
    assert items["title"].tolist() == ["Action a5", "Publish the plan online", "Action a1", "Progress report 1"]
    assert items["days_overdue"].tolist() == [46, 45, 15, 5]
    assert items["kind"].tolist() == ["Action", "Plan", "Action", "Progress report"]
    assert items.loc[2, "detail"] == "In progress, 70% complete" and items.loc[0, "detail"] == "no status"
    # Four years on, the review is overdue too (2028-11-01); the publication still is.
    later = implementation.overdue_items({"community": community(adoption_date="2024-11-01")}, D(2028, 11, 2))
    assert later["title"].tolist() == ["Publish the plan online", "Review the plan"]
    assert later["days_overdue"].tolist()[-1] == 1


# -- actions, timeline, reporting lines ---------------------------------------------------------------


def test_action_rows_name_organizations_risks_and_statuses() -> None:
    tables = {
        "actions": frame([action("a1", lead_organization_id="o1", partners=["o2", "o1"], planning_area="prevention",
                                 risk_id="r1", team_id="g1", start=pd.Timestamp("2025-01-01"), status="delayed",
                                 percent_complete=30)], ACTION_COLUMNS),
        "organizations": pd.DataFrame({"id": ["o1", "o2"], "name": ["Library", "Health unit"]}),
        "risks": pd.DataFrame({"id": ["r1"], "name": ["Housing"], "priority": [True]}),
        "groups": pd.DataFrame({"id": ["g1"], "name": ["Housing table"]}),
    }
    row = implementation.action_rows(tables).iloc[0]
    assert (row["lead"], row["partners"], row["planning_area"], row["risk"], row["team"], row["status"]) == (
        "Library", "Health unit; Library", "Prevention", "Housing", "Housing table", "Delayed")
    assert row["start"] == D(2025, 1, 1) and row["end"] is None and row["percent_complete"] == 30


def test_timeline_rows_put_priority_risks_first_then_planning_areas_in_catalogue_order() -> None:
    tables = {
        "actions": frame([
            action("late", planning_area="prevention", risk_id="r2"),
            action("none", planning_area="prevention"),
            action("b", planning_area="prevention", risk_id="r1"),
            action("a", planning_area="social_development", risk_id="r1"),
        ], ACTION_COLUMNS),
        "risks": pd.DataFrame({"id": ["r1", "r2"], "name": ["Youth", "Arson"], "priority": [True, False]}),
    }
    tasks = implementation.gantt_tasks(tables)
    assert tasks["title"].tolist() == ["Action a", "Action b", "Action late", "Action none"]
    assert tasks["group"].tolist() == ["Social development", "Prevention", "Prevention", "Prevention"]
    assert tasks["risk"].tolist()[-1] == "No risk named"
    assert implementation.planning_area_order()[:2] == ["Social development", "Prevention"]


def test_reporting_lines_from_the_councils_down_to_the_actions() -> None:
    tables = {
        "member_communities": pd.DataFrame({
            "id": ["m1", "m2", "m3"], "name": ["County", "Town", "Neighbour"],
            "council": ["County Council", None, "Neighbour Council"], "partner": [False, False, True]}),
        "groups": pd.DataFrame({
            "id": ["adv", "t1", "sub", "loose", "x", "y"],
            "name": ["Committee", "Team 1", "Working group", "Unattached team", "Cycle X", "Cycle Y"],
            "kind": ["advisory_committee", "implementation_team", "implementation_team", "implementation_team",
                     "implementation_team", "implementation_team"],
            "reports_to": [None, "adv", "t1", None, "y", "x"]}),
        "actions": frame([action("a1", team_id="sub", status="in_progress"), action("a2", team_id="t1"),
                          action("a3")], ACTION_COLUMNS),
    }
    nodes = {n.id: n for n in implementation.reporting_lines(tables)}
    assert [n.label for n in nodes.values() if n.kind == "council"] == ["County Council", "Town council"]
    assert nodes["adv"].reports_to == ("council:m1", "council:m2") and nodes["adv"].level == 1
    assert (nodes["t1"].reports_to, nodes["t1"].level) == (("adv",), 2)
    assert (nodes["sub"].reports_to, nodes["sub"].level) == (("t1",), 3)
    assert nodes["loose"].reports_to == () and nodes["loose"].level == 1
    assert {nodes["x"].level, nodes["y"].level} <= {1, 2, 3}  # a reporting cycle is drawn, not followed forever
    assert nodes["a1"].reports_to == ("sub",) and nodes["a1"].detail == "In progress"
    assert nodes["a3"].reports_to == (NO_TEAM,) and nodes[NO_TEAM].label == "No team named"
    assert {nodes[a].level for a in ("a1", "a2", "a3")} == {4}  # every action in the last column
    order = list(nodes)
    assert order.index("adv") < order.index("t1") < order.index("sub") < order.index("loose")


def test_a_single_community_without_member_rows_reports_to_its_own_council() -> None:
    first_nation = community().assign(name="Whitebirch", kind="first_nation")
    nodes = implementation.reporting_lines({"community": first_nation})
    assert [(n.label, n.kind) for n in nodes] == [("Whitebirch Chief and Council", "council")]


# -- progress -------------------------------------------------------------------------------------------

UPDATE_COLUMNS = ["id", "action_id", "date", "status", "percent_complete", "note"]


def updates_tables() -> dict[str, pd.DataFrame]:
    return {
        "actions": frame([action("x", title="Outreach"), action("y", title="Mediation")], ACTION_COLUMNS),
        "action_updates": frame([
            {"id": "u3", "action_id": "x", "date": pd.Timestamp("2024-05-01"), "status": "delayed", "percent_complete": 50},
            {"id": "u1", "action_id": "x", "date": pd.Timestamp("2024-01-10"), "status": "in_progress", "percent_complete": 10},
            {"id": "u2", "action_id": "x", "date": pd.Timestamp("2024-03-01"), "status": "in_progress", "percent_complete": 40},
            {"id": "u4", "action_id": "y", "date": pd.Timestamp("2024-04-01"), "status": "completed", "percent_complete": 100},
            {"id": "u5", "action_id": "y", "date": pd.Timestamp("2024-07-15"), "note": "after today"},
        ], UPDATE_COLUMNS),
        "measures": pd.DataFrame({"id": ["pm"], "expected_outcome": ["Fewer evictions"], "indicator": ["Evictions"],
                                  "target": [5.0]}),
        "measurements": pd.DataFrame({"id": ["v1", "v2"], "measure_id": ["pm", "pm"],
                                      "date": [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-03-31")], "value": [10.0, 12.0]}),
        "milestones": frame([
            {"id": "p1", "title": "Report 1", "kind": "progress_report", "done": pd.Timestamp("2024-02-15")},
            {"id": "p2", "title": "Report 2", "kind": "progress_report", "done": pd.Timestamp("2024-08-01")},
            {"id": "f", "title": "Final", "kind": "final_report", "done": pd.Timestamp("2024-05-01")},
            {"id": "c", "title": "Council", "kind": "council_update", "done": pd.Timestamp("2024-06-01"),
             "due": pd.Timestamp("2024-05-20")},
        ], MILESTONE_COLUMNS),
    }


def test_what_changed_since_the_last_progress_report() -> None:
    tables = updates_tables()
    today = D(2024, 6, 30)
    since = implementation.last_progress_report(tables, today)
    assert since == D(2024, 2, 15)  # report 2 is after today; a final report is not a progress report
    changes = implementation.changes_since(tables, since, today)
    assert changes.updates["date"].tolist() == [D(2024, 3, 1), D(2024, 4, 1), D(2024, 5, 1)]
    # x: in progress -> in progress is no change; in progress -> delayed is; y's first update changes from not started
    assert changes.status_changes[["action", "from_status", "to_status"]].values.tolist() == [
        ["Mediation", "Not started", "Completed"], ["Outreach", "In progress", "Delayed"]]
    assert changes.measurements[["indicator", "value", "previous", "target"]].values.tolist() == [["Evictions", 12.0, 10.0, 5.0]]
    assert changes.milestones_done["title"].tolist() == ["Final", "Council"]
    assert not changes.empty
    assert implementation.changes_since(tables, D(2024, 6, 1), today).empty


def test_the_latest_update_per_action_and_whether_a_new_one_is_the_newest() -> None:
    tables = updates_tables()
    latest = implementation.latest_updates(tables).set_index("action_id")
    assert latest.at["x", "id"] == "u3" and latest.at["y", "id"] == "u5"
    assert implementation.is_latest_update(tables, "x", D(2024, 5, 1))
    assert not implementation.is_latest_update(tables, "x", D(2024, 4, 30))
    assert implementation.is_latest_update(tables, "new-action", D(2000, 1, 1))


def test_indicator_progress_against_baseline_and_target() -> None:
    measures = pd.DataFrame({
        "id": ["up", "down", "away", "none", "untargeted"],
        "expected_outcome": ["Clinician attends", "Fewer apprehensions", "Follow-up", "Trust", "Awareness"],
        "indicator": ["Share attended", "Apprehensions", "Follow-ups", "Trust score", "Aware"],
        "unit": ["%", "n", "%", "", ""], "baseline": [38.0, 612.0, 22.0, 3.0, 1.0],
        "target": [70.0, 450.0, 80.0, 4.0, None], "target_year": [2026, 2027, 2026, None, None],
        "higher_is_better": [True, False, None, True, True],
    })
    measurements = pd.DataFrame({
        "id": ["1", "2", "3", "4", "5"], "measure_id": ["up", "up", "down", "away", "untargeted"],
        # the latest by date counts, not the last row
        "date": pd.to_datetime(["2025-06-30", "2024-12-31", "2025-06-30", "2025-06-30", "2025-01-01"]),
        "value": [52.0, 41.0, 400.0, 20.0, 2.0],
    })
    progress = implementation.indicator_progress({"measures": measures, "measurements": measurements}).set_index("measure_id")
    assert progress.at["up", "latest"] == 52.0 and progress.at["up", "latest_date"] == D(2025, 6, 30)
    assert progress.at["up", "share_of_way"] == pytest.approx((52 - 38) / (70 - 38))
    assert progress.at["up", "status"] == "Improving: 44% of the way from baseline to target"
    assert progress.at["down", "share_of_way"] == pytest.approx(212 / 162) and progress.at["down", "status"] == "Target reached"
    assert progress.at["away", "status"] == "Moved away from the target since the baseline"
    assert progress.at["none", "status"] == "No measurement yet"
    assert progress.at["untargeted", "status"] == "No target set"


# -- plan readiness -------------------------------------------------------------------------------------


def strategy_tables(*, measured_target: float | None) -> dict[str, pd.DataFrame]:
    return {
        "risks": pd.DataFrame({"id": ["r1", "r2", "r3"], "name": ["Housing", "Youth", "Arson"],
                               "priority": [True, True, False], "evidence": ["x", "y", None]}),
        "strategies": pd.DataFrame({
            "id": ["s1", "s2", "s3", "s4"], "risk_id": ["r1", "r1", "r1", "r2"],
            "planning_area": ["social_development", "prevention", "risk_intervention", "prevention"]}),
        "logic_models": pd.DataFrame({"id": ["lm1", "lm2"], "risk_id": ["r1", "r2"]}),
        "logic_model_items": pd.DataFrame({"id": ["o1", "act2", "o2"], "logic_model_id": ["lm1", "lm2", "lm2"],
                                           "level": ["intermediate", "activities", "immediate"]}),
        "measures": pd.DataFrame({"id": ["pm1", "pm2"], "outcome_id": ["o1", "o2"], "expected_outcome": ["A", "B"],
                                  "indicator": ["Evictions", "Attendance"], "target": [measured_target, None]}),
    }


def test_each_priority_needs_strategies_in_the_three_emphasis_areas_and_a_measurable_outcome() -> None:
    check = readiness.priority_strategies(strategy_tables(measured_target=10.0))
    assert (check.stage, check.done, check.total) == ("evaluation", 1, 2)
    assert check.missing == ("Youth: no strategy in Social development, Risk intervention",
                             "Youth: no outcome with an indicator and a target")
    unmeasured = readiness.priority_strategies(strategy_tables(measured_target=None))
    assert unmeasured.done == 0 and "Housing: no outcome with an indicator and a target" in unmeasured.missing
    assert readiness.priority_strategies({}).missing == ("no priority risk chosen",)


def test_plan_readiness_covers_the_whole_plan_and_names_what_is_missing() -> None:
    checks = readiness.plan_readiness({})
    assert [(c.stage, c.key) for c in checks] == [
        ("commitment", "required_seats"), ("buy_in", "consult_groups"), ("risk", "priority_evidence"),
        ("evaluation", "priority_strategies"), ("evaluation", "measures"), ("implementation", "actions"),
        ("commitment", "council_resolutions"), ("implementation", "plan_dates"),
    ]
    assert not any(c.complete for c in checks)
    catalogue = load_catalogue()
    assert checks[0].missing == tuple(s.name for s in catalogue.seats)  # names, not keys
    assert checks[1].missing == tuple(g.name for g in catalogue.consult_groups)
    assert readiness.seat_coverage({}).missing == tuple(s.key for s in catalogue.seats)  # assess() is unchanged
    assert checks[7].missing == ("adoption date",)
