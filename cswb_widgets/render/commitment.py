"""Static output of the Commitment workbook (Tools 1 and 2): councils, roster, seats, leaders,
terms of reference, and the plan's background, advisory committee and implementation teams.

Functions take tables (or what a `cswb_widgets.model.commitment` call computed from them) and
return HTML; the workbook's parts show it in reports, and in apps as live views. No widgets here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd
from markupsafe import Markup

from ..i18n import N_, _, format_number
from ..model import commitment
from ..model.commitment import SeatStatus
from ..model.readiness import Check, Tables
from .coverage import coverage_html, exemption_reasons
from .records import detailed_table_html, table_html

if TYPE_CHECKING:
    from ..store.workspace import Workspace

COMBINED = "__combined__"  # the group choice for one terms of reference shared by all groups
MAP_TITLE = N_("Community boundary and sub-areas")


def councils_html(tables: Tables) -> str:
    """Each council that adopts the plan and its resolution (the partner communities of a joint plan)."""
    frame = commitment.councils(tables)
    for column in ("role", "status"):  # the model's words ("Lead", "Adopted"), in the document's language
        frame[column] = [_(v) if isinstance(v, str) and v else v for v in frame[column]]
    for column in ("resolution_date", "publication_due", "review_due"):
        frame[column] = [d.isoformat() if d is not None and pd.notna(d) else "" for d in frame[column]]
    # Four columns and the rest below each council: eight side by side broke words on a printed page.
    return detailed_table_html(
        frame, ["community", "role", "resolution_date", "resolution_reference"],
        ["council", "status", "publication_due", "review_due"],
        labels={"resolution_date": "Adopted on", "resolution_reference": "Adoption resolution", "status": "Standing",
                "publication_due": "Publish by", "review_due": "Review by"},
        caption="Councils and their adoption of the plan", row_header="community", nowrap=("resolution_date",),
    )


def community_map_html(areas: pd.DataFrame, members: pd.DataFrame) -> str:
    """The community's boundary and sub-areas as an offline web map in a frame, with its text alternative."""
    from . import maps

    page = maps.map_html(maps.area_map(areas, member_communities=members, title=MAP_TITLE))
    caption = maps.map_caption(areas, member_communities=members, title=MAP_TITLE)
    return maps.map_frame(page, title=_(MAP_TITLE), caption=caption, height=480)


def roster_html(roster: pd.DataFrame) -> str:
    """Who sits on which group, in which role, filling which seats (`roster`: `commitment.roster`)."""
    frame = roster.assign(seats=["; ".join(s) for s in roster["seats"]])
    return table_html(frame, columns=["group", "person", "organization", "role", "seats"], caption="Committee and team roster")


def seat_status_html(statuses: Sequence[SeatStatus], *, required: bool = True) -> str:
    """Each seat: filled (by whom), not applicable (why), or missing, and who was named for a seat
    they cannot fill (and why). `required`: False for a First Nation's own plan, where the Act's
    seats are guidance rather than a duty."""
    frame = pd.DataFrame(
        {
            _("Seat"): [_(s.name) for s in statuses],
            _("Status"): [_(s.status.capitalize()) for s in statuses],
            _("Filled by"): ["; ".join(s.filled_by) or "-" for s in statuses],
            _("Why not applicable"): [s.reason or "" for s in statuses],
            _("Named but not eligible"): ["; ".join(s.ineligible) for s in statuses],
        }
    )
    if not any(s.ineligible for s in statuses):
        frame = frame.drop(columns=_("Named but not eligible"))
    caption = "Required advisory committee seats" if required else "Advisory committee seats (the Act's list, as guidance)"
    return table_html(frame, caption=caption)


def seat_coverage_html(ws: Workspace, check: Check, statuses: Sequence[SeatStatus]) -> str:
    """The seat coverage check (with the reasons given for seats not applicable) and the seat table."""
    required = check.title.startswith("Required")
    return coverage_html(check, reasons=exemption_reasons(ws, "seats")) + seat_status_html(statuses, required=required)


def leaders_html(tables: Tables) -> str:
    """Champions (the public face) and coordinators (who keep the work moving)."""
    parts = []
    for role, caption, empty in (
        ("champion", N_("Champions"), N_("No champions named yet: add a membership with this role.")),
        ("coordinator", N_("Coordinators"), N_("No coordinators named yet: add a membership with this role.")),
    ):
        frame = commitment.people_in_role(tables, role)
        parts.append(table_html(frame, caption=caption, empty_text=empty))
    return "".join(parts)


def group_choices(groups: pd.DataFrame) -> list[tuple[str, str]]:
    """What a terms of reference can be for: one combined, or each group."""
    return [(_("One combined terms of reference"), COMBINED)] + list(zip(groups["name"], groups["id"], strict=True))


def terms_of_reference_html(tables: Tables) -> str:
    """Every terms of reference written so far (combined and per group), each with its five sections."""
    parts = []
    for name, group_id in group_choices(tables["groups"]):
        sections = commitment.terms_of_reference(tables, None if group_id == COMBINED else group_id)
        if not any(s.text for s in sections):
            continue
        body = "".join(
            str(Markup("<h4>{}</h4><p>{}</p>").format(_(s.name), s.text or _("Not yet written."))) for s in sections
        )
        parts.append(str(Markup("<section><h3>{}</h3>").format(_("Terms of reference: {name}").format(name=name)))
                     + body + "</section>")
    return "".join(parts) or str(Markup("<p>{}</p>").format(_("No terms of reference written yet.")))


def _paragraphs(text: object) -> Markup:
    blocks = [b.strip() for b in str(text or "").replace("\r\n", "\n").split("\n\n") if b.strip()]
    return Markup("").join(Markup("<p>{}</p>").format(b) for b in blocks)


def background_html(
    community: dict[str, Any], areas: pd.DataFrame, members: pd.DataFrame, *, interactive_map: bool = False
) -> str:
    """The background section; `interactive_map` for documents read on screen (the apps have their own map)."""
    from . import maps

    parts = []
    population = community.get("population")
    if population is not None and pd.notna(population):
        year = community.get("population_year")
        when = f" ({int(year)})" if year is not None and pd.notna(year) else ""
        parts.append(Markup("<p><strong>{}</strong> {}{}</p>").format(_("Population:"), format_number(int(population)), when))
    parts.append(_paragraphs(community.get("background"))
                 or Markup("<p>{}</p>").format(_("No community background written yet.")))
    facts = [line.strip() for line in str(community.get("demographics") or "").splitlines() if line.strip()]
    if facts:
        parts.append(Markup("<h4>{}</h4><ul>{}</ul>").format(_("Demographics"),
            Markup("").join(Markup("<li>{}</li>").format(f) for f in facts)))
    if "geometry" in areas and areas["geometry"].notna().any():
        drawing = maps.static_map(areas, member_communities=members, title=MAP_TITLE)
        if interactive_map:
            web_map = maps.area_map(areas, member_communities=members, title=MAP_TITLE)
            parts.append(Markup(maps.screen_and_print_map(web_map, drawing)))
        else:
            parts.append(Markup(drawing.html()))
    return str(Markup('<section class="cswb-background cswb-static">{}</section>').format(Markup("").join(parts)))


def advisory_committee_html(roster: pd.DataFrame, statuses: Sequence[SeatStatus] = (), *, required: bool = True) -> str:
    """The advisory committee as the plan lists it: each member's name, organization and the seats
    they fill (eligible holders only), then each seat of the Act's list: who fills it, or why it is
    not applicable. `required`: False for a First Nation–led plan, where the list is guidance."""
    committee = roster[roster["group_kind"] == "advisory_committee"]
    if committee.empty:
        return str(Markup("<p>{}</p>").format(_("No advisory committee member recorded yet.")))
    seats_of: dict[str, list[str]] = {}
    for status in statuses:
        for holder in status.filled_by:
            seats_of.setdefault(holder, []).append(_(status.name))
    parts: list[str] = []
    for group, rows in committee.groupby("group", sort=False):
        # One row per person, whatever roles they hold: the plan lists names, organizations and seats.
        people = rows.drop_duplicates("person_id")
        holders = [f"{p} ({o})" if o else str(p) for p, o in zip(people["person"], people["organization"], strict=True)]
        name, organization, seat = _("Name"), _("Organization"), _("Seat filled")
        frame = pd.DataFrame({name: people["person"].tolist(), organization: people["organization"].tolist(),
                              seat: ["; ".join(seats_of.get(h, [])) for h in holders]})
        if statuses:
            frame[seat] = frame[seat].replace("", "–")
        else:
            frame = frame.drop(columns=seat)
        parts.append(table_html(frame, caption=_("{group}: members").format(group=group), row_header=name,
                                style=not parts))
    if statuses:
        seat, filled = _("Seat"), _("Filled by")
        seats = pd.DataFrame({
            seat: [_(s.name) for s in statuses],
            filled: ["; ".join(s.filled_by) if s.filled_by
                     else _("Not applicable: {reason}").format(reason=s.reason)
                     if s.status == "not applicable" and s.reason
                     else _("Not applicable") if s.status == "not applicable" else _("Not filled")
                     for s in statuses],
        })
        caption = (_("Seats the Community Safety and Policing Act, 2019 requires on the advisory committee") if required
                   else _("Advisory committee seats (the Act's list, followed as guidance by the Band Council)"))
        parts.append(table_html(seats, caption=caption, row_header=seat, style=False))
    return "".join(parts)


def implementation_teams_html(tables: Tables, roster: pd.DataFrame) -> str:
    """Each implementation team: its priority risk, whom it reports to, its members (from `roster`)."""
    groups = tables["groups"]
    teams = groups[groups["kind"] == "implementation_team"] if len(groups) else groups
    if teams.empty:
        return str(Markup("<p>{}</p>").format(_("No implementation team recorded yet.")))
    risks = dict(zip(tables["risks"]["id"], tables["risks"]["name"], strict=True)) if len(tables["risks"]) else {}
    group_names = dict(zip(groups["id"], groups["name"], strict=True))
    parts: list[Markup] = []
    for team in teams.to_dict("records"):
        facts = []
        if isinstance(team.get("risk_id"), str):
            facts.append(Markup("{}").format(_("Priority risk: {risk}.").format(
                risk=risks.get(team["risk_id"], team["risk_id"]))))
        if isinstance(team.get("reports_to"), str):
            facts.append(Markup("{}").format(_("Reports to: {group}.").format(
                group=group_names.get(team["reports_to"], team["reports_to"]))))
        mine = roster[roster["group_id"] == team["id"]]
        frame = pd.DataFrame({_("Name"): mine["person"].tolist(), _("Organization"): mine["organization"].tolist(),
                              _("Role"): [_(role) for role in mine["role"].tolist()]})
        parts.append(Markup('<section class="cswb-team"><h3>{}</h3><p>{}</p>{}{}</section>').format(
            team["name"], Markup(" ").join(facts), _paragraphs(team.get("description")),
            Markup(table_html(frame, caption=_("Members of {team}").format(team=team["name"]), row_header=_("Name"),
                              empty_text="No member recorded yet.", style=not parts))))
    return str(Markup("").join(parts))
