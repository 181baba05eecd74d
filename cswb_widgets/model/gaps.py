"""Assessing community strengths (Tool 3): which risks have assets in which planning areas.

The framework asks for two findings from the asset map: **gaps** (a risk with nothing in a
planning area) and **overlaps** (several organizations serving the same group, in the same place,
on the same risk and planning area, without coordinating). Several organizations serving different
groups or places are **complementary**, not an overlap. Pure functions on the workspace's DataFrames.

An asset counts for a (risk, planning area) pair when the risk is in its `risks_addressed`
and the planning area in its `planning_areas`; an asset listing two risks and two areas
counts in four cells. Assets of partner communities (`member_communities.partner`, the
neighbours whose assets count for a joint plan) count too, and are told apart.
"""

from __future__ import annotations

import functools
import re
from typing import Any, Literal

import pandas as pd

from ..framework import load_catalogue
from ..i18n import N_, _
from ._tables import Tables, as_list as _as_list, blank as _blank, column_values as _column, rows_of
from .languages import LanguageError, parse_languages

STATUSES = ("gap", "overlap", "coordinated", "complementary", "covered")
MAPPED_KINDS = ("site",)  # location kinds that belong on the map (a blank kind means a site)
NO_SOURCE = N_("no source recorded")  # shown as _(NO_SOURCE)

COVERAGE_COLUMNS = [
    "risk_id",
    "risk",
    "planning_area",
    "planning_area_name",
    "asset_count",
    "own_count",
    "partner_count",
    "organization_count",
    "asset_names",
    "organization_names",
    "uncoordinated",
    "status",
]





# Who a service is for, read from its free-text target population. Two services overlap only when
# they serve a group in common; a service for everyone complements the targeted ones.
POPULATION_GROUPS: dict[str, re.Pattern[str]] = {
    name: re.compile(pattern, re.IGNORECASE)
    for name, pattern in {
        "children and youth": r"\b(child|children|youth|young|teen|student|pupil|grade|kindergarten|under 1[0-9]|aged (1[0-9]|[4-9]) to)",
        "older adults": r"\b(older|senior|elder(ly)?\b|65)",
        "people who use drugs or alcohol": r"\b(drug|substance|opioid|alcohol|addiction|withdraw|recovery)",
        "people in crisis": r"\bcrisis",
        "people without stable housing": r"\b(homeless|unhoused|housing|shelter|tenant|renter|evict)",
        "families and caregivers": r"\b(famil|parent|caregiver|pregnan|mother|father)",
        "women and survivors of violence": r"\b(women|woman|survivor|violence|abuse)",
        "newcomers": r"\b(newcomer|immigrant|refugee|international student)",
        "Indigenous people": r"\b(indigenous|first nation|m[ée]tis|inuit|anishinaabe)",
        "people with mental-health needs": r"\b(mental|counsell|psychiatric|wellness)",
    }.items()
}
# Words in coordination notes that report a problem rather than coordination.
_NOT_COORDINATED = re.compile(
    r"overlap|duplicat|no shared|no joint|not shared|not combined|not coordinated|uncoordinated|without (a |any )?"
    r"(shared|joint|common|coordinat)|no clear|differ",
    re.IGNORECASE,
)


def population_groups(target_population: Any) -> frozenset[str]:
    """The groups a target population names (empty: unknown, or everyone)."""
    return frozenset() if _blank(target_population) else _groups_in(str(target_population))


@functools.lru_cache(maxsize=4096)  # inventories repeat their target populations; a city has thousands of assets
def _groups_in(text: str) -> frozenset[str]:
    return frozenset(name for name, pattern in POPULATION_GROUPS.items() if pattern.search(text))


def coordinates(notes: Any) -> bool:
    """Whether coordination notes describe coordination (not a blank note, nor one reporting an overlap)."""
    return not _blank(notes) and not _NOT_COORDINATED.search(str(notes))


def _linked(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """One names the other's organization (or the asset) as a partner or in its coordination notes."""
    return any(other["organization_lower"] in one["said"] or other["name_lower"] in one["said"]
               for one, other in ((a, b), (b, a)))


def _working_together(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return (a["coordinated"] and b["coordinated"]) or (_linked(a, b) and not (a["reports_overlap"] or b["reports_overlap"]))


def _overlapping(found: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Assets in this cell of different organizations serving the same group (`population_groups`;
    a service for everyone overlaps nothing) in the same place with the same kind of service (or
    one whose note reports an overlap): (those of pairs not coordinating, those of pairs coordinating)."""
    # Only assets sharing a place and a group can overlap: pair them within those buckets.
    buckets: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for asset in found:
        for group in asset["groups"]:
            buckets.setdefault((asset["place"], group), []).append(asset)
    uncoordinated: dict[int, dict[str, Any]] = {}
    coordinated: dict[int, dict[str, Any]] = {}
    for members in buckets.values():
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                if a["organization_key"] == b["organization_key"]:
                    continue
                # Different kinds of service for the same people complement each other, unless a note says they overlap.
                if a["sector"] != b["sector"] and not (a["reports_overlap"] or b["reports_overlap"]):
                    continue
                target = coordinated if _working_together(a, b) else uncoordinated
                target[id(a)], target[id(b)] = a, b
    return list(uncoordinated.values()), [a for k, a in coordinated.items() if k not in uncoordinated]


def _partner_ids(tables: Tables) -> set[str]:
    members = rows_of(tables, "member_communities")
    if members.empty or "partner" not in members:
        return set()
    return {str(i) for i, p in zip(members["id"], members["partner"], strict=True) if not _blank(p) and bool(p)}


def _names(tables: Tables, table: str) -> dict[str, str]:
    frame = rows_of(tables, table)
    if frame.empty or "name" not in frame:
        return {}
    return {str(i): str(n) for i, n in zip(frame["id"], frame["name"], strict=True)}


def _area_names() -> dict[str, str]:
    catalogue = load_catalogue()
    return {key: catalogue.name_of("planning_areas", key) for key in catalogue.keys("planning_areas")}


def _risks(tables: Tables, which: str) -> pd.DataFrame:
    if which not in ("priority", "all"):
        raise ValueError(f"risks must be 'priority' or 'all', not {which!r}")
    risks = rows_of(tables, "risks")
    if risks.empty or which == "all":
        return risks
    return risks[[not _blank(p) and bool(p) for p in _column(risks, "priority")]]


def coverage_matrix(tables: Tables, risks: Literal["priority", "all"] = "priority") -> pd.DataFrame:
    """One row per (risk, planning area): how many assets address the risk there, and the status.

    Rows follow the risk register's order, then the catalogue's four planning areas. Columns:
    `asset_count` = `own_count` + `partner_count` (assets of partner communities);
    `organization_count` counts distinct organizations, an asset without one counting as its
    own; `asset_names`, `organization_names` and `uncoordinated` are lists. `status` is "gap"
    (no asset); "overlap" (assets of two or more organizations serve the same group in the same
    sub-area with the same kind of service (sector), or a note says they overlap, and do not
    coordinate: their notes are blank or report the overlap, and neither names the other;
    `uncoordinated` names them); "coordinated" (such assets, all coordinating);
    "complementary" (two or more organizations, serving different groups or places); or "covered"
    (one organization). A service for everyone, or whose target population names no group
    `population_groups` knows, overlaps nothing.
    """
    chosen = _risks(tables, risks)
    areas = _area_names()
    assets = rows_of(tables, "assets")
    partners = _partner_ids(tables)
    organization_names = _names(tables, "organizations")

    # One pass over the assets: (risk id, planning area) -> the assets that count there.
    links: dict[tuple[str, str], list[dict[str, Any]]] = {}
    ids = _column(assets, "id")
    for position, (asset_id, name, organization_id, community, notes, planning, addressed, population, area,
                   partner_text, sector) in enumerate(
        zip(
            ids,
            _column(assets, "name"),
            _column(assets, "organization_id"),
            _column(assets, "member_community_id"),
            _column(assets, "coordination_notes"),
            _column(assets, "planning_areas"),
            _column(assets, "risks_addressed"),
            _column(assets, "target_population"),
            _column(assets, "area"),
            _column(assets, "partners"),
            _column(assets, "sector"),
            strict=True,
        )
    ):
        label = "" if _blank(name) else str(name)
        if _blank(organization_id):
            # No organization recorded: the asset stands for itself, never merged with another.
            organization_key = f"asset:{asset_id if not _blank(asset_id) else position}"
            organization = label or "(unnamed asset)"
        else:
            organization_key = str(organization_id)
            organization = organization_names.get(organization_key, organization_key)
        coordinated = coordinates(notes)
        asset = {
            "name": label or "(unnamed asset)",
            "name_lower": (label or "(unnamed asset)").lower(),
            "organization_lower": organization.lower(),
            "organization_key": organization_key,
            "organization": organization,
            "partner": not _blank(community) and str(community) in partners,
            "coordinated": coordinated,
            "reports_overlap": not _blank(notes) and not coordinated,
            "said": f"{'' if _blank(partner_text) else partner_text} {'' if _blank(notes) else notes}".lower(),
            "groups": population_groups(population),
            "place": "" if _blank(area) else str(area).strip().lower(),
            "sector": "" if _blank(sector) else str(sector),
        }
        for risk_id in _as_list(addressed):
            for area in _as_list(planning):
                if area in areas:
                    links.setdefault((risk_id, area), []).append(asset)

    rows = []
    for risk_id, risk_name in zip(_column(chosen, "id"), _column(chosen, "name"), strict=True):
        for area, area_name in areas.items():
            found = links.get((str(risk_id), area), [])
            organizations = {a["organization_key"]: a["organization"] for a in found}
            partner_count = sum(a["partner"] for a in found)
            clashing, coordinating = _overlapping(found) if len(organizations) >= 2 else ([], [])
            # the services of an overlap that do not say how they coordinate (else all of its services)
            uncoordinated = [a["name"] for a in clashing if not a["coordinated"]] or [a["name"] for a in clashing]
            if not found:
                status = "gap"
            elif clashing:
                status = "overlap"
            elif coordinating:
                status = "coordinated"
            elif len(organizations) >= 2:
                status = "complementary"
            else:
                status = "covered"
            rows.append(
                {
                    "risk_id": str(risk_id),
                    "risk": "" if _blank(risk_name) else str(risk_name),
                    "planning_area": area,
                    "planning_area_name": area_name,
                    "asset_count": len(found),
                    "own_count": len(found) - partner_count,
                    "partner_count": partner_count,
                    "organization_count": len(organizations),
                    "asset_names": [a["name"] for a in found],
                    "organization_names": list(organizations.values()),
                    "uncoordinated": uncoordinated,
                    "status": status,
                }
            )
    frame = pd.DataFrame(rows, columns=COVERAGE_COLUMNS)
    for column in ("asset_count", "own_count", "partner_count", "organization_count"):
        frame[column] = frame[column].astype("int64")
    return frame


def capacity_gap(tables: Tables, matrix: pd.DataFrame | None = None) -> pd.Series:
    """For every risk in the register: in how many of the four planning areas no asset addresses it.

    0 (assets in every planning area) to 4 (no asset at all). The Risk workbook's
    "capacity gap" criterion reads this. `matrix` is the coverage of every risk
    (`coverage_matrix(tables, "all")`, computed unless given): its "gap" cells are counted.
    """
    matrix = coverage_matrix(tables, "all") if matrix is None else matrix
    risk_ids = [str(r) for r in _column(rows_of(tables, "risks"), "id")]
    gaps = (matrix["status"] == "gap").groupby(matrix["risk_id"], sort=False).sum()
    result = gaps.reindex(risk_ids, fill_value=0).astype("int64")
    result.index.name = "risk_id"
    result.name = "capacity_gap"
    return result


def capacity_gap_explained(tables: Tables, matrix: pd.DataFrame | None = None) -> dict[str, str]:
    """Each risk's capacity gap in words, naming the planning areas without an asset (`matrix`:
    as for `capacity_gap`)."""
    matrix = coverage_matrix(tables, "all") if matrix is None else matrix
    missing: dict[str, list[str]] = {str(r): [] for r in _column(rows_of(tables, "risks"), "id")}
    for risk_id, area_name, status in zip(matrix["risk_id"], matrix["planning_area_name"], matrix["status"], strict=True):
        if status == "gap" and str(risk_id) in missing:
            missing[str(risk_id)].append(area_name.lower())
    return {
        risk_id: ("no asset in: " + ", ".join(names)) if names else "an asset in every planning area"
        for risk_id, names in missing.items()
    }


def assets_without_coordinates(tables: Tables) -> pd.DataFrame:
    """Assets at a site (or of no stated kind) that have no latitude or longitude.

    Confidential sites (such as shelters), virtual and community-wide services rightly have
    no map point and are not listed.
    """
    assets = rows_of(tables, "assets")
    if assets.empty:
        return assets
    kinds = _column(assets, "location_kind")
    latitudes, longitudes = _column(assets, "latitude"), _column(assets, "longitude")
    flagged = [
        (_blank(kind) or str(kind) in MAPPED_KINDS) and (_blank(lat) or _blank(lon))
        for kind, lat, lon in zip(kinds, latitudes, longitudes, strict=True)
    ]
    return assets[flagged]


def assets_by_sector(tables: Tables) -> pd.DataFrame:
    """Asset counts by sector (rows, catalogue order) and planning area (columns), with totals.

    An asset in two planning areas counts in both columns but once in `total`; assets with
    no planning area are counted in `no_planning_area`.
    """
    catalogue = load_catalogue()
    assets = rows_of(tables, "assets")
    areas = _area_names()
    columns = ["sector", *areas, "no_planning_area", "total"]
    counts: dict[str, dict[str, int]] = {}
    for sector, planning in zip(_column(assets, "sector"), _column(assets, "planning_areas"), strict=True):
        key = "" if _blank(sector) else str(sector)
        row = counts.setdefault(key, dict.fromkeys(columns[1:], 0))
        listed = [a for a in _as_list(planning) if a in areas]
        for area in listed:
            row[area] += 1
        row["no_planning_area"] += not listed
        row["total"] += 1
    order = [k for k in catalogue.keys("sectors") if k in counts] + sorted(
        k for k in counts if k not in catalogue.keys("sectors") and k
    ) + ([""] if "" in counts else [])

    def sector_name(key: str) -> str:
        if not key:
            return _("No sector recorded")
        return catalogue.name_of("sectors", key) if key in catalogue.keys("sectors") else key

    return pd.DataFrame([{"sector": sector_name(k), **counts[k]} for k in order], columns=columns)


def assets_by_source(tables: Tables) -> pd.Series:
    """How many assets came from each `source` (most first; blank sources grouped)."""
    assets = rows_of(tables, "assets")
    sources = [_(NO_SOURCE) if _blank(s) else str(s).strip() for s in _column(assets, "source")]
    counts = pd.Series(sources, dtype="object").value_counts(sort=False)
    # most first; ties keep the order the sources first appear
    order = sorted(range(len(counts)), key=lambda i: -int(counts.iloc[i]))
    result = counts.iloc[order].astype("int64")
    result.name = "assets"
    return result


# --- Services offered in a language (French Language Services Act areas) -------------------

FEW_IN_LANGUAGE = 2  # fewer assets than this serving in the language is "few": one closure leaves none
LANGUAGE_STATUSES = ("no_assets", "none", "unknown", "few", "served")
LANGUAGE_COVERAGE_COLUMNS = [
    "risk_id",
    "risk",
    "planning_area",
    "planning_area_name",
    "asset_count",
    "in_language_count",
    "unrecorded_count",
    "in_language_names",
    "status",
]


def language_coverage(
    tables: Tables,
    language: str = "fr",
    risks: Literal["priority", "all"] = "priority",
    few: int = FEW_IN_LANGUAGE,
) -> pd.DataFrame:
    """One row per (risk, planning area): how many of the assets working there serve people in
    `language` (an ISO 639 code; French by default), from each asset's `service_languages`.

    Counts every asset of the cell, own and partner communities' alike (people cross the line
    for a service in their language). `status`: "no_assets" (a gap of any language), "none"
    (assets, none recorded as serving in the language, and none with languages left blank),
    "unknown" (none recorded in the language, but some assets have no languages recorded:
    find out before calling it a gap), "few" (fewer than `few`), "served".
    """
    chosen = _risks(tables, risks)
    areas = _area_names()
    assets = rows_of(tables, "assets")
    cells: dict[tuple[str, str], list[tuple[str, bool | None]]] = {}
    for name, planning, addressed, spoken in zip(
        _column(assets, "name"),
        _column(assets, "planning_areas"),
        _column(assets, "risks_addressed"),
        _column(assets, "service_languages"),
        strict=True,
    ):
        try:
            codes = parse_languages(spoken)
        except LanguageError:
            codes = []  # an unreadable cell tells nothing: counted as not recorded
        serves: bool | None = (language in codes) if codes else None
        label = "(unnamed asset)" if _blank(name) else str(name)
        for risk_id in _as_list(addressed):
            for area in _as_list(planning):
                if area in areas:
                    cells.setdefault((risk_id, area), []).append((label, serves))
    rows = []
    for risk_id, risk_name in zip(_column(chosen, "id"), _column(chosen, "name"), strict=True):
        for area, area_name in areas.items():
            found = cells.get((str(risk_id), area), [])
            in_language = [label for label, serves in found if serves]
            unrecorded = sum(serves is None for _label, serves in found)
            if not found:
                status = "no_assets"
            elif in_language:
                status = "few" if len(in_language) < few else "served"
            else:
                status = "unknown" if unrecorded else "none"
            rows.append({
                "risk_id": str(risk_id),
                "risk": "" if _blank(risk_name) else str(risk_name),
                "planning_area": area,
                "planning_area_name": area_name,
                "asset_count": len(found),
                "in_language_count": len(in_language),
                "unrecorded_count": unrecorded,
                "in_language_names": in_language,
                "status": status,
            })
    return pd.DataFrame(rows, columns=LANGUAGE_COVERAGE_COLUMNS)
