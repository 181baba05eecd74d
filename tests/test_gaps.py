"""Gap and overlap analysis (Tool 3) on hand-built tables, then invariants on every sample."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sample_workspaces import SAMPLES

from cswb_widgets.model import gaps
from cswb_widgets.render import WorkspaceTables
from cswb_widgets.store import Workspace

AREAS = ["social_development", "prevention", "risk_intervention", "incident_response"]


def _asset(asset_id: str, risks: list[str], areas: list[str], **fields: object) -> dict[str, object]:
    return {
        "id": asset_id, "name": fields.pop("name", asset_id.title()), "organization_id": fields.pop("organization_id", None),
        "risks_addressed": risks, "planning_areas": areas, "member_community_id": fields.pop("member_community_id", "mc-home"),
        "coordination_notes": fields.pop("coordination_notes", None), "location_kind": fields.pop("location_kind", None),
        "target_population": fields.pop("target_population", "People experiencing homelessness"),
        "latitude": fields.pop("latitude", 44.0), "longitude": fields.pop("longitude", -80.0), **fields,
    }


@pytest.fixture
def tables() -> dict[str, pd.DataFrame]:
    """Housing: a lone covered cell, an uncoordinated overlap, a coordinated pair; Fraud: nothing."""
    risks = pd.DataFrame(
        [
            {"id": "r-housing", "name": "Housing", "priority": True},
            {"id": "r-fraud", "name": "Fraud", "priority": True},
            {"id": "r-litter", "name": "Litter", "priority": False},
        ]
    )
    assets = pd.DataFrame(
        [
            # prevention: two organizations, one asset without notes -> overlap
            _asset("shelter", ["r-housing"], ["prevention", "incident_response"], organization_id="o-shelter"),
            _asset("rent-bank", ["r-housing"], ["prevention"], organization_id="o-city", coordination_notes="Shares intake"),
            # a second asset of the same organization in the same cell is not a second organization
            _asset("rent-bank-2", ["r-housing"], ["prevention"], organization_id="o-city", coordination_notes="Same team"),
            # risk intervention: two assets without organization = two organizations, both coordinated
            _asset("table", ["r-housing"], ["risk_intervention"], coordination_notes="Monthly table"),
            _asset("outreach", ["r-housing"], ["risk_intervention"], coordination_notes="Joins the table",
                   member_community_id="mc-neighbour"),
            # the litter risk is not a priority: absent from the priority matrix
            _asset("cleanup", ["r-litter"], ["social_development"], organization_id="o-city"),
            # virtual, confidential and community-wide assets need no coordinates; an unkinded one does
            _asset("phone", [], [], location_kind="virtual", latitude=None, longitude=None),
            _asset("safe-house", [], [], location_kind="confidential", latitude=None, longitude=None),
            _asset("citywide", [], [], location_kind="community_wide", latitude=None, longitude=None),
            _asset("no-point", [], [], latitude=None),
            _asset("site-no-point", [], [], location_kind="site", longitude=None),
        ]
    )
    members = pd.DataFrame(
        [{"id": "mc-home", "name": "Home", "partner": False}, {"id": "mc-neighbour", "name": "Next door", "partner": True}]
    )
    organizations = pd.DataFrame([{"id": "o-shelter", "name": "Shelter Society"}, {"id": "o-city", "name": "City"}])
    return {"risks": risks, "assets": assets, "member_communities": members, "organizations": organizations}


def _cell(matrix: pd.DataFrame, risk: str, area: str) -> pd.Series:
    found = matrix[(matrix["risk_id"] == risk) & (matrix["planning_area"] == area)]
    assert len(found) == 1
    return found.iloc[0]


def test_priority_matrix_has_a_row_per_priority_risk_and_planning_area(tables: dict[str, pd.DataFrame]) -> None:
    matrix = gaps.coverage_matrix(tables)
    assert list(matrix["risk_id"]) == ["r-housing"] * 4 + ["r-fraud"] * 4
    assert list(matrix["planning_area"]) == AREAS * 2
    assert list(matrix["planning_area_name"][:2]) == ["Social development", "Prevention"]
    assert set(gaps.coverage_matrix(tables, "all")["risk_id"]) == {"r-housing", "r-fraud", "r-litter"}
    with pytest.raises(ValueError, match="priority"):
        gaps.coverage_matrix(tables, "some")  # type: ignore[arg-type]


def test_gap_overlap_coordinated_and_covered(tables: dict[str, pd.DataFrame]) -> None:
    matrix = gaps.coverage_matrix(tables)
    gap = _cell(matrix, "r-housing", "social_development")
    assert (gap["status"], gap["asset_count"], gap["organization_count"]) == ("gap", 0, 0)

    overlap = _cell(matrix, "r-housing", "prevention")
    assert overlap["status"] == "overlap"
    assert overlap["asset_count"] == 3 and overlap["organization_count"] == 2
    assert overlap["organization_names"] == ["Shelter Society", "City"]
    assert overlap["uncoordinated"] == ["Shelter"]

    coordinated = _cell(matrix, "r-housing", "risk_intervention")
    assert coordinated["status"] == "coordinated"
    assert coordinated["organization_count"] == 2  # no organization: each asset counts as its own
    assert (coordinated["own_count"], coordinated["partner_count"]) == (1, 1)
    assert coordinated["organization_names"] == ["Table", "Outreach"]

    covered = _cell(matrix, "r-housing", "incident_response")
    assert (covered["status"], covered["asset_names"]) == ("covered", ["Shelter"])
    assert all(_cell(matrix, "r-fraud", area)["status"] == "gap" for area in AREAS)


def test_two_assets_of_one_organization_are_covered_not_overlap(tables: dict[str, pd.DataFrame]) -> None:
    tables["assets"] = tables["assets"][tables["assets"]["id"].isin(["rent-bank", "rent-bank-2"])].assign(coordination_notes=None)
    cell = _cell(gaps.coverage_matrix(tables), "r-housing", "prevention")
    assert (cell["asset_count"], cell["organization_count"], cell["status"]) == (2, 1, "covered")


def test_capacity_gap_counts_planning_areas_without_an_asset_for_every_risk(tables: dict[str, pd.DataFrame]) -> None:
    gap = gaps.capacity_gap(tables)
    assert gap.to_dict() == {"r-housing": 1, "r-fraud": 4, "r-litter": 3}
    assert gap.index.name == "risk_id" and gap.dtype == "int64"
    words = gaps.capacity_gap_explained(tables)
    assert words["r-housing"] == "no asset in: social development"
    assert words["r-fraud"] == "no asset in: social development, prevention, risk intervention, incident response"
    tables["assets"] = pd.concat(
        [tables["assets"], pd.DataFrame([_asset("all-round", ["r-housing"], ["social_development"])])], ignore_index=True
    )
    assert gaps.capacity_gap(tables)["r-housing"] == 0
    assert gaps.capacity_gap_explained(tables)["r-housing"] == "an asset in every planning area"


def test_capacity_gap_counts_the_gaps_of_a_matrix_computed_elsewhere(tables: dict[str, pd.DataFrame]) -> None:
    matrix = gaps.coverage_matrix(tables, "all")
    matrix.loc[matrix["risk_id"] == "r-housing", "status"] = "gap"  # e.g. an analyst's stricter rule
    matrix = pd.concat([matrix, matrix.iloc[:1].assign(risk_id="r-not-in-the-register")], ignore_index=True)
    assert gaps.capacity_gap(tables, matrix).to_dict() == {"r-housing": 4, "r-fraud": 4, "r-litter": 3}
    words = gaps.capacity_gap_explained(tables, matrix)
    assert set(words) == {"r-housing", "r-fraud", "r-litter"}
    assert words["r-housing"] == "no asset in: social development, prevention, risk intervention, incident response"


def test_no_assets_at_all_is_a_full_gap_and_no_risks_is_empty() -> None:
    risks = pd.DataFrame([{"id": "r-1", "name": "Anything", "priority": True}])
    assert gaps.capacity_gap({"risks": risks}).to_dict() == {"r-1": 4}
    assert gaps.coverage_matrix({"risks": risks})["status"].tolist() == ["gap"] * 4
    assert gaps.capacity_gap({}).empty and gaps.coverage_matrix({}).empty


def test_assets_without_coordinates_skips_confidential_virtual_and_community_wide(tables: dict[str, pd.DataFrame]) -> None:
    assert list(gaps.assets_without_coordinates(tables)["id"]) == ["no-point", "site-no-point"]


def test_assets_by_sector_and_source() -> None:
    assets = pd.DataFrame(
        [
            {"sector": "police", "planning_areas": ["prevention", "incident_response"], "source": "211"},
            {"sector": "police", "planning_areas": [], "source": None},
            {"sector": "health", "planning_areas": ["prevention"], "source": "211"},
        ]
    )
    table = gaps.assets_by_sector({"assets": assets}).set_index("sector")
    assert list(table.index) == ["Health care", "Police"]  # catalogue order
    assert table.loc["Police", "prevention"] == 1 and table.loc["Police", "incident_response"] == 1
    assert table.loc["Police", "no_planning_area"] == 1 and table.loc["Police", "total"] == 2
    assert gaps.assets_by_source({"assets": assets}).to_dict() == {"211": 2, gaps.NO_SOURCE: 1}


@pytest.fixture(scope="module")
def sample_tables(sample_sources: dict[str, Path]) -> dict[str, WorkspaceTables]:
    return {sample: WorkspaceTables(Workspace.open(path)) for sample, path in sample_sources.items()}  # read only


@pytest.mark.parametrize("sample", SAMPLES)
def test_sample_counts_add_up_to_the_asset_risk_area_links(sample: str, sample_tables: dict[str, WorkspaceTables]) -> None:
    tables = sample_tables[sample]
    risks, assets, members = tables["risks"], tables["assets"], tables["member_communities"]
    partner_ids = set(members.loc[members["partner"].fillna(False).astype(bool), "id"])
    # Independently: every (asset, risk, planning area) link, counted straight from the rows.
    links = [
        (risk, area, community in partner_ids)
        for risks_addressed, areas, community in zip(assets["risks_addressed"], assets["planning_areas"], assets["member_community_id"], strict=True)
        for risk in set(risks_addressed) for area in set(areas)
    ]
    matrix = gaps.coverage_matrix(tables, "all")
    assert len(matrix) == 4 * len(risks)
    assert matrix["asset_count"].sum() == len(links)
    assert matrix["partner_count"].sum() == sum(partner for _, _, partner in links)
    assert (matrix["own_count"] + matrix["partner_count"] == matrix["asset_count"]).all()
    assert ((matrix["status"] == "gap") == (matrix["asset_count"] == 0)).all()
    assert (matrix["organization_count"] <= matrix["asset_count"]).all()
    multi = matrix["organization_count"] >= 2
    assert set(matrix.loc[multi, "status"]) <= {"overlap", "coordinated", "complementary"}
    assert set(matrix.loc[~multi, "status"]) <= {"gap", "covered"}
    assert matrix["asset_names"].map(len).tolist() == matrix["asset_count"].tolist()

    gap = gaps.capacity_gap(tables)
    assert list(gap.index) == list(risks["id"])
    for risk_id, value in gap.items():
        linked_areas = {area for risk, area, _ in links if risk == risk_id}
        assert value == 4 - len(linked_areas)
        assert gaps.capacity_gap_explained(tables)[risk_id].count(",") == max(value - 1, 0)

    priority = gaps.coverage_matrix(tables)
    assert set(priority["risk_id"]) == set(risks.loc[risks["priority"].fillna(False).astype(bool), "id"])


def test_services_for_different_groups_or_places_complement_each_other(tables: dict[str, pd.DataFrame]) -> None:
    """Two organizations in one cell overlap only when they serve the same group in the same
    place with the same kind of service (or a note says they overlap), and do not coordinate."""
    def cell(*assets: dict[str, object]) -> pd.Series:
        return _cell(gaps.coverage_matrix({**tables, "assets": pd.DataFrame(list(assets))}), "r-housing", "prevention")

    youth = _asset("youth", ["r-housing"], ["prevention"], organization_id="o-city", target_population="Youth aged 12 to 18",
                   area="Ward 5", sector="children_youth_services")
    seniors = _asset("seniors", ["r-housing"], ["prevention"], organization_id="o-shelter",
                     target_population="Older adults living alone", area="Ward 5", sector="children_youth_services")
    assert cell(youth, seniors)["status"] == "complementary"  # different groups
    other_ward = {**seniors, "target_population": "Teens leaving care", "area": "Ward 2"}
    assert cell(youth, other_ward)["status"] == "complementary"  # different places
    same = {**seniors, "target_population": "Teens leaving care"}
    found = cell(youth, same)
    assert (found["status"], found["uncoordinated"]) == ("overlap", ["Youth", "Seniors"])
    other_kind = {**same, "sector": "police"}
    assert cell(youth, other_kind)["status"] == "complementary"  # a police liaison and a youth worker
    reported = {**other_kind, "coordination_notes": "Overlaps with the city's youth program; no shared intake."}
    assert cell(youth, reported)["status"] == "overlap"  # a note reporting the overlap is not coordination
    partnered = {**same, "coordination_notes": "Joint intake with the City youth team", "partners": "City"}
    assert cell({**youth, "coordination_notes": "Refers to the shelter society"}, partnered)["status"] == "coordinated"
    everyone = {**same, "target_population": "Everyone"}
    assert cell(youth, everyone)["status"] == "complementary"  # a service for all complements a targeted one


def test_the_samples_overlaps_are_a_minority_of_their_cells(sample_sources: dict[str, Path]) -> None:
    """Before overlaps needed the same group and place, 11 of Maple Falls' 12 cells read "overlap"."""
    for sample in SAMPLES:
        matrix = gaps.coverage_matrix(WorkspaceTables(Workspace.open(sample_sources[sample])))
        overlaps = int((matrix["status"] == "overlap").sum())
        assert 0 < overlaps <= len(matrix) // 3, (sample, overlaps)
        assert (matrix["status"] == "complementary").any()
