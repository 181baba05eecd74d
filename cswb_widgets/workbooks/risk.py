"""Risk workbook (Tool 5): the risk register, its evidence, transparent prioritization, workshop voting.

One notebook serves two pages: the facilitator's (everything) and, with ``view=vote`` in the
address, the participants' ballot alone, so people can vote from their own phones.

`RiskWorkbook` holds the parts the notebook shows, one per cell. Report mode builds static HTML
with :mod:`cswb_widgets.render.risk` (and :mod:`cswb_widgets.render.voting` for the tally); app
mode builds the panels of :mod:`cswb_widgets.widgets.risk` and :mod:`cswb_widgets.widgets.voting`,
imported there only, so a report kernel never loads ipywidgets. Every part ranks the risks with
the workbook's `rank` attribute, which the notebook may replace.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any, TypeVar

from markupsafe import Markup, escape

from ..i18n import _
from ..model import prioritization
from ..render import risk as html
from ..render.voting import tally_html
from ._base import Shown, Workbook, _html, deferred, report_only

VOTE_VIEW = "vote"
VOTE_PATH = "vote"  # `cswb serve`'s kernel-less vote: <base>/vote/<community>, then /join and /tally
PUBLIC_URL_ENV = "CSWB_PUBLIC_URL"  # set by `cswb serve` for its kernels: its address as phones reach it

Part = TypeVar("Part", bound=Callable[..., Shown])


def not_on_ballot_page(part: Part) -> Part:
    """A part the participants' voting page leaves out (it shows the ballot alone)."""

    @functools.wraps(part)
    def wrapper(self: RiskWorkbook, *args: Any, **kwargs: Any) -> Shown:
        if self.vote_view:
            return _html("")
        return part(self, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def vote_links_html(public_url: str, slug: str) -> Markup:
    """The facilitator's links to the vote's join screen and projector tally (absolute: the server's
    address on the network), or how to start a vote when no server said where it is."""
    if not public_url:
        command = Markup("<code>cswb serve --workshop {}</code>").format(slug)
        return Markup("<p>{}</p>").format(Markup(escape(_(
            "To run a workshop vote, start the server with {command}: it prints the join screen's address for the "
            "projector, where phones scan a QR code to open the ballot."))).format(command=command))
    base = public_url.rstrip("/") + f"/{VOTE_PATH}/{slug}"
    command = Markup("<code>cswb serve --workshop {}</code>").format(slug)
    return Markup(
        '<p class="cswb-vote-links"><a class="cswb-link-button" href="{0}/join" target="_blank" rel="noopener">{1}</a> '
        '<a class="cswb-link-button" href="{0}/tally" target="_blank" rel="noopener">{2}</a></p><p>{3}</p>'
    ).format(
        base, _("Open the join screen (QR code) for the projector"), _("Open the live tally for the projector"),
        Markup(escape(_(
            "Participants scan the QR code (or type its short address and code) and rate the risks on their own phone; "
            "each phone's ballot is kept once and can be changed only from that phone. The join screen works while the "
            "server runs with {command}."))).format(command=command),
    )


class RiskWorkbook(Workbook):
    stage = "risk"

    def __init__(self, ws: Any, mode: str) -> None:
        super().__init__(ws, mode)
        from .page import page_parameter

        self.vote_view = self.app and page_parameter("view") == VOTE_VIEW
        # How every part ranks the risks: `rank(tables, weights=None)`. A notebook may set its own
        # (e.g. with a criterion computed in pandas); apps call it again after every edit.
        self.rank: Callable[..., prioritization.Ranking] = prioritization.rank_risks
        self._report_ranking: tuple[Callable[..., prioritization.Ranking], Any, prioritization.Ranking] | None = None

    def _ranking(self) -> tuple[Any, prioritization.Ranking]:
        """The tables and their ranking. A report reads the workspace once and ranks once for all
        its parts (again if the notebook sets another `rank`); in apps the data changes under the
        page, so every call ranks afresh."""
        if self.app:
            tables = self.tables()
            return tables, self.rank(tables)
        if self._report_ranking is None or self._report_ranking[0] is not self.rank:
            tables = self.tables()
            self._report_ranking = (self.rank, tables, self.rank(tables))
        return self._report_ranking[1], self._report_ranking[2]

    # -- the two pages ------------------------------------------------------------------------------

    def header(self) -> Shown:
        if not self.vote_view:
            return super().header()
        return _html(html.ballot_header_html(self.ws.community))

    def ballot(self) -> Shown:
        """The participants' ballot (on the voting page only)."""
        if not self.vote_view:
            return _html("")
        from ..widgets.voting import Ballot

        return Ballot(self.ws)

    @not_on_ballot_page
    def guidance(self) -> Shown:
        return super().guidance()

    # -- register and analysis ---------------------------------------------------------------------

    @not_on_ballot_page
    @deferred
    def register(self) -> Shown:
        """The risks: from the catalogue's categories or the community's own."""
        if not self.app:
            return _html(html.register_html(self.tables()))
        import ipywidgets

        from ..widgets.risk import AddRisk

        table = self.records(
            "risks", columns=["name", "category", "description", "priority"],
            caption=_("Risk register"), labels={"priority": _("Priority risk")},
        )
        return ipywidgets.VBox([AddRisk(self), table])

    @not_on_ballot_page
    @deferred
    def analysis(self) -> Shown:
        """Tool 5's questions, answered for each risk."""
        if not self.app:
            return _html(html.analysis_html(self.tables()))
        from ..widgets.risk import RiskAnalysis

        return RiskAnalysis(self)

    # -- evidence ---------------------------------------------------------------------------------------

    @not_on_ballot_page
    @deferred
    def indicators(self) -> Shown:
        """Indicators by sub-area and year; import a long-form file (indicator, area, year, value, unit, source)."""
        if not self.app:
            rows = self.tables()["indicators"]
            return _html(
                f"<p>{len(rows)} indicator values: {rows['indicator'].nunique()} indicators, "
                f"{rows['area'].dropna().nunique()} sub-areas, years "
                + (f"{int(rows['year'].min())} to {int(rows['year'].max())}" if len(rows) else "none")
                + ". Trends and sources are listed below.</p>"
            )
        import ipywidgets

        from ..store.tabular import import_file
        from ..widgets.file_import import FileImport

        upload = FileImport(
            self.ws, lambda ws, path: import_file(ws, path, "indicators"),
            description=_("Indicator file"), accept=".csv,.xlsx,.txt",
            help_text=_("CSV or Excel in long form, one value per row: indicator, area, year, value, unit, source "
            "(optional: risk_id, comparator_value, comparator_label, higher_is_worse). Rows already here "
            "(same indicator, area and year) are updated."),
        )
        table = self.records(
            "indicators",
            columns=["indicator", "risk_id", "area", "year", "value", "unit", "comparator_value",
                     "comparator_label", "higher_is_worse", "source", "data_sovereignty", "data_owner_id"],
            caption=_("Indicator values"),
        )
        return ipywidgets.VBox([upload, table])

    @not_on_ballot_page
    @deferred
    def trends(self) -> Shown:
        """Each indicator's trend against its comparator (e.g. the provincial value)."""
        if not self.app:
            tables = self.tables()
            return _html(html.trends_html(tables, charted=html.priority_indicators(tables), suppress=True))
        from ..widgets.risk import IndicatorTrends

        return IndicatorTrends(self)

    @not_on_ballot_page
    @deferred
    def indicator_map(self) -> Shown:
        """An indicator by sub-area on the community map."""
        if not self.app:
            return _html(html.indicator_maps_html(self.tables()))
        from ..widgets.risk import IndicatorMap

        return IndicatorMap(self)

    @not_on_ballot_page
    @deferred
    def engagement(self) -> Shown:
        """What the buy-in feedback says: items tagged with each risk's category, and their share."""
        def build() -> str:
            return html.engagement_html(self.tables(), suppress=not self.app)

        return self.live(build)

    # -- prioritization -------------------------------------------------------------------------------

    @not_on_ballot_page
    @deferred
    def criteria(self) -> Shown:
        """The criteria, where each one's values come from, and the scores entered by hand."""
        criteria = self.records(
            "criteria", columns=["name", "description", "source", "weight", "higher_is_worse"],
            caption=_("Prioritization criteria"), labels={"source": _("Values come from")},
        )
        if not self.app:
            return _html(str(criteria.data) + html.sources_note_html())
        import ipywidgets

        entered = self.records(
            "risk_scores", columns=["risk_id", "criterion_id", "value", "note"],
            caption=_("Scores entered by hand (for criteria whose values come from entered scores)"),
        )
        return ipywidgets.VBox([criteria, ipywidgets.HTML(html.sources_note_html()), entered])

    @not_on_ballot_page
    @deferred
    def prioritization(self) -> Shown:
        """Weights, scores, ranks and how stable each rank is; every score traced to its inputs."""
        if not self.app:
            tables, ranking = self._ranking()
            return _html(html.ranking_html(ranking, tables) + html.sensitivity_html(ranking, tables)
                         + html.trace_html(ranking, tables))
        from ..widgets.risk import PrioritizationPanel

        return PrioritizationPanel(self)

    @not_on_ballot_page
    @deferred
    def ranking_charts(self) -> Shown:
        """The ranked scores (stacked by criterion) and the criteria heatmap."""
        def build() -> str:
            tables, ranking = self._ranking()
            return html.ranking_charts_html(ranking, tables)

        return self.live(build)

    @not_on_ballot_page
    @deferred
    def voting(self) -> Shown:
        """Workshop voting: the address participants open, and the live tally."""
        if not self.app:
            return _html(tally_html(self.tables()))
        import ipywidgets

        from ..widgets.voting import VoteTally

        invite = vote_links_html(os.environ.get(PUBLIC_URL_ENV, ""), self.ws.path.name)
        return ipywidgets.VBox([ipywidgets.HTML(str(invite)), VoteTally(self.ws)])

    @not_on_ballot_page
    @deferred
    def priorities(self) -> Shown:
        """The priority risks, each with its vulnerable groups, risk factors and protective factors."""
        if not self.app:
            return _html(html.priorities_html(self.tables()))
        import ipywidgets

        chooser = self.records(
            "risks", columns=["name", "priority"], caption=_("Choose the priority risks"),
            labels={"priority": _("Priority risk")}, readonly=("name",),
        )
        profile = self.records(
            "risks", columns=["name", *html.PROFILE], where={"priority": True},
            caption=_("Priority risks: who is vulnerable, what raises and what lowers the risk"), readonly=("name",),
        )
        status = self.live(lambda: html.priorities_status_html(self.tables()))
        return ipywidgets.VBox([chooser, profile, status])

    # -- parts of the printed plan (`cswb report`) -------------------------------------------------

    @report_only
    def priority_profiles(self) -> Shown:
        """Each priority risk for the plan: narrative and evidence, its indicators, vulnerable groups,
        risk and protective factors."""
        return _html(html.priority_profiles_html(self.tables()))

    @report_only
    def ranking_summary(self) -> Shown:
        """For the plan: the criteria with their weights, the ranked risks and which ranks hold."""
        tables, ranking = self._ranking()
        if ranking.scored.empty:
            return _html(f"<p>{escape(_('No risk has been ranked.'))}</p>")
        return _html(html.criteria_summary_html(ranking, tables) + html.weights_note_html(ranking, tables)
                     + html.ranking_table_html(ranking, tables) + html.sensitivity_html(ranking, tables)
                     + f"<h4>{escape(_('Workshop votes'))}</h4>" + tally_html(tables, style=False) + html.not_chosen_html(ranking, tables))

    @report_only
    def sources(self) -> Shown:
        """Where the indicator data came from."""
        return _html(html.indicator_sources_html(self.tables()))
