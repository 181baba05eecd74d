"""Collaborative commitment (Tools 1 and 2): who sits where, who leads, what is agreed.

Pure functions on the workspace's DataFrames (`{name: ws.table(name)}`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..framework import load_catalogue
from ._tables import Tables, as_list, blank, rows_of
from .adoption import council_adoptions


def roster(tables: Tables) -> pd.DataFrame:
    """One row per membership: person, organization, sector, group, role and seats (display names)."""
    catalogue = load_catalogue()
    columns = ["membership_id", "person_id", "person", "organization", "sector", "group_id", "group", "group_kind", "role", "seats"]
    memberships = rows_of(tables, "memberships")
    if memberships.empty:
        return pd.DataFrame(columns=columns)
    people = rows_of(tables, "people")[["id", "name", "organization_id", "sector"]]
    organizations = rows_of(tables, "organizations")[["id", "name", "sector"]]
    groups = rows_of(tables, "groups")[["id", "name", "kind"]]
    merged = (
        memberships.rename(columns={"id": "membership_id"})
        .merge(people.add_prefix("person_"), on="person_id", how="left")
        .merge(organizations.add_prefix("org_"), left_on="person_organization_id", right_on="org_id", how="left")
        .merge(groups.add_prefix("group_"), on="group_id", how="left")
    )
    # A person's own sector wins over their organization's (a nurse seconded to a school board).
    sector = merged["person_sector"].where(merged["person_sector"].notna(), merged["org_sector"])
    return pd.DataFrame(
        {
            "membership_id": merged["membership_id"],
            "person_id": merged["person_id"],
            "person": merged["person_name"].fillna(merged["person_id"]),
            "organization": merged["org_name"].astype(object).where(merged["org_name"].notna(), None),
            "sector": [catalogue.name_of("sectors", s) if isinstance(s, str) else None for s in sector],
            "group_id": merged["group_id"],
            "group": merged["group_name"].fillna(merged["group_id"]),
            "group_kind": merged["group_kind"],
            "role": [catalogue.name_of("roles", r) for r in merged["role"]],
            "seats": [[catalogue.name_of("seats", k) for k in keys or []] for keys in merged["seats"]],
        },
        columns=columns,
    )


@dataclass(frozen=True)
class SeatStatus:
    key: str
    name: str
    if_exists: bool
    status: str  # "filled", "not applicable", "missing"
    filled_by: tuple[str, ...]  # "Person (Organization)", eligible holders only
    reason: str = ""
    ineligible: tuple[str, ...] = ()  # why each person named for the seat cannot fill it


def _sector_list(keys: tuple[str, ...]) -> str:
    catalogue = load_catalogue()
    names = [catalogue.name_of("sectors", k) for k in keys]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def seat_eligibility(tables: Tables) -> dict[tuple[str, str], str | None]:
    """(membership id, seat key) -> None when the member may fill that seat, else the reason they
    may not. A seat takes people from the catalogue's eligible sectors: the person's own sector or
    their organization's (a councillor appointed to the police service board sits for both). Covers
    every seat named on an advisory-committee membership."""
    catalogue = load_catalogue()
    seats = {seat.key: seat for seat in catalogue.seats}
    memberships = rows_of(tables, "memberships")
    if memberships.empty:
        return {}
    people = rows_of(tables, "people")
    organizations = rows_of(tables, "organizations")
    groups = rows_of(tables, "groups")
    committees = set(groups.loc[groups["kind"] == "advisory_committee", "id"]) if not groups.empty else set()
    person = {str(p["id"]): p for p in people.to_dict("records")} if not people.empty else {}
    organization = {str(o["id"]): o for o in organizations.to_dict("records")} if not organizations.empty else {}
    verdicts: dict[tuple[str, str], str | None] = {}
    for m in memberships.to_dict("records"):
        if m["group_id"] not in committees:
            continue
        who = person.get(str(m["person_id"]), {})
        org = organization.get(str(who.get("organization_id")), {})
        sectors = [str(v) for v in (who.get("sector"), org.get("sector")) if not blank(v)]
        name = str(who.get("name") or m["person_id"])
        where = f" ({org['name']})" if not blank(org.get("name")) else ""
        for key in as_list(m.get("seats")):
            seat = seats.get(key)
            if seat is None:
                continue
            needs = f"the “{seat.name}” seat needs someone from {_sector_list(seat.eligible_sectors)}"
            if not sectors:
                verdicts[(str(m["id"]), key)] = f"{name}{where} has no sector recorded: {needs}; record their sector"
            elif not any(s in seat.eligible_sectors for s in sectors):
                named = " and ".join(dict.fromkeys(catalogue.name_of("sectors", s) for s in sectors))
                verdicts[(str(m["id"]), key)] = f"{name}{where} is from {named}: {needs}"
            else:
                verdicts[(str(m["id"]), key)] = None
    return verdicts


def seat_status(tables: Tables) -> list[SeatStatus]:
    """Each required advisory-committee seat with who fills it, or why it is empty.

    Only someone from one of the seat's eligible sectors fills it; a person named for a seat they
    cannot fill is listed in `ineligible` with the reason.
    """
    catalogue = load_catalogue()
    members = roster(tables)
    committee = members[members["group_kind"] == "advisory_committee"]
    verdicts = seat_eligibility(tables)
    exemptions = rows_of(tables, "coverage_exemptions")
    reasons = (
        dict(zip(exemptions.loc[exemptions["list"] == "seats", "key"], exemptions.loc[exemptions["list"] == "seats", "reason"], strict=True))
        if not exemptions.empty
        else {}
    )
    statuses = []
    for seat in catalogue.seats:
        holders: list[str] = []
        ineligible: list[str] = []
        for _, row in committee.iterrows():
            if seat.name not in row["seats"]:
                continue
            why = verdicts.get((str(row["membership_id"]), seat.key))
            if why:
                ineligible.append(why)
            else:
                holders.append(f"{row['person']}" + (f" ({row['organization']})" if row["organization"] else ""))
        if holders:
            status, reason = "filled", ""
        elif seat.if_exists and seat.key in reasons:
            status, reason = "not applicable", str(reasons[seat.key])
        else:
            status, reason = "missing", ""
        statuses.append(SeatStatus(seat.key, seat.name, seat.if_exists, status, tuple(holders), reason, tuple(ineligible)))
    return statuses


def people_in_role(tables: Tables, role: str) -> pd.DataFrame:
    """Champions, coordinators...: person, organization, group."""
    catalogue = load_catalogue()
    members = roster(tables)
    return members[members["role"] == catalogue.name_of("roles", role)][["person", "organization", "group"]].reset_index(drop=True)


COUNCIL_COLUMNS = ["community", "council", "role", "resolution_date", "resolution_reference", "status",
                   "publication_due", "review_due"]


def councils(tables: Tables) -> pd.DataFrame:
    """Each council of the plan with its adoption resolution and its own deadlines.

    `resolution_date` and `resolution_reference` are those of the resolution adopting the plan (a
    resolution to take part is not one); `publication_due` and `review_due` count from that council's
    adoption and apply to municipal councils only (see `model.adoption`).
    """
    rows = [
        {
            "community": c.community, "council": c.council, "role": c.role, "resolution_date": c.adopted,
            "resolution_reference": c.reference, "status": c.status, "publication_due": c.publication_due,
            "review_due": c.review_due,
        }
        for c in council_adoptions(tables)
    ]
    return pd.DataFrame(rows, columns=COUNCIL_COLUMNS)


@dataclass(frozen=True)
class TermsSection:
    key: str
    name: str
    prompt: str
    text: str | None


def terms_of_reference(tables: Tables, group_id: str | None) -> list[TermsSection]:
    """The five sections of one group's terms of reference (None: the combined one)."""
    catalogue = load_catalogue()
    sections = rows_of(tables, "tor_sections")
    if not sections.empty:
        mine = sections[sections["group_id"].isna()] if group_id is None else sections[sections["group_id"] == group_id]
        written = dict(zip(mine["section"], mine["text"], strict=True))
    else:
        written = {}
    return [TermsSection(s.key, s.name, s.prompt, written.get(s.key)) for s in catalogue.tor_sections]


@dataclass(frozen=True)
class TermsChanges:
    """What saving a terms of reference writes: sections to add (key -> text), to change (id ->
    text) and to remove (ids of sections emptied)."""

    add: dict[str, str]
    change: dict[str, str]
    remove: list[str]


def terms_of_reference_changes(sections: pd.DataFrame, group_id: str | None, texts: dict[str, str | None]) -> TermsChanges:
    """Compare the texts to save (section key -> text; blank = remove) with the stored sections of
    one group (None: the combined one). Sections not named in `texts` are left as they are."""
    if sections.empty:
        mine = sections
    else:
        mine = sections[sections["group_id"].isna()] if group_id is None else sections[sections["group_id"] == group_id]
    ids = dict(zip(mine["section"], mine["id"], strict=True)) if len(mine) else {}
    stored = dict(zip(mine["section"], mine["text"], strict=True)) if len(mine) else {}
    add, change, remove = {}, {}, []
    for key, raw in texts.items():
        text = (raw or "").strip()
        if key in ids and not text:
            remove.append(str(ids[key]))
        elif key in ids and text != stored[key]:
            change[str(ids[key])] = text
        elif key not in ids and text:
            add[key] = text
    return TermsChanges(add, change, remove)
