"""A large, made-up city for benchmarks: every table of the workspace, filled.

`generate_city` builds "Synthetic City (benchmark data)" - wards laid out as a
grid of rectangles, organizations and people, an advisory committee with every
required seat, engagement with thousands of feedback items, a risk register
with indicators by ward and year, scores and votes, an asset inventory with
coordinates, strategies, logic models, measures and an implementation plan.

The records are built first, in memory, from one `random.Random(seed)` and
fixed dates (so a seed always gives the same data, byte for byte), and then
written through the ordinary, validating `Workspace.add` in one batch: the
benchmark data takes the same path as anyone's data.

    python -m cswb_widgets.store.synthetic /tmp/bigcity --seed 7 --assets 20000
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..framework import Catalogue, load_catalogue
from .schema import TABLES
from .workspace import SINGLETON_ID, Workspace

CITY_NAME = "Synthetic City (benchmark data)"
SHORT_NAME = "Synthetic City"
SOURCE = "synthetic"

# The city's south-west corner and the size of one ward (degrees, WGS 84).
ORIGIN_LON, ORIGIN_LAT = -80.60, 44.10
WARD_WIDTH, WARD_HEIGHT = 0.045, 0.032
# Assets keep this fraction of a ward's size away from its edges, so rounding a
# coordinate never moves it onto (or across) a ward line.
EDGE_MARGIN = 0.02
COORDINATE_DIGITS = 6

Record = tuple[str, dict[str, Any]]  # (table name, fields including "id")


# --- Word lists (all invented; none of the filler words is a catalogue keyword) ---------------

PLACES = (
    "Northgate", "Riverside", "Maplewood", "Cedar Hill", "Lakeshore", "Eastview", "Westbrook",
    "Pinecrest", "Stonebridge", "Elm Park", "Harbourside", "Birchmount", "Oakridge", "Meadowvale",
    "Willowdale", "Foxglove", "Granite Falls", "Silver Creek", "Kingsway", "Hillcrest",
)
ORGANIZATION_KINDS: dict[str, tuple[str, ...]] = {
    "health": ("Community Health Centre", "Family Health Team", "General Hospital"),
    "mental_health_addictions": ("Mental Health Services", "Recovery Centre", "Crisis Line"),
    "public_health": ("Public Health Unit",),
    "education": ("District School Board", "Catholic District School Board", "College", "Adult Learning Centre"),
    "community_social_services": ("Family Services", "Community Services", "Resource Centre"),
    "children_youth_services": ("Youth Centre", "Children's Aid Society", "Boys and Girls Club"),
    "custodial_youth_services": ("Youth Justice Residence", "Youth Custody Centre"),
    "municipal_government": ("Social Services Department", "Recreation Department", "Clerk's Office"),
    "police": ("Police Service", "Police Services Board"),
    "fire": ("Fire Services",),
    "ems": ("Paramedic Services",),
    "first_nation_government": ("First Nation Band Council",),
    "indigenous_organization": ("Native Friendship Centre", "Indigenous Health Circle"),
    "housing": ("Housing Corporation", "Housing Help Centre", "Non-Profit Housing Co-op"),
    "employment_income": ("Employment Services", "Ontario Works Office"),
    "justice_corrections": ("Probation and Parole Office", "Legal Clinic", "Victim Services"),
    "faith": ("Interfaith Council", "Community Church", "Mosque Association"),
    "business": ("Business Improvement Area", "Chamber of Commerce"),
    "culture_recreation": ("Public Library", "Recreation Association", "Arts Council"),
    "other": ("Volunteer Centre", "United Way"),
}
FIRST_NAMES = (
    "Avery", "Jordan", "Priya", "Marc", "Leila", "Tomas", "Aiyana", "Chen", "Fatima", "Noah",
    "Sofia", "Kwame", "Isabelle", "Ravi", "Hannah", "Mateo", "Amara", "Liam", "Nadia", "Owen",
    "Mei", "Jamal", "Elena", "Samir", "Grace", "Darius", "Ingrid", "Kofi", "Lucie", "Arjun",
)
LAST_NAMES = (
    "Tremblay", "Singh", "Martin", "Nguyen", "Roy", "Okafor", "Gagnon", "Wilson", "Chen", "Campbell",
    "Bouchard", "Patel", "Morrison", "Cardinal", "Kowalski", "Ahmed", "Stewart", "Fontaine", "Lee",
    "Moreau", "Thompson", "Sutherland", "Rossi", "Haddad", "Whitecloud", "Ibrahim", "Fraser", "Park",
)
TITLES = (
    "Executive Director", "Program Manager", "Director of Services", "Outreach Coordinator",
    "Manager", "Superintendent", "Inspector", "Councillor", "Senior Planner", "Team Lead",
)
PROGRAMS = (
    "Drop-in Program", "Outreach Team", "Mentoring Program", "Counselling Service", "Food Program",
    "After-hours Line", "Peer Network", "Skills Workshop", "Family Program", "Case Management",
    "Harm Reduction Service", "Navigation Service", "Recreation Program", "Tutoring Program",
    "Wellness Clinic", "Home Visiting Program", "Legal Advice Clinic", "Newcomer Welcome Desk",
)
FUNDING = ("Municipal", "Provincial", "Federal", "Foundation grant", "Fee for service", "Donations", "Mixed")
DELIVERY = ("In person", "Virtual", "Outreach", "Phone", "In person and virtual")
TARGET_POPULATIONS = (
    "Youth 12-24", "Children 0-6 and their families", "Older adults", "Adults", "Newcomers",
    "Indigenous residents", "People without stable housing", "Women and gender-diverse people",
    "All residents",
)
STREETS = (
    "Main Street", "King Street", "Queen Street", "Maple Avenue", "Lakeshore Road", "Elm Street",
    "Victoria Street", "Church Street", "Park Avenue", "Mill Road", "Bay Street", "Pine Crescent",
)
LANDMARKS = (
    "the library", "the arena", "the plaza", "the waterfront", "the market square", "the rail trail",
    "the community centre", "the mall", "the train station", "the river path", "downtown",
)
PARTICIPANT_GROUPS = (
    "residents", "service providers", "youth", "older adults", "newcomers", "Indigenous residents",
    "people with lived experience", "business owners", "front-line staff",
)
THEMES = ("access", "awareness", "coordination", "belonging", "trust", "communication", "capacity")
FOCUS_GROUPS = (
    "youth", "older adults", "families with young children", "newcomers", "people living alone",
    "students", "seasonal workers", "Indigenous residents", "veterans",
)
# Feedback sentences: {a} and {b} are catalogue keywords, {place} a ward or landmark.
FEEDBACK_ONE = (
    "Worried about {a} near {place}.",
    "{A} keeps coming up at our table.",
    "We need more help with {a} in {place}.",
    "Residents of {place} raised {a} several times.",
    "Too much {a} around {place} lately.",
    "Our members see {a} every week.",
    "Can the city do something about {a}?",
    "{A} has got worse since last year, especially near {place}.",
)
FEEDBACK_TWO = (
    "{A} and {b} go together for many families here.",
    "We see {a} and also {b} near {place}.",
    "People talked about {a}, then about {b}.",
    "{A} in {place} often leads to {b}.",
)
FEEDBACK_NONE = (
    "More benches and lighting along {place} would help.",
    "Thank you for coming out to listen to us.",
    "Please hold the next session in the evening.",
    "Information should be available in more languages.",
    "Good meeting; we want to stay involved.",
)
METRICS = (
    # (indicator, unit, data source, typical value range)
    ("Police calls for service", "per 1,000 residents", "Police records extract", (5.0, 60.0)),
    ("Emergency department visits", "per 10,000 residents", "Hospital emergency department data", (2.0, 40.0)),
    ("Situation table referrals", "count", "Situation table (de-identified)", (1.0, 25.0)),
    ("Residents reporting concern", "percent", "Community survey", (5.0, 55.0)),
    ("Clients served by partners", "count", "Partner agency records", (20.0, 400.0)),
    ("Paramedic responses", "per 10,000 residents", "Paramedic services", (3.0, 30.0)),
)
CRITERIA = (
    # (name, description, weight, higher_is_worse, source): computed sources get no entered scores
    ("Seriousness", "How much harm the risk causes when it occurs", 3.0, True, "entered"),
    ("Frequency", "How often the risk occurs in the community", 2.0, True, "entered"),
    ("Trend", "Whether the risk's indicators are rising", 1.5, True, "indicator_trend"),
    ("Community concern", "How strongly residents raised it in engagement", 2.0, True, "community_concern"),
    ("Capacity gap", "Planning areas where no asset addresses the risk", 1.0, True, "capacity_gap"),
    ("Capacity to act", "Partners' ability to change it together", 1.0, False, "entered"),
)
LEVEL_ITEMS = {  # logic-model level -> how many items
    "inputs": 2, "activities": 3, "outputs": 2, "immediate": 2, "intermediate": 2, "long_term": 1,
}
OUTCOME_LEVELS = ("immediate", "intermediate", "long_term")


# --- Geometry ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ward:
    number: int
    name: str
    west: float
    south: float
    east: float
    north: float

    def polygon(self) -> dict[str, Any]:
        ring = [
            [self.west, self.south], [self.east, self.south], [self.east, self.north],
            [self.west, self.north], [self.west, self.south],
        ]
        return {"type": "Polygon", "coordinates": [ring]}

    def random_point(self, rng: random.Random) -> tuple[float, float]:
        """(latitude, longitude) strictly inside the ward, rounded."""
        dx, dy = (self.east - self.west) * EDGE_MARGIN, (self.north - self.south) * EDGE_MARGIN
        lon = rng.uniform(self.west + dx, self.east - dx)
        lat = rng.uniform(self.south + dy, self.north - dy)
        return round(lat, COORDINATE_DIGITS), round(lon, COORDINATE_DIGITS)


def _coordinate(value: float) -> float:
    return round(value, COORDINATE_DIGITS)


def ward_grid(wards: int) -> tuple[list[Ward], dict[str, Any]]:
    """`wards` rectangles in rows of ceil(sqrt(wards)), and the city boundary around them.

    A last, partial row sits at the top left, so the boundary is a rectangle with
    (at most) one step cut out of its top right corner: one Polygon, never a MultiPolygon.
    """
    if wards < 1:
        raise ValueError(f"a city needs at least one ward, not {wards}")
    columns = math.ceil(math.sqrt(wards))
    full_rows, rest = divmod(wards, columns)
    grid = []
    for index in range(wards):
        row, column = divmod(index, columns)
        grid.append(
            Ward(
                number=index + 1,
                name=f"Ward {index + 1}",
                west=_coordinate(ORIGIN_LON + column * WARD_WIDTH),
                south=_coordinate(ORIGIN_LAT + row * WARD_HEIGHT),
                east=_coordinate(ORIGIN_LON + (column + 1) * WARD_WIDTH),
                north=_coordinate(ORIGIN_LAT + (row + 1) * WARD_HEIGHT),
            )
        )
    west, south = _coordinate(ORIGIN_LON), _coordinate(ORIGIN_LAT)
    east = _coordinate(ORIGIN_LON + columns * WARD_WIDTH)
    full_top = _coordinate(ORIGIN_LAT + full_rows * WARD_HEIGHT)
    if rest == 0:
        ring = [[west, south], [east, south], [east, full_top], [west, full_top], [west, south]]
    else:
        step = _coordinate(ORIGIN_LON + rest * WARD_WIDTH)
        top = _coordinate(ORIGIN_LAT + (full_rows + 1) * WARD_HEIGHT)
        if full_rows == 0:  # a single, partial row
            ring = [[west, south], [step, south], [step, top], [west, top], [west, south]]
        else:
            ring = [
                [west, south], [east, south], [east, full_top], [step, full_top],
                [step, top], [west, top], [west, south],
            ]
    return grid, {"type": "Polygon", "coordinates": [ring]}


# --- Building the records ---------------------------------------------------------------------


@dataclass
class _City:
    """Ids handed out so far, for the later tables to refer to."""

    wards: list[Ward] = field(default_factory=list)
    organizations: list[tuple[str, str, str]] = field(default_factory=list)  # id, name, sector
    people: list[tuple[str, str, str]] = field(default_factory=list)  # id, organization id, sector
    activities: list[tuple[str, dt.date]] = field(default_factory=list)
    risks: list[tuple[str, str, str]] = field(default_factory=list)  # id, name, category
    priority: list[str] = field(default_factory=list)
    teams: dict[str, str] = field(default_factory=dict)  # risk id -> team id
    assets_by_risk: dict[str, list[str]] = field(default_factory=dict)
    strategies: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # risk -> (id, area)
    committee: list[str] = field(default_factory=list)  # person ids on the advisory committee
    memberships: int = 0

    def membership_id(self) -> str:
        self.memberships += 1
        return f"member-{self.memberships:04d}"


def _ids(prefix: str, count: int) -> list[str]:
    width = max(3, len(str(count)))
    return [f"{prefix}-{i + 1:0{width}d}" for i in range(count)]


def _days(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    """A random day from start to end, both included."""
    return start + dt.timedelta(days=rng.randint(0, max(0, (end - start).days)))


def _capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]


def build_city(
    *,
    seed: int = 1,
    assets: int = 5000,
    risks: int = 100,
    feedback: int = 20000,
    actions: int = 300,
    wards: int = 12,
    years: Sequence[int] = range(2019, 2025),
    catalogue: Catalogue | None = None,
) -> list[Record]:
    """Every record of the synthetic city, in an order that writes parents first.

    Pure and deterministic: the same arguments always give the same list.
    """
    for name, value in (("assets", assets), ("feedback", feedback), ("actions", actions)):
        if value < 0:
            raise ValueError(f"{name} must be zero or more, not {value}")
    if risks < 1:
        raise ValueError(f"a city needs at least one risk, not {risks}")
    years = sorted({int(y) for y in years})
    if not years:
        raise ValueError("years must hold at least one year")
    catalogue = catalogue or load_catalogue()
    rng = random.Random(seed)
    city = _City()
    out: list[Record] = []
    first, last = years[0], years[-1]
    as_of = dt.date(last, 12, 31)  # the "today" of the data: statuses are as of this day
    adoption = dt.date(first + (last - first) // 2, 6, 15)

    _community(out, rng, city, wards, first, last, adoption)
    _organizations(out, rng, city, catalogue, assets)
    _commitment(out, rng, city, catalogue, adoption)
    _engagement(out, rng, city, catalogue, years, feedback)
    _risks(out, rng, city, catalogue, risks, years)
    _assets(out, rng, city, catalogue, assets)
    _evaluation(out, rng, city, catalogue, years, adoption)
    _implementation(out, rng, city, catalogue, actions, adoption, as_of)
    return out


def _community(
    out: list[Record], rng: random.Random, city: _City, wards: int, first: int, last: int, adoption: dt.date
) -> None:
    grid, boundary = ward_grid(wards)
    city.wards = grid
    populations = [rng.randrange(8_000, 22_000, 10) for _ in grid]
    total = sum(populations)
    out.append(("community", {
        "id": SINGLETON_ID,
        "name": CITY_NAME,
        "kind": "municipality",
        "illustrative": True,
        "population": total,
        "population_year": first + 2 if first + 2 <= last else first,
        "background": (
            f"{SHORT_NAME} is an invented city of {total:,} people in {wards} wards, generated for"
            " benchmarks. None of its people, organizations or figures is real."
        ),
        "demographics": "\n".join([
            f"Population {total:,}",
            f"Median age {rng.randint(36, 44)}",
            f"{rng.randint(12, 30)}% of residents are newcomers",
            f"{rng.randint(3, 12)}% identify as Indigenous",
        ]),
        "plan_start": dt.date(first, 3, 1),
        "adoption_date": adoption,
        "publication_date": adoption + dt.timedelta(days=rng.randint(5, 30)),
        "next_review_date": adoption.replace(year=adoption.year + 4),
        # Ontario councils' terms end in November of years 2022, 2026, ...
        "council_term_end": dt.date(adoption.year + (2 - adoption.year) % 4, 11, 14),
        "budget_date": dt.date(last + 1, 2, 1),
        "website": "https://example.org/synthetic-city",
        "plan_name": f"{SHORT_NAME} Community Safety and Well-Being Plan",
        "colour_primary": "#1f4e79",
        "colour_secondary": "#f2a900",
    }))
    out.append(("member_communities", {
        "id": "mc-city",
        "name": SHORT_NAME,
        "kind": "municipality",
        "council": f"Council of {SHORT_NAME}",
        "lead": True,
        "partner": False,
        "resolution_date": adoption,
        "resolution_reference": f"Resolution {adoption.year}-{rng.randint(100, 999)}",
    }))
    out.append(("areas", {
        "id": "area-boundary",
        "name": SHORT_NAME,
        "kind": "boundary",
        "member_community_id": "mc-city",
        "population": total,
        "geometry": boundary,
        "source": SOURCE,
    }))
    for ward, population in zip(grid, populations, strict=True):
        out.append(("areas", {
            "id": f"area-ward-{ward.number:02d}",
            "name": ward.name,
            "kind": "ward",
            "parent_id": "area-boundary",
            "member_community_id": "mc-city",
            "population": population,
            "geometry": ward.polygon(),
            "source": SOURCE,
        }))


def _organizations(out: list[Record], rng: random.Random, city: _City, catalogue: Catalogue, assets: int) -> None:
    sectors = list(catalogue.keys("sectors"))
    count = max(len(sectors) + 10, assets // 25)
    used: Counter[str] = Counter()
    for i, org_id in enumerate(_ids("org", count)):
        # every sector first (so every seat can be filled), then a random mix
        sector = sectors[i] if i < len(sectors) else rng.choice(sectors)
        kinds = ORGANIZATION_KINDS.get(sector, ("Agency",))
        name = f"{rng.choice(PLACES)} {rng.choice(kinds)}"
        used[name] += 1
        if used[name] > 1:
            name = f"{name} {used[name]}"
        city.organizations.append((org_id, name, sector))
        out.append(("organizations", {
            "id": org_id,
            "name": name,
            "sector": sector,
            "member_community_id": "mc-city",
            "description": f"A {catalogue.name_of('sectors', sector).lower()} organization serving {SHORT_NAME}.",
            "website": f"https://example.org/{org_id}",
        }))
    people = _ids("person", count * 2 + 10)
    for i, person_id in enumerate(people):
        org_id, _, sector = city.organizations[i % count]
        first_name, last_name = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        city.people.append((person_id, org_id, sector))
        out.append(("people", {
            "id": person_id,
            "name": f"{first_name} {last_name}",
            "organization_id": org_id,
            "title": rng.choice(TITLES),
            "sector": sector,
            "email": f"{first_name}.{last_name}.{i + 1}@example.org".lower(),
            "phone": f"555-01{i % 100:02d}",
        }))


def _commitment(out: list[Record], rng: random.Random, city: _City, catalogue: Catalogue, adoption: dt.date) -> None:
    committee = "group-advisory"
    out.append(("groups", {
        "id": committee,
        "name": f"{SHORT_NAME} CSWB Advisory Committee",
        "kind": "advisory_committee",
        "description": "Strategic advice and direction on developing and carrying out the plan.",
    }))
    by_sector: dict[str, list[str]] = {}
    for person_id, _, sector in city.people:
        by_sector.setdefault(sector, []).append(person_id)
    taken = city.committee  # one person per role here, so the seats are spread out

    def pick(sectors: Iterable[str]) -> str:
        candidates = [p for s in sectors for p in by_sector.get(s, []) if p not in taken]
        person = rng.choice(candidates)
        taken.append(person)
        return person

    def join(group: str, person: str, role: str, seats: list[str] | None = None) -> None:
        out.append(("memberships", {
            "id": city.membership_id(), "group_id": group, "person_id": person, "role": role, "seats": seats or [],
        }))

    join(committee, pick(["municipal_government"]), "coordinator")
    join(committee, pick(["municipal_government"]), "champion")
    join(committee, pick(["police"]), "champion")
    for seat in catalogue.seats:
        join(committee, pick(seat.eligible_sectors), "member", [seat.key])
    join(committee, pick(catalogue.keys("sectors")), "chair")
    for _ in range(5):
        join(committee, pick(catalogue.keys("sectors")), "member")

    for section in catalogue.tor_sections:
        out.append(("tor_sections", {
            "id": f"tor-{section.key}",
            "group_id": committee,
            "section": section.key,
            "text": f"{section.name} of the advisory committee. {section.prompt} (Synthetic text.)",
        }))
    for i, kind in enumerate(catalogue.keys("commitment_evidence_kinds")):
        out.append(("commitment_evidence", {
            "id": f"evidence-{i + 1:02d}",
            "kind": kind,
            "member_community_id": "mc-city",
            "date": adoption - dt.timedelta(days=400 - 60 * i),
            "description": f"{catalogue.name_of('commitment_evidence_kinds', kind)} (synthetic record).",
            "reference": f"REF-{rng.randint(1000, 9999)}",
        }))


def _engagement(
    out: list[Record], rng: random.Random, city: _City, catalogue: Catalogue, years: list[int], feedback: int
) -> None:
    methods = catalogue.keys("engagement_methods")
    groups = catalogue.keys("consult_groups")
    sectors = catalogue.keys("sectors")
    periods = []
    for year in years:
        period_id = f"period-{year}"
        start, end = dt.date(year, 1, 15), dt.date(year, 11, 30)
        periods.append((period_id, start, end))
        out.append(("engagement_periods", {
            "id": period_id,
            "name": f"Engagement {year}",
            "start": start,
            "end": end,
            "outreach_types": "Surveys, focus sessions, town halls and interviews",
            "successes": f"Reached {rng.randint(300, 3000):,} residents across all wards.",
            "challenges": "Evening sessions were hard to staff; rural turnout was low.",
            "findings": "Residents want coordinated services close to home.",
            "lessons_learned": "Partner with trusted groups to host sessions.",
        }))
    count = max(len(groups), feedback // 100)
    for i, activity_id in enumerate(_ids("activity", count)):
        period_id, start, end = periods[i % len(periods)]
        when = _days(rng, start, end)
        method = rng.choice(methods)
        consult = [groups[i % len(groups)], *rng.sample(groups, rng.randint(0, 2))]
        status = "planned" if i % len(periods) == len(periods) - 1 and rng.random() < 0.3 else "done"
        city.activities.append((activity_id, when))
        out.append(("engagement_activities", {
            "id": activity_id,
            "title": f"{catalogue.name_of('engagement_methods', method)} in {rng.choice(city.wards).name}",
            "method": method,
            "period_id": period_id,
            "date": when,
            "audience": rng.choice(PARTICIPANT_GROUPS),
            "consult_groups": consult,
            "sector": rng.choice(sectors),
            "number_reached": None if status == "planned" else rng.randint(5, 400),
            "language_notes": rng.choice(("English", "English and French", "English, French and Arabic")),
            "accessibility_notes": rng.choice(("Step-free venue", "ASL interpretation", "Childcare offered", "")),
            "status": status,
        }))
    categories = catalogue.risk_categories
    # Some categories are raised far more often than others, as in real engagement.
    weights = [rng.random() ** 3 + 0.02 for _ in categories]
    places = [w.name for w in city.wards] + list(LANDMARKS)
    for feedback_id in _ids("feedback", feedback):
        activity_id, when = rng.choice(city.activities)
        roll = rng.random()
        place = rng.choice(places)
        if roll < 0.05:
            tags: list[str] = []
            text = rng.choice(FEEDBACK_NONE).format(place=place)
        else:
            picked = rng.choices(categories, weights, k=1 if roll < 0.65 else 2)
            if len(picked) == 2 and picked[0].key == picked[1].key:
                picked = picked[:1]
            words = [rng.choice(c.keywords) for c in picked]
            tags = [c.key for c in picked]
            template = rng.choice(FEEDBACK_ONE if len(words) == 1 else FEEDBACK_TWO)
            a, b = words[0], words[-1]
            text = template.format(a=a, A=_capitalize(a), b=b, place=place)
        out.append(("feedback", {
            "id": feedback_id,
            "activity_id": activity_id,
            "date": when,
            "text": text,
            "risk_categories": tags,
            "themes": rng.sample(THEMES, rng.randint(0, 2)),
            "participant_group": rng.choice(PARTICIPANT_GROUPS),
        }))


def _risks(
    out: list[Record], rng: random.Random, city: _City, catalogue: Catalogue, risks: int, years: list[int]
) -> None:
    categories = list(catalogue.risk_categories)
    rng.shuffle(categories)
    approaches = catalogue.keys("current_approaches")
    areas = catalogue.keys("planning_areas")
    domains = catalogue.protective_domains
    ids = _ids("risk", risks)
    priority = set(rng.sample(range(risks), max(1, round(risks * 0.1))))
    for i, risk_id in enumerate(ids):
        category = categories[i % len(categories)]
        round_ = i // len(categories)
        name = category.name
        if round_:
            name += f" among {FOCUS_GROUPS[(round_ - 1) % len(FOCUS_GROUPS)]}"
            if round_ > len(FOCUS_GROUPS):
                name += f" ({round_ // len(FOCUS_GROUPS) + 1})"
        is_priority = i in priority
        city.risks.append((risk_id, name, category.key))
        if is_priority:
            city.priority.append(risk_id)
        detail = is_priority or rng.random() < 0.3
        record: dict[str, Any] = {
            "id": risk_id,
            "name": name,
            "category": category.key,
            "description": category.definition,
            "priority": is_priority,
            "raised_by": rng.choice(("Focus sessions", "Community survey", "Police data", "Partner agencies", "Town hall")),
            "current_approach": rng.sample(approaches, rng.randint(1, 2)),
            "vulnerable_groups": rng.sample(FOCUS_GROUPS, rng.randint(1, 3)),
            "risk_factors": rng.sample(category.keywords, min(3, len(category.keywords))),
        }
        if detail:
            area = rng.choice(areas)
            record.update({
                "narrative": f"{name} affects residents in several wards; partners report rising demand. (Synthetic.)",
                "real_problem_or_symptom": rng.choice(("Real problem", "Symptom of deeper issues", "Both")),
                "evidence": f"Indicators for {years[0]}-{years[-1]} by ward; engagement feedback.",
                "comprehensive_strategy": "Coordinated prevention and early intervention across sectors.",
                "most_work_needed": catalogue.name_of("planning_areas", area),
                "who_fills_gaps": "Health, social services and education partners together.",
                "protective_factors": [rng.choice(d.examples) for d in rng.sample(domains, 2)],
            })
        out.append(("risks", record))

    wards = city.wards
    for risk_id, name, _ in city.risks:
        ward_factor = [rng.uniform(0.6, 1.6) for _ in wards]
        for metric, unit, source, (low, high) in rng.sample(METRICS, rng.randint(2, 3)):
            indicator = f"{metric}: {name}"
            base = rng.uniform(low, high)
            trend = rng.uniform(-0.08, 0.12)
            for w, ward in enumerate(wards):
                for y, year in enumerate(years):
                    value = base * ward_factor[w] * (1 + trend) ** y * rng.gauss(1.0, 0.05)
                    out.append(("indicators", {
                        "id": f"ind-{risk_id[5:]}-{metric[:3].lower()}-{ward.number:02d}-{year}",
                        "risk_id": risk_id,
                        "indicator": indicator,
                        "area": ward.name,
                        "year": year,
                        "value": round(max(value, 0.0), 1),
                        "unit": unit,
                        "comparator_value": round(base * (1 + trend / 2) ** y, 1),
                        "comparator_label": "Ontario",
                        "source": source,
                    }))

    criterion_ids = []
    for i, (name, description, weight, worse, source) in enumerate(CRITERIA):
        criterion_id = f"criterion-{i + 1}"
        if source == "entered":
            criterion_ids.append((criterion_id, worse))
        out.append(("criteria", {
            "id": criterion_id, "name": name, "description": description, "weight": weight,
            "higher_is_worse": worse, "source": source,
        }))
    priority_set = set(city.priority)
    for risk_id, _, _ in city.risks:
        lift = 1.0 if risk_id in priority_set else 0.0
        for criterion_id, _ in criterion_ids:
            value = min(5.0, max(1.0, rng.gauss(2.8 + lift, 0.8)))
            out.append(("risk_scores", {
                "id": f"score-{risk_id[5:]}-{criterion_id[10:]}",
                "risk_id": risk_id,
                "criterion_id": criterion_id,
                "value": round(value, 1),
            }))
    participants = 25
    per_participant = max(1, math.ceil(len(city.risks) / 2))
    for p in range(participants):
        participant = f"P{p + 1:03d}"
        for risk_id, _, _ in rng.sample(city.risks, per_participant):
            lift = 1.2 if risk_id in priority_set else 0.0
            out.append(("votes", {
                "id": f"vote-{p + 1:03d}-{risk_id[5:]}",
                "risk_id": risk_id,
                "participant": participant,
                "value": min(5, max(1, round(rng.gauss(2.6 + lift, 1.0)))),
                "session": f"Prioritization workshop {years[min(1, len(years) - 1)]}",
            }))


def _assets(out: list[Record], rng: random.Random, city: _City, catalogue: Catalogue, assets: int) -> None:
    areas = catalogue.keys("planning_areas")
    area_weights = [4, 3, 2, 1][: len(areas)] + [1] * max(0, len(areas) - 4)
    risk_ids = [r[0] for r in city.risks]
    without_coordinates = set(rng.sample(range(assets), min(assets, max(1, assets // 100)))) if assets else set()
    for i, asset_id in enumerate(_ids("asset", assets)):
        org_id, org_name, sector = rng.choice(city.organizations)
        ward = rng.choice(city.wards)
        addressed = rng.sample(risk_ids, rng.randint(0, min(3, len(risk_ids))))
        if city.priority and rng.random() < 0.4:
            addressed.append(rng.choice(city.priority))
        addressed = list(dict.fromkeys(addressed))
        for risk_id in addressed:
            city.assets_by_risk.setdefault(risk_id, []).append(asset_id)
        planning = list(dict.fromkeys(rng.choices(areas, area_weights, k=rng.randint(1, 2))))
        program = rng.choice(PROGRAMS)
        record: dict[str, Any] = {
            "id": asset_id,
            "name": f"{org_name.split(' ')[0]} {program}",
            "organization_id": org_id,
            "purpose": f"{program} for {rng.choice(TARGET_POPULATIONS).lower()}",
            "funding_source": rng.choice(FUNDING),
            "service_delivery": rng.choice(DELIVERY),
            "target_population": rng.choice(TARGET_POPULATIONS),
            "numbers_served": rng.randint(10, 5000),
            "activities": "Intake, referral and follow-up",
            "partners": org_name,
            "expected_outcomes": "Fewer people reaching crisis",
            "data_sources": "Program records",
            "area": ward.name,
            "planning_areas": planning,
            "risks_addressed": addressed,
            "sector": sector,
            "member_community_id": "mc-city",
            "source": SOURCE,
        }
        if i in without_coordinates:
            record["address"] = "Mobile service, no fixed address"
            record["area"] = None
        else:
            record["address"] = f"{rng.randint(1, 999)} {rng.choice(STREETS)}"
            record["latitude"], record["longitude"] = ward.random_point(rng)
        if rng.random() < 0.1:
            record["coordination_notes"] = "Shares intake with a similar program nearby."
        out.append(("assets", record))


def _evaluation(
    out: list[Record], rng: random.Random, city: _City, catalogue: Catalogue, years: list[int], adoption: dt.date
) -> None:
    areas = catalogue.keys("planning_areas")
    strengths = catalogue.keys("evidence_strengths")
    names = {r[0]: r[1] for r in city.risks}
    committee_people = set(city.committee)
    free_people = [p[0] for p in city.people if p[0] not in committee_people]
    strategy_n = lm_n = item_n = measure_n = measurement_n = 0
    for t, risk_id in enumerate(city.priority):
        team_id = f"group-team-{t + 1:02d}"
        city.teams[risk_id] = team_id
        out.append(("groups", {
            "id": team_id,
            "name": f"Action table: {names[risk_id]}",
            "kind": "implementation_team",
            "risk_id": risk_id,
            "reports_to": "group-advisory",
            "description": "Carries out the strategies for this priority risk.",
        }))
        team = rng.sample(free_people, min(len(free_people), rng.randint(4, 8)))
        for j, person in enumerate(team):
            out.append(("memberships", {
                "id": city.membership_id(), "group_id": team_id, "person_id": person,
                "role": "chair" if j == 0 else "member",
            }))
        # Strategies in two to four planning areas: the ones left out are gaps.
        city.strategies[risk_id] = []
        for area in rng.sample(areas, rng.randint(2, len(areas))):
            strategy_n += 1
            strategy_id = f"strategy-{strategy_n:03d}"
            city.strategies[risk_id].append((strategy_id, area))
            candidates = city.assets_by_risk.get(risk_id, [])
            out.append(("strategies", {
                "id": strategy_id,
                "risk_id": risk_id,
                "planning_area": area,
                "name": f"{catalogue.name_of('planning_areas', area)} for {names[risk_id].lower()}",
                "description": rng.choice(catalogue.get("planning_areas", area).examples),
                "evidence_strength": rng.choice(strengths),
                "evidence_source": "Published evaluations and partner experience",
                "asset_id": rng.choice(candidates) if candidates else None,
            }))
        for target in rng.sample(FOCUS_GROUPS, rng.randint(1, 2)):
            lm_n += 1
            model_id = f"lm-{lm_n:03d}"
            out.append(("logic_models", {
                "id": model_id, "risk_id": risk_id, "target_group": target,
                "name": f"{names[risk_id]}: {target}",
            }))
            # Items of a level lead to every item of the next level; write the last level
            # first so that every `leads_to` names an item already written.
            level_ids: dict[str, list[str]] = {}
            for level in LEVEL_ITEMS:
                level_ids[level] = []
                for _ in range(LEVEL_ITEMS[level]):
                    item_n += 1
                    level_ids[level].append(f"lmi-{item_n:04d}")
            levels = list(LEVEL_ITEMS)
            for position in range(len(levels) - 1, -1, -1):
                level = levels[position]
                following = level_ids[levels[position + 1]] if position + 1 < len(levels) else []
                for k, item_id in enumerate(level_ids[level]):
                    item_area = rng.choice(areas) if level == "activities" else None
                    out.append(("logic_model_items", {
                        "id": item_id,
                        "logic_model_id": model_id,
                        "level": level,
                        "text": f"{catalogue.name_of('logic_model_levels', level)} {k + 1} for {target}",
                        "leads_to": following,
                        "planning_area": item_area,
                        "responsible": rng.choice(city.organizations)[1] if item_area else None,
                    }))
            for level in OUTCOME_LEVELS:
                for item_id in level_ids[level]:
                    measure_n += 1
                    measure_id = f"measure-{measure_n:04d}"
                    metric, unit, source, (low, high) = rng.choice(METRICS)
                    baseline = round(rng.uniform(low, high), 1)
                    better = rng.random() < 0.5
                    change = rng.uniform(0.1, 0.3)
                    out.append(("measures", {
                        "id": measure_id,
                        "outcome_id": item_id,
                        "expected_outcome": f"{catalogue.name_of('logic_model_levels', level)} change for {target}",
                        "indicator": metric,
                        "unit": unit,
                        "baseline": baseline,
                        "baseline_year": adoption.year,
                        "target": round(baseline * (1 + change if better else 1 - change), 1),
                        "target_year": adoption.year + 4,
                        "higher_is_better": better,
                        "data_source": source,
                        "collection_method": rng.choice(("Records extract", "Survey", "Interviews")),
                        "frequency": rng.choice(("Quarterly", "Annually")),
                        "responsibility": rng.choice(city.organizations)[1],
                    }))
                    value = baseline
                    for year in years:
                        if year <= adoption.year:
                            continue
                        value = round(value * rng.uniform(0.9, 1.12), 1)
                        measurement_n += 1
                        out.append(("measurements", {
                            "id": f"measurement-{measurement_n:05d}",
                            "measure_id": measure_id,
                            "date": dt.date(year, 12, 1),
                            "value": value,
                        }))


def _implementation(
    out: list[Record],
    rng: random.Random,
    city: _City,
    catalogue: Catalogue,
    actions: int,
    adoption: dt.date,
    as_of: dt.date,
) -> None:
    areas = catalogue.keys("planning_areas")
    names = {r[0]: r[1] for r in city.risks}
    risk_ids = [r[0] for r in city.risks]
    org_ids = [o[0] for o in city.organizations]
    update_n = milestone_n = 0
    for i, action_id in enumerate(_ids("action", actions)):
        risk_id = rng.choice(city.priority) if city.priority and rng.random() < 0.8 else rng.choice(risk_ids)
        strategies = city.strategies.get(risk_id, [])
        strategy_id, area = rng.choice(strategies) if strategies else (None, rng.choice(areas))
        start = _days(rng, adoption, as_of)
        end = start + dt.timedelta(days=rng.randint(60, 720))
        if start > as_of - dt.timedelta(days=30) and rng.random() < 0.7:
            status, percent = "not_started", 0
        elif end <= as_of:
            status = rng.choices(("completed", "delayed", "cancelled"), (8, 2, 1))[0]
            percent = {"completed": 100, "delayed": rng.randint(40, 90), "cancelled": rng.randint(0, 50)}[status]
        else:
            elapsed = (as_of - start).days / max(1, (end - start).days)
            status = "delayed" if rng.random() < 0.15 else "in_progress"
            percent = max(0, min(99, round(elapsed * 100 * rng.uniform(0.6, 1.1))))
        lead = rng.choice(org_ids)
        partners = [o for o in rng.sample(org_ids, rng.randint(0, 3)) if o != lead]
        out.append(("actions", {
            "id": action_id,
            "title": f"{rng.choice(PROGRAMS)} for {names[risk_id].lower()}",
            "description": f"Deliver {catalogue.name_of('planning_areas', area).lower()} work on this risk.",
            "lead_organization_id": lead,
            "partners": partners,
            "planning_area": area,
            "risk_id": risk_id,
            "strategy_id": strategy_id,
            "team_id": city.teams.get(risk_id),
            "start": start,
            "end": end,
            "status": status,
            "percent_complete": percent,
            "resources": rng.choice(("Staff time", "Grant funding", "In-kind space", "Municipal budget")),
        }))
        # Quarterly updates from the start up to the end (or the data's "today").
        if status != "not_started":
            last_day = min(end, as_of)
            steps = max(1, min(6, (last_day - start).days // 91))
            for k in range(1, steps + 1):
                update_n += 1
                final = k == steps
                out.append(("action_updates", {
                    "id": f"update-{update_n:05d}",
                    "action_id": action_id,
                    "date": start + dt.timedelta(days=min(91 * k, (last_day - start).days)),
                    "status": status if final else "in_progress",
                    "percent_complete": percent if final else round(percent * k / (steps + 1)),
                    "note": rng.choice(("On track", "Partner meeting held", "Waiting on funding", "Sessions running")),
                }))
        if i % 3 == 0:
            milestone_n += 1
            out.append(("milestones", {
                "id": f"milestone-{milestone_n:04d}",
                "title": f"Report on {action_id}",
                "kind": "other",
                "due": end,
                "done": end if status == "completed" else None,
                "action_id": action_id,
            }))
    for year in range(adoption.year + 1, adoption.year + 5):
        for kind, due, title in (
            ("progress_report", dt.date(year, 3, 31), f"Annual progress report {year}"),
            ("council_update", dt.date(year, 10, 1), f"Update to council {year}"),
        ):
            milestone_n += 1
            out.append(("milestones", {
                "id": f"milestone-{milestone_n:04d}",
                "title": title,
                "kind": kind,
                "due": due,
                "done": due + dt.timedelta(days=rng.randint(-20, 10)) if due <= as_of else None,
            }))
    milestone_n += 1
    final_due = dt.date(adoption.year + 4, 3, 31)
    out.append(("milestones", {
        "id": f"milestone-{milestone_n:04d}",
        "title": "Final report on the plan",
        "kind": "final_report",
        "due": final_due,
        "done": final_due if final_due <= as_of else None,
    }))


# --- Writing ----------------------------------------------------------------------------------


def generate_city(
    path: str | os.PathLike[str],
    *,
    seed: int = 1,
    assets: int = 5000,
    risks: int = 100,
    feedback: int = 20000,
    actions: int = 300,
    wards: int = 12,
    years: range = range(2019, 2025),
    progress: bool = False,
) -> Workspace:
    """Create a new workspace at `path` holding the synthetic city; return it open.

    Every record goes through `Workspace.add` (validated, audited) in one batch:
    all of the city is written, or none of it.
    """
    records = build_city(
        seed=seed, assets=assets, risks=risks, feedback=feedback, actions=actions, wards=wards, years=years
    )
    ws = Workspace.create(path, actor=SOURCE)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(records), unit="rows", desc="synthetic city", mininterval=0.5)
    try:
        with ws.batch("generate synthetic city"):
            for name, record in records:
                ws.add(name, record)
                if bar is not None:
                    bar.update()
    except BaseException:
        ws.close()
        raise
    finally:
        if bar is not None:
            bar.close()
    return ws


def table_counts(ws: Workspace) -> dict[str, int]:
    return {spec.name: ws.count(spec.name) for spec in TABLES}


def _years(text: str) -> range:
    first, sep, last = text.partition("-")
    try:
        start = int(first)
        stop = int(last) if sep else start
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected years as FIRST-LAST, e.g. 2019-2024, got {text!r}") from None
    if stop < start:
        raise argparse.ArgumentTypeError(f"the last year comes before the first: {text!r}")
    return range(start, stop + 1)


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected zero or more, got {text!r}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m cswb_widgets.store.synthetic",
        description=f"Create a new workspace holding '{CITY_NAME}', a large made-up city for benchmarks.",
    )
    parser.add_argument("path", help="folder of the new workspace (must not hold one yet)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--assets", type=_count, default=5000, help="assets (default 5000)")
    parser.add_argument("--risks", type=_count, default=100, help="risks (default 100)")
    parser.add_argument("--feedback", type=_count, default=20000, help="feedback items (default 20000)")
    parser.add_argument("--actions", type=_count, default=300, help="implementation actions (default 300)")
    parser.add_argument("--wards", type=_count, default=12, help="wards (default 12)")
    parser.add_argument("--years", type=_years, default=range(2019, 2025), help="FIRST-LAST (default 2019-2024)")
    parser.add_argument(
        "--progress", action=argparse.BooleanOptionalAction, default=None,
        help="show a progress bar (default: when the terminal is interactive)",
    )
    args = parser.parse_args(argv)
    progress = sys.stderr.isatty() if args.progress is None else args.progress
    from ..errors import CswbError

    started = time.perf_counter()
    try:
        ws = generate_city(
            args.path, seed=args.seed, assets=args.assets, risks=args.risks, feedback=args.feedback,
            actions=args.actions, wards=args.wards, years=args.years, progress=progress,
        )
    except (CswbError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    elapsed = time.perf_counter() - started
    with ws:
        counts = table_counts(ws)
    width = max(len(name) for name in counts)
    for name, count in counts.items():
        print(f"{name:<{width}}  {count:>8,}")
    size = ws.db_path.stat().st_size
    print(f"{'total':<{width}}  {sum(counts.values()):>8,}")
    print(f"wrote {ws.db_path} ({size / 1e6:.1f} MB) in {elapsed:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
