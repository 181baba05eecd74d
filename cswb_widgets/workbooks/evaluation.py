"""Evaluation workbook (Tool 6): strategies, logic models, the measurement framework, progress.

`EvaluationWorkbook` holds the parts the notebook's cells call. Report mode prints
:mod:`cswb_widgets.render.evaluation`; app mode builds the panels of
:mod:`cswb_widgets.widgets.evaluation`, imported only there, so report kernels never load the
widget libraries.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from ..model import evaluation
from ..render import evaluation as render_evaluation
from ._base import Shown, Workbook, _html, deferred, report_only


class EvaluationWorkbook(Workbook):
    stage = "evaluation"

    def __init__(self, ws: Any, mode: str) -> None:
        super().__init__(ws, mode)
        # The analyses the parts show, each `function(tables)` returning a frame with the columns of
        # the `evaluation` function it defaults to. A notebook may set its own; apps call them again
        # after every edit.
        # Which strategies each priority risk has in each planning area (the strategy matrix).
        self.strategy_coverage: Callable[..., pd.DataFrame] = evaluation.strategy_matrix
        # The measurement framework's gaps: outcomes with no measure, and measures lacking something.
        self.outcomes_without_measure: Callable[..., pd.DataFrame] = evaluation.outcomes_without_measure
        self.measure_gaps: Callable[..., pd.DataFrame] = evaluation.measure_gaps
        # Each measure's latest value and whether it is on track: `measure_status(tables, suppress=False)`.
        self.measure_status: Callable[..., pd.DataFrame] = evaluation.measure_status

    # -- strategies --------------------------------------------------------------------------------------

    @deferred
    def strategies(self) -> Shown:
        """Strategies for each risk and planning area, with the strength of their evidence and its source."""
        if not self.app:
            return _html(render_evaluation.strategies_html(self.tables()) + render_evaluation.evidence_strengths_html())
        from ..widgets.evaluation import StrategyTable

        return StrategyTable(self.ws)

    @deferred
    def strategy_matrix(self) -> Shown:
        """Priority risks by planning area: the strategies in each cell, and where there are none."""
        def html() -> str:
            tables = self.tables()
            return render_evaluation.strategy_matrix_html(tables, self.strategy_coverage(tables))

        return self.live(html)

    @deferred
    def adopt_assets(self) -> Shown:
        """Assets addressing a priority risk that are not yet one of its strategies; adopt them as they are."""
        if not self.app:
            return _html(render_evaluation.adoptable_html(self.tables()))
        from ..widgets.evaluation import AdoptAssets

        return AdoptAssets(self)

    # -- logic models --------------------------------------------------------------------------------------

    @deferred
    def logic_models(self) -> Shown:
        """A logic model per priority risk and target group: the diagram, its table and its checks."""
        if not self.app:
            return _html(render_evaluation.logic_models_html(self.tables()))
        from ..widgets.evaluation import LogicModelBuilder

        return LogicModelBuilder(self)

    # -- the performance measurement framework ---------------------------------------------------------------

    @deferred
    def measures(self) -> Shown:
        """Expected outcome, indicator, baseline, target, data source, method, frequency, responsibility."""
        if not self.app:
            tables = self.tables()
            gaps = render_evaluation.measure_gaps_html(self.outcomes_without_measure(tables), self.measure_gaps(tables))
            return _html(render_evaluation.measures_html(tables, suppress=True) + gaps)
        from ..widgets.evaluation import MeasureFramework

        return MeasureFramework(self)

    @deferred
    def measurements(self) -> Shown:
        """Values of each measure over time: typed in, or imported from CSV or Excel."""
        if not self.app:
            return _html(render_evaluation.measurements_summary_html(self.tables()))
        from ..widgets.evaluation import Measurements

        return Measurements(self)

    @deferred
    def progress(self) -> Shown:
        """Each measure against its baseline and target: on track, off track, or no data yet."""
        if not self.app:
            tables = self.tables()
            statuses = self.measure_status(tables, suppress=True)
            return _html(render_evaluation.progress_html(tables, statuses, suppress=True))
        from ..widgets.evaluation import ProgressCharts

        return ProgressCharts(self)

    # -- parts of the printed plan (`cswb report`) -------------------------------------------------------

    @report_only
    def outcomes_by_risk(self) -> Shown:
        """Each priority risk's immediate, intermediate and long-term outcomes, and their indicators and targets."""
        return _html(render_evaluation.outcomes_by_risk_html(self.tables()))

    @report_only
    def sources(self) -> Shown:
        """Where the evidence for each strategy and the data for each measure come from."""
        return _html(render_evaluation.evaluation_sources_html(self.tables()))
