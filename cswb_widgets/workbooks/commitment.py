"""Commitment workbook (Tools 1 and 2): participants, roles, seats, terms of reference, evidence."""

from __future__ import annotations

import base64
from typing import Any

import ipywidgets
import pandas as pd
from markupsafe import Markup

from .. import render
from ..documents import DOCX_MIME, terms_of_reference_docx, terms_of_reference_html
from ..errors import CswbError
from ..framework import load_catalogue
from ..model import commitment, readiness
from ..widgets import CoverageIndicator, MapPanel, options_picker
from ..widgets import _sync
from ._base import Shown, Workbook, _html, deferred, report_only

COMBINED = "__combined__"  # the picker's value for one terms of reference shared by all groups


class CommitmentWorkbook(Workbook):
    stage = "commitment"

    # -- the community and, for a joint plan, its member councils --------------------------------

    @deferred
    def councils(self) -> Shown:
        """Each council that adopts the plan and its resolution (the partner communities of a joint plan)."""
        def html() -> str:
            frame = commitment.councils(self.tables())
            frame["resolution_date"] = [d.date().isoformat() if pd.notna(d) else "" for d in frame["resolution_date"]]
            return render.table_html(
                frame,
                columns=["community", "council", "role", "resolution_date", "resolution_reference", "status"],
                labels={"resolution_date": "Resolution date", "resolution_reference": "Resolution"},
                caption="Councils and their resolutions",
            )

        if not self.app:
            return _html(html())
        return ipywidgets.VBox(
            [
                self.records(
                    "member_communities",
                    caption="Member and partner communities (one row per council; partners' assets count too)",
                ),
                self.live(html),
            ]
        )

    @deferred
    def community_map(self) -> Shown:
        """The community's boundary and sub-areas (and, for a joint plan, each member's)."""
        if self.app:
            return MapPanel(self.ws, with_assets=False, title="Community boundary and sub-areas")
        from ..render import maps

        areas, members = self.ws.table("areas"), self.ws.table("member_communities")
        title = "Community boundary and sub-areas"
        page = maps.map_html(maps.area_map(areas, member_communities=members, title=title))
        return _html(maps.map_frame(page, title=title, caption=maps.map_caption(areas, member_communities=members, title=title), height=480))

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
        if self.app:
            return ipywidgets.VBox(
                [self.records("memberships", caption="Memberships: group, person, role and the seats they fill"), self.roster()]
            )
        return self.roster()

    def roster(self) -> Shown:
        def html() -> str:
            frame = commitment.roster(self.tables())
            frame = frame.assign(seats=["; ".join(s) for s in frame["seats"]])
            return render.table_html(
                frame,
                columns=["group", "person", "organization", "role", "seats"],
                caption="Committee and team roster",
            )

        return self.live(html)

    @deferred
    def seat_coverage(self) -> Shown:
        """The seats the Community Safety and Policing Act requires: filled, not applicable, missing."""
        def status_table() -> str:
            statuses = commitment.seat_status(self.tables())
            frame = pd.DataFrame(
                {
                    "Seat": [s.name for s in statuses],
                    "Status": [s.status.capitalize() for s in statuses],
                    "Filled by": ["; ".join(s.filled_by) or "-" for s in statuses],
                    "Why not applicable": [s.reason or "" for s in statuses],
                }
            )
            return render.table_html(frame, caption="Required advisory committee seats")

        if not self.app:
            check = readiness.seat_coverage(self.tables())
            return _html(
                render.coverage_html(check, reasons=render.exemption_reasons(self.ws, "seats")) + status_table()
            )
        return ipywidgets.VBox([CoverageIndicator(self.ws, readiness.seat_coverage), self.live(status_table)])

    @deferred
    def leaders(self) -> Shown:
        """Champions (the public face) and coordinators (who keep the work moving)."""
        def html() -> str:
            parts = []
            for role, caption in (("champion", "Champions"), ("coordinator", "Coordinators")):
                frame = commitment.people_in_role(self.tables(), role)
                empty = f"No {caption.lower()} named yet: add a membership with this role."
                parts.append(render.table_html(frame, caption=caption, empty_text=empty))
            return "".join(parts)

        return self.live(html)

    # -- terms of reference ----------------------------------------------------------------------

    @deferred
    def terms_of_reference(self) -> Shown:
        """The five sections, per group or combined; downloadable as HTML and Word."""
        if not self.app:
            return _html(self._all_terms_html())
        return TermsOfReferenceBuilder(self)

    def _group_choices(self) -> list[tuple[str, str]]:
        groups = self.ws.table("groups")
        return [("One combined terms of reference", COMBINED)] + list(zip(groups["name"], groups["id"]))

    def _all_terms_html(self) -> str:
        tables = self.tables()
        parts = []
        for name, group_id in self._group_choices():
            sections = commitment.terms_of_reference(tables, None if group_id == COMBINED else group_id)
            if not any(s.text for s in sections):
                continue
            body = "".join(
                str(Markup("<h4>{}</h4><p>{}</p>").format(s.name, s.text or "Not yet written.")) for s in sections
            )
            parts.append(str(Markup("<section><h3>Terms of reference: {}</h3>").format(name)) + body + "</section>")
        return "".join(parts) or "<p>No terms of reference written yet.</p>"

    # -- evidence of commitment ----------------------------------------------------------------

    @deferred
    def evidence(self) -> Shown:
        return self.records(
            "commitment_evidence",
            columns=["kind", "member_community_id", "date", "description", "reference"],
            caption="Commitment evidence: resolutions, coordinator position, resources, attendance",
        )

    # -- parts of the printed plan (`cswb report`) -------------------------------------------------

    @report_only
    def background(self) -> Shown:
        """The community background: population, context, demographics and a map of its areas."""
        return _html(background_html(self.ws.community, self.ws.table("areas"), self.ws.table("member_communities"),
                                     interactive_map=not self.app))

    @report_only
    def advisory_committee(self) -> Shown:
        """The advisory committee as the plan lists it: each member's name and organization, nothing else."""
        return _html(advisory_committee_html(self.tables()))

    @report_only
    def implementation_teams(self) -> Shown:
        """Each implementation team: its priority risk, whom it reports to, its members."""
        return _html(implementation_teams_html(self.tables()))


def _paragraphs(text: object) -> Markup:
    blocks = [b.strip() for b in str(text or "").replace("\r\n", "\n").split("\n\n") if b.strip()]
    return Markup("").join(Markup("<p>{}</p>").format(b) for b in blocks)


def background_html(
    community: dict[str, Any], areas: pd.DataFrame, members: pd.DataFrame, *, interactive_map: bool = False
) -> str:
    """The background section; `interactive_map` for documents read on screen (the apps have their own map)."""
    from ..render import maps

    parts = []
    population = community.get("population")
    if population is not None and population == population:
        year = community.get("population_year")
        when = f" ({int(year)})" if year is not None and year == year else ""
        parts.append(Markup("<p><strong>Population:</strong> {}{}</p>").format(f"{int(population):,}", when))
    parts.append(_paragraphs(community.get("background")) or Markup("<p>No community background written yet.</p>"))
    facts = [line.strip() for line in str(community.get("demographics") or "").splitlines() if line.strip()]
    if facts:
        parts.append(Markup("<h4>Demographics</h4><ul>{}</ul>").format(
            Markup("").join(Markup("<li>{}</li>").format(f) for f in facts)))
    if "geometry" in areas and areas["geometry"].notna().any():
        title = "Community boundary and sub-areas"
        drawing = maps.static_map(areas, member_communities=members, title=title)
        if interactive_map:
            web_map = maps.area_map(areas, member_communities=members, title=title)
            parts.append(Markup(maps.screen_and_print_map(web_map, drawing)))
        else:
            parts.append(Markup(drawing.html()))
    return str(Markup('<section class="cswb-background cswb-static">{}</section>').format(Markup("").join(parts)))


def advisory_committee_html(tables: Any) -> str:
    members = commitment.roster(tables)
    committee = members[members["group_kind"] == "advisory_committee"]
    if committee.empty:
        return "<p>No advisory committee member recorded yet.</p>"
    parts = []
    for group, rows in committee.groupby("group", sort=False):
        # One row per person, whatever roles or seats they hold: the plan lists names and organizations only.
        people = rows.drop_duplicates("person_id")
        frame = pd.DataFrame({"Name": people["person"].tolist(), "Organization": people["organization"].tolist()})
        parts.append(render.table_html(frame, caption=f"{group}: members", row_header="Name", style=not parts))
    return "".join(parts)


def implementation_teams_html(tables: Any) -> str:
    groups = tables["groups"]
    teams = groups[groups["kind"] == "implementation_team"] if len(groups) else groups
    if teams.empty:
        return "<p>No implementation team recorded yet.</p>"
    risks = dict(zip(tables["risks"]["id"], tables["risks"]["name"])) if len(tables["risks"]) else {}
    group_names = dict(zip(groups["id"], groups["name"]))
    members = commitment.roster(tables)
    parts = []
    for team in teams.to_dict("records"):
        facts = []
        if isinstance(team.get("risk_id"), str):
            facts.append(Markup("Priority risk: {}.").format(risks.get(team["risk_id"], team["risk_id"])))
        if isinstance(team.get("reports_to"), str):
            facts.append(Markup("Reports to: {}.").format(group_names.get(team["reports_to"], team["reports_to"])))
        mine = members[members["group_id"] == team["id"]]
        frame = pd.DataFrame({"Name": mine["person"].tolist(), "Organization": mine["organization"].tolist(),
                              "Role": mine["role"].tolist()})
        parts.append(Markup('<section class="cswb-team"><h3>{}</h3><p>{}</p>{}{}</section>').format(
            team["name"], Markup(" ").join(facts), _paragraphs(team.get("description")),
            Markup(render.table_html(frame, caption=f"Members of {team['name']}", row_header="Name",
                                     empty_text="No member recorded yet.", style=not parts))))
    return str(Markup("").join(parts))


class TermsOfReferenceBuilder(ipywidgets.VBox):
    """Write the five sections for a group (or one combined), saved as you go; download the document."""

    def __init__(self, book: CommitmentWorkbook) -> None:
        self._book = book
        self._ws = book.ws
        catalogue = load_catalogue()
        self.group_picker = options_picker(book._group_choices(), description="Terms of reference for", blank=None)
        self.editors: dict[str, ipywidgets.Textarea] = {}
        for section in catalogue.tor_sections:
            self.editors[section.key] = ipywidgets.Textarea(
                description=section.name,
                placeholder=section.prompt,
                rows=5,
                style={"description_width": "initial"},
                layout=ipywidgets.Layout(width="46rem", max_width="100%"),
            )
        self.save_button = ipywidgets.Button(description="Save terms of reference", button_style="primary")
        self.save_button.on_click(lambda _b: self.save())
        self.status = ipywidgets.HTML("", layout=ipywidgets.Layout(min_height="1.5rem"))
        # Documents are made on request: a Word file per page view would slow every visit.
        self.prepare_button = ipywidgets.Button(description="Prepare downloads (web page and Word)")
        self.prepare_button.on_click(lambda _b: self.prepare_downloads())
        self.downloads = ipywidgets.HTML("")
        self.group_picker.observe(lambda _c: self.load(), names="value")
        super().__init__(
            [self.group_picker, *self.editors.values(), self.save_button, self.status, self.prepare_button,
             self.downloads]
        )
        self.load()
        _sync.subscribe(self._ws, self.refresh_groups)

    @property
    def group_id(self) -> str | None:
        value = self.group_picker.value
        return None if value in (COMBINED, "", None) else str(value)

    def refresh_groups(self) -> None:
        current = self.group_picker.value
        self.group_picker.options = self._book._group_choices()
        if current in [v for _, v in self.group_picker.options]:
            self.group_picker.value = current

    def load(self) -> None:
        sections = commitment.terms_of_reference(self._book.tables(), self.group_id)
        for section in sections:
            self.editors[section.key].value = section.text or ""
        self.status.value = ""
        self.downloads.value = ""

    def save(self) -> bool:
        """Write every changed section in one change; an emptied section is removed."""
        from ..store import operations

        try:
            operations.save_terms_of_reference(self._ws, self.group_id, {k: e.value for k, e in self.editors.items()})
        except CswbError as error:
            self.status.value = str(Markup('<p role="alert">Not saved: {}</p>').format(str(error)))
            return False
        self.status.value = '<p role="status">Saved.</p>'
        self.downloads.value = ""  # any earlier links hold the old text
        _sync.notify_saved(self._ws, self)
        return True

    def prepare_downloads(self) -> None:
        """Links to the saved terms of reference as a web page (to print) and a Word file (to edit)."""
        sections = commitment.terms_of_reference(self._book.tables(), self.group_id)
        community: dict[str, Any] = self._ws.community
        names = {value: name for name, value in self.group_picker.options}
        group = names.get(self.group_picker.value, "Advisory committee")
        args = {"community": community.get("name") or "", "group": group, "sections": sections,
                "plan_name": community.get("plan_name")}
        html = terms_of_reference_html(**args, colour=render.safe_colour(community.get("colour_primary"), "#1f4e79"))
        docx = terms_of_reference_docx(**args)
        stem = "terms-of-reference-" + "".join(c if c.isalnum() else "-" for c in group.lower()).strip("-")
        self.downloads.value = str(
            Markup(
                '<p>Download: <a download="{stem}.html" href="data:text/html;base64,{html}">web page (to print)</a>'
                ' · <a download="{stem}.docx" href="data:{mime};base64,{docx}">Word document (to edit)</a></p>'
            ).format(
                stem=stem,
                html=base64.b64encode(html.encode("utf-8")).decode("ascii"),
                mime=DOCX_MIME,
                docx=base64.b64encode(docx).decode("ascii"),
            )
        )
