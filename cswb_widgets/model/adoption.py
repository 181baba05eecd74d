"""Who has adopted the plan, and the legal deadlines that follow, council by council.

Ontario's Community Safety and Policing Act, 2019 binds municipalities: each council adopts the
plan by resolution, publishes it within 30 days and reviews it within four years. A joint plan is
adopted only when every participating council has adopted it; each council's deadlines count from
its own adoption. First Nations are encouraged, not required, to plan: a Band Council approves the
plan in its own terms (adopting or endorsing it) and no statutory deadline applies.

A council resolution is one of four kinds (`RESOLUTION_KINDS`); only an adoption or a revision
adopts the plan. Resolutions recorded before kinds existed get one inferred from their wording
(`infer_resolution_kind`), adoption only when the text says the council adopted it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..framework import load_catalogue
from ..i18n import N_, _
from ._tables import Tables, blank, rows_of

RESOLUTION_KINDS = ("participation", "endorsement", "adoption", "revision")
ADOPTING_KINDS = frozenset({"adoption", "revision"})
# A Band Council approves its plan in its own terms: endorsing it is its approval.
BAND_COUNCIL_APPROVING_KINDS = frozenset({"adoption", "revision", "endorsement"})

# A council's standing: compared as written, shown with _() (render/implementation.py, plan_cycle).
ADOPTED = N_("Adopted")
APPROVED_BY_BAND_COUNCIL = N_("Approved by Band Council resolution")
TOOK_PART_ONLY = N_("Took part; has not adopted the plan")
ENDORSED_ONLY = N_("Endorsed; has not adopted the plan")
NO_RESOLUTION = N_("No resolution recorded")
PARTNER = N_("Partner (no resolution needed)")

_ADOPT = re.compile(r"\badopt", re.IGNORECASE)
_REVISE = re.compile(r"\b(revis|amend|updated\b)", re.IGNORECASE)
_ENDORSE = re.compile(r"\bendors", re.IGNORECASE)


def infer_resolution_kind(text: str) -> str:
    """The kind of a council resolution from its wording: adoption only when it says "adopt"."""
    if _ADOPT.search(text):
        return "revision" if _REVISE.search(text) else "adoption"
    if _ENDORSE.search(text):
        return "endorsement"
    return "participation"


def resolution_kind(record: Mapping[str, Any]) -> str:
    """A council resolution's kind: the one recorded, else inferred from its description and reference."""
    kind = record.get("resolution_kind")
    if not blank(kind) and str(kind) in RESOLUTION_KINDS:
        return str(kind)
    words = " ".join(str(record.get(c)) for c in ("description", "reference") if not blank(record.get(c)))
    return infer_resolution_kind(words)


def bound_by_act(community_kind: Any) -> bool:
    """Whether the Act's planning duties (adopt, publish in 30 days, review in four years) bind this
    kind of community: municipalities yes, First Nations no."""
    return str(community_kind) != "first_nation"


def first_nation_led(tables: Tables) -> bool:
    """A First Nation's own plan, or a joint plan whose lead is a First Nation: the Band Council's terms apply."""
    community = rows_of(tables, "community")
    if not community.empty and str(community["kind"].iloc[0]) == "first_nation":
        return True
    members = rows_of(tables, "member_communities")
    if members.empty or "lead" not in members:
        return False
    leads = members[[not blank(v) and bool(v) for v in members["lead"]]]
    return not leads.empty and all(str(k) == "first_nation" for k in leads["kind"])


def _date(value: Any) -> dt.date | None:
    if blank(value):
        return None
    return value.date() if isinstance(value, (pd.Timestamp, dt.datetime)) else pd.Timestamp(value).date()


def add_years(day: dt.date, years: int) -> dt.date:
    """The same calendar day `years` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class CouncilAdoption:
    """One council's standing on the plan."""

    member_id: str | None
    community: str
    council: str
    community_kind: str
    role: str  # "Lead", "Member" or "Partner"
    adopted: dt.date | None  # the approving resolution's date (None: not adopted)
    reference: str | None
    approval_kind: str | None  # the approving resolution's kind
    participation: dt.date | None  # the first resolution to take part, if any
    status: str  # a label, see the constants above
    bound_by_act: bool

    @property
    def needs_resolution(self) -> bool:
        return self.role != "Partner"

    @property
    def has_approved(self) -> bool:
        return self.adopted is not None

    @property
    def publication_due(self) -> dt.date | None:
        """The Act's deadline to publish, counted from this council's adoption (municipalities only)."""
        if not self.bound_by_act or self.adopted is None:
            return None
        return self.adopted + dt.timedelta(days=load_catalogue().plan_rules.publication_days)

    @property
    def review_due(self) -> dt.date | None:
        """The Act's latest review date, counted from this council's adoption (municipalities only)."""
        if not self.bound_by_act or self.adopted is None:
            return None
        return add_years(self.adopted, load_catalogue().plan_rules.review_years)


def _resolutions(tables: Tables) -> list[dict[str, Any]]:
    evidence = rows_of(tables, "commitment_evidence")
    if evidence.empty:
        return []
    records = evidence[evidence["kind"] == "council_resolution"].to_dict("records")
    for record in records:
        record["_kind"] = resolution_kind(record)
        record["_date"] = _date(record.get("date"))
    return records


def _standing(
    *, member_id: str | None, community: str, council: str, kind: str, role: str, recorded_date: Any,
    recorded_reference: Any, resolutions: list[dict[str, Any]],
) -> CouncilAdoption:
    bound = bound_by_act(kind)
    approving = ADOPTING_KINDS if bound else BAND_COUNCIL_APPROVING_KINDS
    own = [r for r in resolutions if r["_date"] is not None]
    adopted: dt.date | None = None
    reference: str | None = None
    approval: str | None = None
    recorded = _date(recorded_date)
    # The member's own resolution date is its adoption, unless a resolution of that day says otherwise.
    contradicted = any(r["_date"] == recorded and r["_kind"] not in approving for r in own)
    if recorded is not None and not contradicted:
        same_day = [r for r in own if r["_date"] == recorded]
        adopted, approval = recorded, (same_day[0]["_kind"] if same_day else "adoption")
        reference = None if blank(recorded_reference) else str(recorded_reference)
    approvals = sorted((r for r in own if r["_kind"] in approving), key=lambda r: r["_date"])
    if approvals and (adopted is None or approvals[-1]["_date"] > adopted):
        latest = approvals[-1]  # a revision adopted later supersedes the first adoption
        adopted, approval = latest["_date"], latest["_kind"]
        reference = None if blank(latest.get("reference")) else str(latest["reference"])
    taking_part = sorted(r["_date"] for r in own if r["_kind"] == "participation")
    endorsed = any(r["_kind"] == "endorsement" for r in own)
    if role == "Partner":
        status = PARTNER
    elif adopted is not None:
        status = ADOPTED if bound else APPROVED_BY_BAND_COUNCIL
    elif endorsed:
        status = ENDORSED_ONLY
    elif taking_part:
        status = TOOK_PART_ONLY
    else:
        status = NO_RESOLUTION
    return CouncilAdoption(
        member_id, community, council, kind, role, adopted, reference, approval,
        taking_part[0] if taking_part else None, status, bound,
    )


def council_adoptions(tables: Tables) -> list[CouncilAdoption]:
    """Every council of the plan (each member community of a joint plan, else the one community)."""
    resolutions = _resolutions(tables)
    members = rows_of(tables, "member_communities")
    if members.empty:
        community = rows_of(tables, "community")
        if community.empty:
            return []
        row = community.iloc[0]
        kind = str(row.get("kind") or "municipality")
        name = str(row.get("name") or "The community")
        council = (_("{name} Chief and Council") if kind == "first_nation" else _("{name} council")).format(name=name)
        return [_standing(member_id=None, community=name, council=council, kind=kind, role="Lead",
                          recorded_date=row.get("adoption_date"), recorded_reference=None, resolutions=resolutions)]
    standings = []
    for m in members.to_dict("records"):
        partner = not blank(m.get("partner")) and bool(m["partner"])
        lead = not blank(m.get("lead")) and bool(m["lead"])
        role = "Partner" if partner else ("Lead" if lead else "Member")
        name = str(m["name"])
        council = str(m["council"]) if not blank(m.get("council")) else _("{name} council").format(name=name)
        own = [r for r in resolutions if str(r.get("member_community_id")) == str(m["id"])]
        standings.append(_standing(
            member_id=str(m["id"]), community=name, council=council, kind=str(m.get("kind") or "municipality"),
            role=role, recorded_date=m.get("resolution_date"), recorded_reference=m.get("resolution_reference"),
            resolutions=own,
        ))
    return standings


def plan_adopted(tables: Tables) -> bool:
    """Adopted only when every participating council (partners aside) has adopted or approved it."""
    needed = [c for c in council_adoptions(tables) if c.needs_resolution]
    return bool(needed) and all(c.has_approved for c in needed)


def in_force_since(tables: Tables) -> dt.date | None:
    """The day the last participating council adopted the plan, or None while one has not."""
    needed = [c for c in council_adoptions(tables) if c.needs_resolution]
    if not needed or not all(c.has_approved for c in needed):
        return None
    return max(c.adopted for c in needed if c.adopted is not None)


def date_order_problems(tables: Tables) -> list[str]:
    """Dates out of order: publication before a council adopted the plan, a review before adoption."""
    community = rows_of(tables, "community")
    row = community.iloc[0] if not community.empty else pd.Series(dtype=object)
    published = _date(row.get("publication_date"))
    review = _date(row.get("next_review_date"))
    problems = []
    for council in council_adoptions(tables):
        if council.adopted is None or not council.needs_resolution:
            continue
        if published is not None and published < council.adopted:
            problems.append(_("the publication date ({published}) is before {council} adopted the plan ({adopted})").format(
                published=published.isoformat(), council=council.council, adopted=council.adopted.isoformat()))
        if review is not None and review <= council.adopted:
            problems.append(_("the next review date ({review}) is not after {council} adopted the plan ({adopted})").format(
                review=review.isoformat(), council=council.council, adopted=council.adopted.isoformat()))
    return problems
