"""Commitment workbook (Tools 1 and 2): participants, roles, seats, terms of reference, evidence.

Only the `CommitmentWorkbook` parts the notebook calls: their static HTML comes from
`cswb_widgets.render.commitment`, their app panels from `cswb_widgets.widgets.commitment`
(imported in app mode only, so report kernels never load the widget libraries).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

from ..i18n import _
from ..model import commitment, readiness
from ..model.adoption import first_nation_led
from ..model.commitment import SeatStatus
from ..model.readiness import Check, Tables
from ..render import commitment as view
from ..store import Workspace
from ._base import Shown, Workbook, _html, deferred, report_only


class CommitmentWorkbook(Workbook):
    stage = "commitment"

    def __init__(self, ws: Workspace, mode: str) -> None:
        super().__init__(ws, mode)
        # What the parts compute, each a function of the workspace's tables; a notebook may set its
        # own (see commitment.ipynb), and every part showing that result, in apps and reports, calls it.
        self.roster: Callable[[Tables], pd.DataFrame] = commitment.roster  # memberships, advisory_committee, implementation_teams
        self.seat_check: Callable[[Tables], Check] = readiness.seat_coverage  # seat_coverage: the coverage summary
        self.seat_status: Callable[[Tables], Sequence[SeatStatus]] = commitment.seat_status  # seat_coverage: the seat table

    # -- the community and, for a joint plan, its member councils --------------------------------

    @deferred
    def councils(self) -> Shown:
        """Each council that adopts the plan and its resolution (the partner communities of a joint plan)."""
        if not self.app:
            return _html(view.councils_html(self.tables()))
        import ipywidgets

        return ipywidgets.VBox(
            [
                self.records(
                    "member_communities",
                    caption=_("Member and partner communities (one row per council; partners' assets count too)"),
                ),
                self.live(lambda: view.councils_html(self.tables())),
            ]
        )

    @deferred
    def community_map(self) -> Shown:
        """The community's boundary and sub-areas (and, for a joint plan, each member's)."""
        if self.app:
            from ..widgets.map_panel import MapPanel

            return MapPanel(self.ws, with_assets=False, title=_(view.MAP_TITLE))
        return _html(view.community_map_html(self.ws.table("areas"), self.ws.table("member_communities")))

    # -- participants ----------------------------------------------------------------------------

    @deferred
    def organizations(self) -> Shown:
        return self.records("organizations", columns=["name", "sector", "member_community_id", "description", "website"])

    @deferred
    def people(self) -> Shown:
        # Contact details are for the coordinator's eyes: apps show them, published reports never do.
        return self.records("people", columns=["name", "organization_id", "title", "sector", "email", "phone"])

    @deferred
    def groups(self) -> Shown:
        return self.records("groups", columns=["name", "kind", "risk_id", "reports_to", "description"])

    @deferred
    def memberships(self) -> Shown:
        """Who sits on which group, in which role, filling which required seats (and the roster they make)."""
        roster = self.live(lambda: view.roster_html(self.roster(self.tables())))
        if not self.app:
            return roster
        import ipywidgets

        return ipywidgets.VBox(
            [self.records("memberships", caption=_("Memberships: group, person, role and the seats they fill")), roster]
        )

    @deferred
    def seat_coverage(self) -> Shown:
        """The seats the Community Safety and Policing Act requires: filled, not applicable, missing."""
        if not self.app:
            tables = self.tables()
            return _html(view.seat_coverage_html(self.ws, self.seat_check(tables), self.seat_status(tables)))
        import ipywidgets

        from ..widgets.coverage import CoverageIndicator

        return ipywidgets.VBox([
            CoverageIndicator(self.ws, lambda tables: self.seat_check(tables)),
            self.live(lambda: view.seat_status_html(
                self.seat_status(self.tables()), required=not first_nation_led(self.tables()))),
        ])

    @deferred
    def leaders(self) -> Shown:
        """Champions (the public face) and coordinators (who keep the work moving)."""
        return self.live(lambda: view.leaders_html(self.tables()))

    # -- terms of reference ----------------------------------------------------------------------

    @deferred
    def terms_of_reference(self) -> Shown:
        """The five sections, per group or combined; downloadable as HTML and Word."""
        if not self.app:
            return _html(view.terms_of_reference_html(self.tables()))
        from ..widgets.commitment import TermsOfReferenceBuilder

        return TermsOfReferenceBuilder(self.ws)

    # -- evidence of commitment ----------------------------------------------------------------

    @deferred
    def evidence(self) -> Shown:
        return self.records(
            "commitment_evidence",
            columns=["kind", "resolution_kind", "member_community_id", "date", "description", "reference"],
            labels={"resolution_kind": _("Resolution (taking part, endorsing, adopting or revising)")},
            caption=_("Commitment evidence: resolutions, coordinator position, resources, attendance"),
        )

    # -- the change history (coordinators) --------------------------------------------------------

    @deferred
    def history(self) -> Shown:
        """Who changed what and when; deleted records, each with a Restore button (apps only: the
        notebook cell is tagged app-only, and a report would show the history as of its run)."""
        if self.app:
            from ..widgets import HistoryPanel

            return HistoryPanel(self.ws)
        from ..render.history import changes_html, deleted_html
        from ..store.history import changes, deleted_records

        return _html(changes_html(changes(self.ws)) + deleted_html(deleted_records(self.ws)))

    # -- parts of the printed plan (`cswb report`) -------------------------------------------------

    @report_only
    def background(self) -> Shown:
        """The community background: population, context, demographics and a map of its areas."""
        return _html(view.background_html(self.ws.community, self.ws.table("areas"), self.ws.table("member_communities"),
                                          interactive_map=not self.app))

    @report_only
    def advisory_committee(self) -> Shown:
        """The advisory committee as the plan lists it: each member's name and organization, nothing else."""
        tables = self.tables()
        return _html(view.advisory_committee_html(self.roster(tables), self.seat_status(tables),
                                                  required=not first_nation_led(tables)))

    @report_only
    def implementation_teams(self) -> Shown:
        """Each implementation team: its priority risk, whom it reports to, its members."""
        tables = self.tables()
        return _html(view.implementation_teams_html(tables, self.roster(tables)))
