"""The Implementation workbook in app mode, driven in-process; its report output; readiness on the launcher."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import ipywidgets
import pytest
from sample_workspaces import built

from cswb_widgets.model import implementation, readiness
from cswb_widgets.paths import workbooks_dir
from cswb_widgets.serve.launcher import render_launcher, workspace_cards
from cswb_widgets.store import Workspace
from cswb_widgets.widgets import RecordForm
from cswb_widgets.widgets.implementation import ProgressUpdate
from cswb_widgets.workbooks import ImplementationWorkbook

HOSTILE = "<img src=x onerror=alert(1)>"
ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"
TODAY = dt.date(2026, 1, 1)


@pytest.fixture(scope="module")
def tamarack(sample_sources: dict[str, Path]) -> Path:
    return sample_sources["tamarack-county"]  # read only


def _book(path: Path, mode: str = "app") -> ImplementationWorkbook:
    book = ImplementationWorkbook.open(path, mode)
    book.today = TODAY
    return book


def _part(book: ImplementationWorkbook, name: str):  # returns the built section (its type varies)
    return built(getattr(book, name)())


def test_every_part_is_a_widget_in_apps_and_html_in_reports(maple: Path) -> None:
    parts = ("header", "guidance", "readiness", "actions", "reporting_lines", "milestones", "plan_cycle",
             "overdue", "timeline", "progress", "indicators", "changes")
    app = _book(maple)
    for part in parts:
        assert isinstance(_part(app, part), ipywidgets.Widget), part
    report = _book(maple, "report")
    for part in parts:
        assert "<" in _part(report, part).data, part


def test_add_an_action_with_the_form(maple: Path) -> None:
    book = _book(maple)
    section = _part(book, "actions")
    form = next(c for c in section.children if isinstance(c, RecordForm))
    table = section.children[-1]
    before = book.ws.count("actions")
    form.fields["title"].widget.value = "Tenant rights clinic in Ward 5"
    form.fields["lead_organization_id"].widget.value = "org-city"
    form.fields["planning_area"].widget.value = "prevention"
    form.fields["risk_id"].widget.value = "risk-housing"
    form.fields["team_id"].widget.value = "team-housing"
    form.fields["start"].widget.value = "2026-02-01"  # typed as ISO text, whatever the browser's locale
    form.fields["end"].widget.value = "2026-11-30"
    # The Strategy list offers the chosen risk's strategies only.
    strategies = book.ws.table("strategies")
    offered = {key for _, key in form.fields["strategy_id"].widget.options if key}
    assert offered and offered == set(strategies.loc[strategies["risk_id"] == "risk-housing", "id"])
    assert len(offered) < len(strategies)
    form.fields["status"].widget.value = "not_started"
    action_id = form.save()
    assert action_id and book.ws.count("actions") == before + 1
    stored = book.ws.get("actions", action_id)
    assert (stored["lead_organization_id"], stored["team_id"], str(stored["end"])) == ("org-city", "team-housing", "2026-11-30")
    assert table.row_count == before + 1  # the table next to the form shows it at once
    # the action appears under its team in the diagram, and on the timeline
    assert "Tenant rights clinic in Ward 5" in _part(book, "reporting_lines").view.value
    timeline = _part(book, "timeline")
    timeline.risk.value = "Housing instability and homelessness"
    assert "Tenant rights clinic in Ward 5" in timeline.view.value
    drawn = timeline.view.value
    book.ws.update("milestones", "ms-06", done="2025-12-01")  # not an action: the timeline is not redrawn
    timeline.view.value = "stale"
    timeline.refresh()
    assert timeline.view.value == "stale"
    book.ws.update("actions", action_id, status="in_progress")
    timeline.refresh()
    assert timeline.view.value != "stale" and timeline.view.value != drawn
    # a missing title is refused, and nothing is added
    form.fields["title"].widget.value = ""
    assert form.save() is None and book.ws.count("actions") == before + 1


def test_an_update_sets_the_actions_status_and_percent_in_one_change(maple: Path) -> None:
    book = _book(maple)
    panel = next(c for c in _part(book, "progress").children if isinstance(c, ProgressUpdate))
    panel.action.value = "act-03"
    assert (panel.status.value, panel.percent.value) == ("delayed", "60")  # the action's current state
    updates = book.ws.table("action_updates")
    newest = max(updates.loc[updates["action_id"] == "act-03", "date"]).date()
    before = book.ws.count("action_updates")
    panel.date.date = newest + dt.timedelta(days=10)
    panel.status.value = "in_progress"
    panel.percent.value = "75"
    panel.note.value = "Legal review finished; " + HOSTILE
    assert panel.save()
    action = book.ws.get("actions", "act-03")
    assert (action["status"], action["percent_complete"]) == ("in_progress", 75)
    assert book.ws.count("action_updates") == before + 1
    assert len(set(book.ws.history().tail(2)["change_id"])) == 1  # update and action: one undoable change
    assert "its current status now follows it" in panel.status_line.value
    # An older update is recorded but does not overwrite the current state.
    panel.action.value = "act-03"
    panel.date.date = newest - dt.timedelta(days=30)
    panel.status.value = "delayed"
    panel.percent.value = "55"
    assert panel.save()
    action = book.ws.get("actions", "act-03")
    assert (action["status"], action["percent_complete"]) == ("in_progress", 75)
    assert "current status is unchanged" in panel.status_line.value
    # A wrong percent is refused whole: no update, no change to the action.
    count = book.ws.count("action_updates")
    panel.action.value = "act-03"
    panel.date.date = newest + dt.timedelta(days=20)
    panel.status.value = "completed"
    panel.percent.value = "150"
    assert not panel.save()
    assert 'role="alert"' in panel.status_line.value and book.ws.count("action_updates") == count
    assert book.ws.get("actions", "act-03")["status"] == "in_progress"
    # the progress table shows the new state; the note is escaped
    view = _part(book, "progress").children[1].view.value
    row = view[view.index("One referral form and consent"):].split("</tbody>")[0]  # the record and its details
    assert "In progress" in row and "75%" in row and ESCAPED in row and HOSTILE not in view


def test_overdue_milestones_and_actions_stand_out_in_words(maple: Path) -> None:
    book = _book(maple)
    # ms-06 was due 2025-11-25 and is not done: 37 days overdue on 2026-01-01; ms-05 (2025-12-31) is 1 day.
    overdue = _part(book, "overdue").view.value
    assert "Overdue by 37 days:</strong> Update to council “Action-table budget requests presented to council”" in overdue
    assert "Overdue by 1 day:</strong> Milestone “Overnight crisis coverage seven nights a week”" in overdue
    milestones = _part(book, "milestones")
    table, status = milestones.children
    assert "Overdue by 37 days" in status.view.value and "Done on 2025-06-24" in status.view.value
    table.handle({"type": "edit", "id": "ms-06", "column": "done", "value": "2025-12-02"})
    assert str(book.ws.get("milestones", "ms-06")["done"]) == "2025-12-02"
    status.refresh()
    assert "Done on 2025-12-02" in status.view.value
    assert "Action-table budget requests" not in _part(book, "overdue").view.value
    # an action past its end date that is not completed: the progress report says so, the plan does not
    report = _book(maple, "report")
    assert "Overdue by 1 day:</strong> Action “Extend the mobile crisis team to overnight hours”" in _part(report, "overdue").data
    assert "Overdue" not in _part(report, "actions").data and "In progress" not in _part(report, "actions").data


def test_plan_dates_entered_in_the_app_drive_the_cycle_advice(maple: Path) -> None:
    book = _book(maple)
    form, view = _part(book, "plan_cycle").children
    assert "Review planned for 2028-03-31 (due by 2028-05-28)." in view.view.value
    form.fields["council_term_end"].widget.value = "2026-11-14"
    form.fields["budget_date"].widget.value = "2027-02-09"
    form.fields["next_review_date"].widget.value = ""
    assert form.save() == "community"
    assert book.ws.community["budget_date"] == dt.date(2027, 2, 9) and book.ws.community["next_review_date"] is None
    view.refresh()
    assert "The review falls after the council term ends (2026-11-14): plan it for the new council&#39;s first budget" in view.view.value
    assert "The review is due by 2028-05-28" in view.view.value


def test_readiness_items_link_to_the_workbook_where_each_is_fixed(maple: Path) -> None:
    book = _book(maple)
    view = _part(book, "readiness")
    html = view.view.value
    items = dict(re.findall(r'<li data-check="([a-z_]+)">(.*?)</li>', html))
    expected = {"required_seats": "commitment", "consult_groups": "buy_in", "priority_evidence": "risk",
                "priority_strategies": "evaluation", "measures": "evaluation", "actions": "implementation",
                "council_resolutions": "commitment", "plan_dates": "implementation"}
    assert set(items) == set(expected)
    for key, stage in expected.items():
        if (workbooks_dir() / f"{stage}.ipynb").exists():
            assert f'href="{stage}.ipynb?workspace=maple-falls"' in items[key], key
    assert "Not yet (2 of 3)" in items["priority_strategies"] and "no strategy in Social development" in items["priority_strategies"]
    assert "Ready:" in items["required_seats"] and "6 of 8" in html
    # fixing the item in the workspace turns it ready
    book.ws.add("strategies", risk_id="risk-mha", planning_area="social_development", name="Supportive housing with care")
    view.refresh()
    fixed = dict(re.findall(r'<li data-check="([a-z_]+)">(.*?)</li>', view.view.value))["priority_strategies"]
    assert "Ready:" in fixed and "7 of 8" in view.view.value


def test_changes_since_the_last_progress_report_or_a_chosen_date(maple: Path) -> None:
    book = _book(maple)
    panel = _part(book, "changes")
    assert panel.since.date == dt.date(2025, 6, 24)  # the first annual progress report, the last one done
    assert "Since the last progress report (2025-06-24)" in panel.view.value
    updates = book.ws.table("action_updates")
    after = int(((updates["date"] > "2025-06-24") & (updates["date"] <= "2026-01-01")).sum())
    assert f"{after} progress updates" in panel.view.value
    panel.since.value = "2025-12-31"  # typed, as ISO
    assert "Since the date chosen (2025-12-31)" in panel.view.value and "0 progress updates" in panel.view.value
    panel.since.value = "12/31/2025"  # any other form is refused in words, nothing computed from a guess
    assert "type it as yyyy-mm-dd" in panel.view.value and 'role="alert"' in panel.view.value


def test_hostile_names_are_escaped_in_the_diagram_the_timeline_and_the_tables(maple: Path) -> None:
    ws = Workspace.open(maple)
    ws.update("actions", "act-01", title=HOSTILE)
    ws.update("groups", "team-mha", name=HOSTILE)
    ws.update("milestones", "ms-05", title=HOSTILE)
    ws.update("member_communities", "mc-maple-falls", council=HOSTILE)
    book = _book(maple, "report")
    for part in ("readiness", "actions", "reporting_lines", "milestones", "overdue", "timeline", "progress", "changes"):
        html = _part(book, part).data
        assert HOSTILE not in html, part
    diagram = _part(book, "reporting_lines").data
    svg = diagram[diagram.index("<svg"):diagram.index("</svg>")]
    assert svg.count(ESCAPED) >= 4  # team and action: drawn and in their tooltips; the council too
    assert 'role="img"' in svg and "<title id=" in svg and "<desc id=" in svg
    assert ESCAPED in diagram[diagram.index("</svg>"):]  # the list that says the same
    charts = re.findall(r"<svg.*?</svg>", _part(book, "timeline").data, flags=re.DOTALL)
    assert len(charts) == 3 and sum(ESCAPED in chart for chart in charts) == 1  # drawn on its risk's chart
    assert ESCAPED in _part(book, "actions").data and ESCAPED in _part(book, "overdue").data


def test_the_joint_plan_reports_to_every_council(tamarack: Path) -> None:
    html = _part(_book(tamarack, "report"), "reporting_lines").data
    svg = html[html.index("<svg"):html.index("</svg>")]
    for council in ("Tamarack County Council", "Elm Hollow Town Council", "Stonebridge Town Council",
                    "Cedar Narrows First Nation Chief and Council"):
        assert council in svg or council[:25] in svg
    assert "Port Alder City Council" not in svg  # a partner community does not adopt the plan
    assert "Councils that adopt the plan:" in html and "reports to the councils" in html
    # four councils, one committee: four arrows from the committee
    committee_arrows = re.findall(r'<path d="M(\d+\.\d) [^"]*" fill="none"', svg)
    councils_x = min(float(x) for x in committee_arrows)
    assert sum(float(x) == councils_x for x in committee_arrows) == 4
    readiness = _part(_book(tamarack, "report"), "readiness").data
    # Stonebridge took part (2023) but has not adopted the plan
    assert "Still missing: Town of Stonebridge: took part; has not adopted the plan." in readiness


def test_the_launcher_shows_plan_readiness_with_links(maple: Path, tmp_path: Path) -> None:
    ws = Workspace.open(maple)
    ws.add("member_communities", name=HOSTILE, kind="municipality", council="Hostile council", partner=False)
    ws.close()
    cards = workspace_cards(tmp_path, {"commitment", "implementation"})
    card = next(c for c in cards if c.slug == "maple-falls")
    # seats ...; the new council has no resolution, so the plan is neither adopted by it nor are its dates complete
    assert len(card.readiness) == 8 and card.ready_count == 4
    resolutions = next(i for i in card.readiness if i.title.startswith("Each council"))
    assert not resolutions.complete and resolutions.href == "voila/render/commitment.ipynb?workspace=maple-falls"
    html = render_launcher(cards)
    assert "Plan readiness: 4 of 8 requirements met" in html
    assert "Fix this in Collaborative commitment" in html and "(Evidence and evaluation workbook not installed)" in html
    assert HOSTILE not in html and ESCAPED in html
    assert 'href="voila/render/implementation.ipynb?workspace=maple-falls"' in html


# -- the analyses a notebook may replace: each hook changes what its parts show, in both modes -------------


def _both(maple: Path) -> tuple[ImplementationWorkbook, ImplementationWorkbook]:
    return _book(maple, "report"), _book(maple)


def test_a_notebooks_own_readiness_check_is_listed(maple: Path) -> None:
    def plan_readiness(tables):  # as a notebook writes it
        checks = readiness.plan_readiness(tables)
        teams = tables["groups"].query("kind == 'implementation_team'")
        checks.append(readiness.Check("commitment", "teams", "At least nine implementation teams", min(len(teams), 9), 9))
        return checks

    report, app = _both(maple)
    for book in (report, app):
        book.plan_readiness = plan_readiness
    teams = int((Workspace.open(maple).table("groups")["kind"] == "implementation_team").sum())
    shown = (_part(report, "readiness").data, _part(app, "readiness").view.value)
    for html in shown:
        assert f"Not yet ({teams} of 9):</span> At least nine implementation teams." in html
        assert "of 9</strong> requirements" in html


def test_a_grace_period_for_overdue_items(maple: Path) -> None:
    def overdue_items(tables, today):
        items = implementation.overdue_items(tables, today)
        return items[items["days_overdue"] > 14]

    report, app = _both(maple)
    before = _part(report, "overdue").data
    assert "Overdue by 1 day:" in before
    for book in (report, app):
        book.overdue_items = overdue_items
    for html in (_part(report, "overdue").data, _part(app, "overdue").view.value):
        assert "Overdue by 1 day:" not in html and "Overdue by 37 days:" in html


@pytest.mark.slow
def test_the_timeline_shows_the_tasks_the_notebook_chooses(maple: Path) -> None:
    def gantt_tasks(tables):
        tasks = implementation.gantt_tasks(tables)
        return tasks[tasks["status"] != "cancelled"]

    cancelled = "Pop-up youth space at the Kingsway plaza"
    report, app = _both(maple)
    assert cancelled in _part(report, "timeline").data
    for book in (report, app):
        book.gantt_tasks = gantt_tasks
    assert cancelled not in _part(report, "timeline").data
    assert cancelled not in _part(report, "priority_timeline").data
    panel = _part(app, "timeline")
    panel.risk.value = "Youth disengagement from school and community"
    assert "Launch a youth situation table" in panel.view.value and cancelled not in panel.view.value


def test_indicator_progress_as_the_notebook_computes_it(maple: Path) -> None:
    def indicator_progress(tables):
        progress = implementation.indicator_progress(tables)
        return progress[progress["target"].notna()]

    untargeted = "Residents who feel safe downtown after dark"
    report, app = _both(maple)
    assert untargeted in _part(report, "indicators").data
    for book in (report, app):
        book.indicator_progress = indicator_progress
    for html in (_part(report, "indicators").data, _part(app, "indicators").view.value):
        assert untargeted not in html and "Four-year secondary graduation rate" in html
