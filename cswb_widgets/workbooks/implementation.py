"""Implementation workbook: actions, who reports to whom, the plan cycle, the timeline, progress, readiness.

`ImplementationWorkbook` holds the parts the notebook shows, one per cell. Report mode builds
static HTML with :mod:`cswb_widgets.render.implementation`; app mode builds the panels of
:mod:`cswb_widgets.widgets.implementation`, imported there only, so a report kernel never loads
ipywidgets. "Today" is the workbook's `today` attribute (the clock when opened), passed to the
model functions, so a report can be dated and tests fixed.

The analyses a notebook may replace are attributes whose default is the model function (see
`__init__`): `plan_readiness`, `overdue_items`, `indicator_progress` and `gantt_tasks`. Every
part that shows one calls the attribute, in reports and in the apps (again after each edit).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pandas as pd
from markupsafe import Markup

from ..i18n import N_, _
from ..model import implementation, readiness
from ..render import implementation as html, plan_versions as versions_html
from ..store import Workspace
from ._base import Shown, Workbook, _html, deferred, report_only

ACTION_FIELDS = ["title", "description", "lead_organization_id", "partners", "planning_area", "risk_id",
                 "strategy_id", "team_id", "start", "end", "status", "percent_complete", "resources"]
ACTION_COLUMNS = ["title", "lead_organization_id", "partners", "planning_area", "risk_id", "team_id",
                  "start", "end", "status", "percent_complete", "resources"]
ACTION_LABELS = {"title": N_("Action"), "lead_organization_id": N_("Lead organization"), "risk_id": N_("Priority risk"),
                 "strategy_id": N_("Strategy"), "team_id": N_("Team (reports on it)"),
                 "percent_complete": N_("Percent complete")}
CYCLE_FIELDS = ["adoption_date", "publication_date", "next_review_date", "council_term_end", "budget_date"]
CYCLE_LABELS = {"adoption_date": N_("Adopted by council on"), "publication_date": N_("Published online on"),
                "next_review_date": N_("Review planned for"), "council_term_end": N_("Council term ends on"),
                "budget_date": N_("Next budget set on")}


class ImplementationWorkbook(Workbook):
    stage = "implementation"

    def __init__(self, ws: Workspace, mode: str) -> None:
        super().__init__(ws, mode)
        self.today = dt.date.today()
        # The analyses the parts show; a notebook may set its own (same arguments, same result type).
        # `plan_readiness(tables)`: one `readiness.Check` per requirement of the plan (part `readiness`).
        self.plan_readiness: Callable[..., list[readiness.Check]] = readiness.plan_readiness
        # `overdue_items(tables, today)`: what is past its date and not done (part `overdue`).
        self.overdue_items: Callable[..., pd.DataFrame] = implementation.overdue_items
        # `indicator_progress(tables)`: each measure's latest value against baseline and target (part `indicators`).
        self.indicator_progress: Callable[..., pd.DataFrame] = implementation.indicator_progress
        # `gantt_tasks(tables)`: the actions as timeline rows, one chart per risk (parts `timeline`, `priority_timeline`).
        self.gantt_tasks: Callable[..., pd.DataFrame] = implementation.gantt_tasks

    # -- is the plan ready? --------------------------------------------------------------------------

    @deferred
    def readiness(self) -> Shown:
        """Plan readiness: every requirement from the whole workspace, each linked to where it is fixed."""
        return self.live(lambda: html.readiness_html(self.plan_readiness(self.working_tables()),
                                                     self.link if self.app else None))

    # -- actions ---------------------------------------------------------------------------------------

    @deferred
    def actions(self) -> Shown:
        """What will be done, by whom, with whom, in which planning area, for which risk, when, with what."""
        if not self.app:
            return _html(html.actions_html(self.tables()))
        import ipywidgets

        from ..widgets.record_form import RecordForm

        form = RecordForm(self.ws, "actions", fields=ACTION_FIELDS, labels=ACTION_LABELS, save_label=_("Add action"))
        form.link_choices("strategy_id", by="risk_id")  # the chosen risk's strategies only
        table = self.records("actions", columns=ACTION_COLUMNS, labels=ACTION_LABELS, caption=_("Actions"))
        return ipywidgets.VBox([ipywidgets.HTML(str(Markup("<h3>{}</h3>").format(_("Add an action")))), form, table])

    @deferred
    def reporting_lines(self) -> Shown:
        """Who reports to whom: teams to the advisory committee, the committee to council(s); actions under teams."""
        return self.live(lambda: html.reporting_html(self.tables(), plan=self.plan))

    @deferred
    def milestones(self) -> Shown:
        """Progress reports, the final report, updates to council: due and done dates."""
        if not self.app:
            return _html(html.milestones_html(self.tables(), self.today, plan=self.plan))
        import ipywidgets

        table = self.records("milestones", columns=["title", "kind", "due", "done", "action_id"],
                             labels={"action_id": _("Action (if any)")}, caption=_("Milestones and reports"))
        return ipywidgets.VBox([table, self.live(lambda: html.milestones_html(self.tables(), self.today))])

    # -- the plan cycle --------------------------------------------------------------------------------

    @deferred
    def plan_cycle(self) -> Shown:
        """Adoption, publication (30 days), review (four years), and the council term and budget."""
        if not self.app:
            return _html(html.plan_cycle_html(self.tables(), self.today, document=self.document))
        import ipywidgets

        from ..widgets.record_form import RecordForm

        form = RecordForm(self.ws, "community", fields=CYCLE_FIELDS, labels=CYCLE_LABELS, record_id="community",
                          save_label=_("Save the plan's dates"))
        return ipywidgets.VBox([form, self.live(lambda: html.plan_cycle_html(self.tables(), self.today))])

    @deferred
    def overdue(self) -> Shown:
        """Everything past its date and not done: milestones, actions, publication, review."""
        return self.live(lambda: html.overdue_html(self.overdue_items(self.tables(), self.today), self.today))

    @deferred
    def timeline(self) -> Shown:
        """The actions on a timeline, grouped by planning area and priority risk."""
        if not self.app:
            return _html(html.timeline_html(self.gantt_tasks(self.tables()), self.today, plan=self.plan))
        from ..widgets.implementation import TimelinePanel

        return TimelinePanel(self)

    # -- progress --------------------------------------------------------------------------------------

    @deferred
    def progress(self) -> Shown:
        """Dated status updates and percent complete per action (a progress report: the adopted
        plan's actions, with those added or dropped since marked)."""
        if not self.app:
            note = self.against_adopted_plan() if self.document == "progress" else ""
            return _html(note + html.progress_html(self.tables()))
        import ipywidgets

        from ..widgets.implementation import ProgressUpdate

        updates = self.records("action_updates", columns=["action_id", "date", "status", "percent_complete", "note"],
                               labels={"action_id": _("Action"), "percent_complete": _("Percent complete")},
                               caption=_("All progress updates"))
        return ipywidgets.VBox([ProgressUpdate(self), self.live(lambda: html.progress_html(self.tables())), updates])

    def against_adopted_plan(self) -> str:
        """Which adopted version a progress report measures against, and how many of its actions
        and measures the working plan has added or dropped since (a note above the progress part)."""
        version = self.measured_version
        return versions_html.scope_html(None if version is None else self.tables(),
                                        "" if version is None else version.title())

    @deferred
    def indicators(self) -> Shown:
        """The latest value of each indicator against its baseline and target."""
        return self.live(lambda: html.indicators_html(self.indicator_progress(self.tables()), suppress=not self.app))

    @deferred
    def changes(self) -> Shown:
        """What changed since the last progress report (or a date you choose)."""
        if not self.app:
            tables = self.tables()
            since = self.since or html.default_since(tables, self.today)
            return _html(html.changes_html(tables, since, self.today, suppress=True))
        from ..widgets.implementation import ChangesPanel

        return ChangesPanel(self)

    # -- parts of the printed plan (`cswb report`) ------------------------------------------------------

    @report_only
    def activities_by_risk(self) -> Shown:
        """Each priority risk's activities with their planning area and responsible body."""
        return _html(html.activities_by_risk_html(self.tables()))

    @report_only
    def priority_timeline(self) -> Shown:
        """The timeline of the priority risks' actions (the plan's Gantt chart), by planning area."""
        tasks = self.gantt_tasks(self.tables())
        return _html(html.timeline_html(tasks[tasks["priority"].astype(bool)], self.today, plan=self.plan))

    @report_only
    def publication(self) -> Shown:
        """Where the plan is posted, printed copies and accessible formats on request, whom to ask."""
        return _html(html.publication_html(self.tables()))
