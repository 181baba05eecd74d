"""Buy-in workbook (Tool 4): engagement plan and log, who was consulted, what they raised.

Only the `BuyInWorkbook` parts the notebook calls: their static HTML comes from
`cswb_widgets.render.buy_in`, their app panels from `cswb_widgets.widgets.buy_in`
(imported in app mode only, so report kernels never load the widget libraries).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

from ..i18n import _
from ..model import engagement, readiness
from ..model.adoption import first_nation_led
from ..model.engagement import PeriodSummary
from ..model.readiness import Check, Tables
from ..render import buy_in as view
from ..store import Workspace
from ._base import Shown, Workbook, _html, deferred, report_only


class BuyInWorkbook(Workbook):
    stage = "buy_in"

    def __init__(self, ws: Workspace, mode: str) -> None:
        super().__init__(ws, mode)
        # What the parts compute, each a function of the workspace's tables; a notebook may set its
        # own (see buy_in.ipynb), and every part showing that result, in apps and reports, calls it.
        self.consultation_check: Callable[[Tables], Check] = readiness.consultation_coverage  # consultation: summary
        self.consultation_matrix: Callable[[Tables], pd.DataFrame] = engagement.consultation_matrix  # consultation: table
        self.theme_counts: Callable[..., pd.DataFrame] = engagement.theme_frequency  # theme_chart
        self.summarize_periods: Callable[[Tables], Sequence[PeriodSummary]] = engagement.period_summaries  # period_summaries

    # -- plan and log ----------------------------------------------------------------------------

    @deferred
    def periods(self) -> Shown:
        return self.records(
            "engagement_periods",
            columns=["name", "start", "end", "outreach_types", "successes", "challenges", "findings", "lessons_learned"],
            caption=_("Engagement periods and what each taught"),
        )

    @deferred
    def activities(self) -> Shown:
        return self.records(
            "engagement_activities",
            columns=["title", "method", "period_id", "date", "audience", "consult_groups", "sector",
                     "number_reached", "language_notes", "accessibility_notes", "status"],
            caption=_("Engagement plan and log"),
        )

    @deferred
    def consultation(self) -> Shown:
        """The groups the framework says must be consulted: who has been, who has not yet."""
        if not self.app:
            tables = self.tables()
            return _html(view.consultation_html(self.ws, self.consultation_check(tables), self.consultation_matrix(tables)))
        import ipywidgets

        from ..widgets.coverage import CoverageIndicator

        return ipywidgets.VBox([
            CoverageIndicator(self.ws, lambda tables: self.consultation_check(tables)),
            self.live(lambda: view.consultation_matrix_html(
                self.consultation_matrix(tables := self.tables()), published=False, required=not first_nation_led(tables))),
        ])

    # -- what people raised ------------------------------------------------------------------------

    @deferred
    def quick_feedback(self) -> Shown:
        """Type what someone says during a session; tags are suggested as you type."""
        if not self.app:
            return _html(view.feedback_count_html(self.ws.table("feedback")))
        from ..widgets.buy_in import QuickFeedback

        return QuickFeedback(self.ws)

    @deferred
    def survey_import(self) -> Shown:
        if not self.app:
            return _html(view.survey_count_html(self.ws.table("feedback")))
        from ..widgets.buy_in import SurveyImport

        return SurveyImport(self.ws)

    @deferred
    def feedback(self) -> Shown:
        """Every item, for tagging by risk category and theme (reports show counts, not quotes)."""
        if not self.app:
            return _html(view.untagged_html(engagement.untagged_feedback(self.tables())))
        import ipywidgets

        from ..widgets.buy_in import TagSuggestions

        return ipywidgets.VBox([TagSuggestions(self.ws), self.records(
            "feedback",
            columns=["text", "risk_categories", "themes", "activity_id", "participant_group", "question", "date"],
            caption=_("Feedback items"),
        )])

    @deferred
    def theme_chart(self, by: str = "risk_categories") -> Shown:
        """How often each risk category (or theme) came up. Published output hides counts under 5."""
        return self.live(lambda: view.theme_chart_html(self.theme_counts(self.tables(), by=by), by=by,
                                                       published=not self.app))

    # -- summaries ---------------------------------------------------------------------------------

    @deferred
    def period_summaries(self) -> Shown:
        """Each period as the framework asks: time, outreach, successes, challenges, findings, lessons."""
        return self.live(lambda: view.period_summaries_html(self.summarize_periods(self.tables()), published=not self.app))

    # -- identity -----------------------------------------------------------------------------------

    @deferred
    def identity(self) -> Shown:
        """The plan's name, colours and logo, used by every app page and report."""
        if not self.app:
            return _html(view.identity_preview_html(self.ws.community))
        from ..widgets.buy_in import PlanIdentity

        return PlanIdentity(self.ws)

    @report_only
    def title_page(self) -> Shown:
        """The plan's title page (`cswb report`): its name, the community, the logo, in the plan's colours."""
        return _html(view.title_page_html(self.ws.community))
