"""The synthetic benchmark city: built through the validating store, deterministic, coherent."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import shapely
from shapely.geometry import Point, shape

from cswb_widgets.errors import WorkspaceError
from cswb_widgets.framework import load_catalogue
from cswb_widgets.store import synthetic
from cswb_widgets.store.integrity import integrity_problems
from cswb_widgets.store.synthetic import CITY_NAME, build_city, generate_city, main, ward_grid
from cswb_widgets.store.tabular import export_csv
from cswb_widgets.store.workspace import Workspace

SMALL = dict(assets=200, feedback=500, risks=12, actions=40, wards=7, years=range(2020, 2024))


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    ws = generate_city(tmp_path_factory.mktemp("city") / "ws", seed=3, **SMALL)
    yield ws
    ws.close()


def _export(ws: Workspace, folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in export_csv(ws, folder)}


def test_counts_match_the_parameters(city: Workspace) -> None:
    assert city.count("assets") == 200
    assert city.count("feedback") == 500
    assert city.count("risks") == 12
    assert city.count("actions") == 40
    areas = city.table("areas")
    assert sorted(areas["kind"].value_counts().items()) == [("boundary", 1), ("ward", 7)]
    # 2 or 3 indicators per risk, each for every ward and year
    per_risk = city.table("indicators").groupby("risk_id")["indicator"].nunique()
    assert len(per_risk) == 12 and per_risk.between(2, 3).all()
    assert city.count("indicators") == per_risk.sum() * 7 * 4
    # scores are entered only for criteria not computed from the workspace (feedback, trends, gaps)
    entered = (city.table("criteria")["source"] == "entered").sum()
    assert 0 < entered < city.count("criteria")
    assert city.count("risk_scores") == 12 * entered
    assert city.table("risks")["priority"].sum() == 1  # ~10%, at least one
    for name in ("organizations", "people", "votes", "strategies", "logic_models", "logic_model_items",
                 "measures", "action_updates", "milestones", "engagement_activities", "tor_sections"):
        assert city.count(name) > 0, name


def test_community_profile_is_marked_illustrative(city: Workspace) -> None:
    community = city.community
    assert community["name"] == CITY_NAME
    assert community["illustrative"] is True
    assert community["population"] == city.table("areas").query("kind == 'ward'")["population"].sum()


def test_stored_data_holds_together(city: Workspace) -> None:
    assert integrity_problems(city) == []


def test_the_advisory_committee_fills_every_required_seat(city: Workspace) -> None:
    memberships = city.table("memberships")
    committee = city.table("groups").query("kind == 'advisory_committee'")["id"].item()
    seats = {s for seats in memberships[memberships["group_id"] == committee]["seats"] for s in seats}
    assert seats == set(load_catalogue().keys("seats"))
    roles = set(memberships[memberships["group_id"] == committee]["role"])
    assert {"chair", "coordinator", "champion"} <= roles


def test_assets_with_coordinates_lie_inside_the_boundary_and_their_ward(city: Workspace) -> None:
    areas = city.table("areas")
    boundary = shape(json.loads(areas.query("kind == 'boundary'")["geometry"].item()))
    wards = {n: shape(json.loads(g)) for n, g in zip(areas["name"], areas["geometry"], strict=True) if n.startswith("Ward")}
    assets = city.table("assets")
    located = assets.dropna(subset=["latitude", "longitude"])
    assert 0 < len(assets) - len(located) < len(assets) // 10  # a few without coordinates
    for lat, lon, ward in zip(located["latitude"], located["longitude"], located["area"], strict=True):
        point = Point(lon, lat)
        assert boundary.contains(point), (lat, lon)
        assert wards[ward].contains(point), (lat, lon, ward)


def test_feedback_tags_are_what_the_keyword_suggestions_find(city: Workspace) -> None:
    catalogue = load_catalogue()
    feedback = city.table("feedback")
    for text, tags in zip(feedback["text"], feedback["risk_categories"], strict=True):
        assert sorted(catalogue.suggest_categories(text, limit=10)) == sorted(tags), text
    assert (feedback["risk_categories"].map(len) > 0).mean() > 0.8


def test_feedback_templates_add_no_tags_of_their_own() -> None:
    catalogue = load_catalogue()
    places = [f"Ward {i}" for i in range(1, 13)] + list(synthetic.LANDMARKS)
    for template in synthetic.FEEDBACK_NONE:
        for place in places:
            assert catalogue.suggest_categories(template.format(place=place)) == [], (template, place)
    for category in catalogue.risk_categories:
        for keyword in category.keywords:
            for template in synthetic.FEEDBACK_ONE:
                text = template.format(a=keyword, A=keyword.capitalize(), b=keyword, place="Ward 3")
                assert catalogue.suggest_categories(text, limit=10) == [category.key], text


def test_actions_are_scheduled_and_led(city: Workspace) -> None:
    actions = city.table("actions")
    assert actions["lead_organization_id"].notna().all()
    assert (actions["end"] > actions["start"]).all()
    assert set(actions["status"]) <= set(load_catalogue().keys("action_statuses"))
    done = actions[actions["status"] == "completed"]
    assert (done["percent_complete"] == 100).all()


def test_same_seed_gives_identical_exports(city: Workspace, tmp_path: Path) -> None:
    again = generate_city(tmp_path / "again", seed=3, **SMALL)
    try:
        assert _export(again, tmp_path / "b") == _export(city, tmp_path / "a")
    finally:
        again.close()


def test_another_seed_gives_another_city(city: Workspace, tmp_path: Path) -> None:
    other = generate_city(tmp_path / "other", seed=4, **SMALL)
    try:
        first, second = _export(city, tmp_path / "a"), _export(other, tmp_path / "b")
        assert first.keys() == second.keys()
        assert first["feedback.csv"] != second["feedback.csv"]
        assert first["assets.csv"] != second["assets.csv"]
        assert other.count("assets") == 200
    finally:
        other.close()


def test_records_are_built_deterministically_without_a_database() -> None:
    kwargs = dict(seed=9, assets=30, feedback=40, risks=5, actions=6, wards=2)
    assert build_city(**kwargs) == build_city(**kwargs)
    assert build_city(**kwargs) != build_city(**{**kwargs, "seed": 10})


@pytest.mark.parametrize("wards", [1, 2, 3, 7, 12, 13])
def test_ward_grid_tiles_the_boundary(wards: int) -> None:
    grid, boundary = ward_grid(wards)
    assert len(grid) == wards and len({w.name for w in grid}) == wards
    polygons = [shape(w.polygon()) for w in grid]
    outline = shape(boundary)
    assert outline.is_valid and outline.geom_type == "Polygon"
    assert shapely.union_all(polygons).symmetric_difference(outline).area == pytest.approx(0, abs=1e-12)
    assert sum(p.area for p in polygons) == pytest.approx(outline.area)  # no overlaps


def test_refuses_an_existing_workspace(city: Workspace) -> None:
    with pytest.raises(WorkspaceError, match="already exists"):
        generate_city(city.path, assets=1, feedback=1, risks=1, actions=1)


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(ValueError, match="at least one ward"):
        build_city(wards=0)
    with pytest.raises(ValueError, match="at least one year"):
        build_city(years=range(2020, 2020))


def test_command_line_prints_counts_and_time(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main([str(tmp_path / "cli"), "--seed", "2", "--assets", "20", "--feedback", "30", "--risks", "4",
                 "--actions", "5", "--wards", "4", "--years", "2021-2023", "--no-progress"])
    out = capsys.readouterr().out
    assert code == 0
    counts = dict(re.findall(r"^(\w+) +([\d,]+)$", out, flags=re.M))
    assert counts["assets"] == "20" and counts["feedback"] == "30" and counts["risks"] == "4"
    assert re.search(r"^wrote .*workspace\.sqlite \([\d.]+ MB\) in [\d.]+ s$", out, flags=re.M)
    with Workspace.open(tmp_path / "cli") as ws:
        assert ws.count("risks") == 4
        assert sorted(ws.table("indicators")["year"].unique()) == [2021, 2022, 2023]


def test_command_line_refuses_an_existing_workspace(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    Workspace.create(tmp_path / "taken").close()
    assert main([str(tmp_path / "taken"), "--no-progress"]) == 1
    assert "already exists" in capsys.readouterr().err


def test_progress_bar_is_optional(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ws = generate_city(tmp_path / "bar", assets=5, feedback=5, risks=2, actions=2, wards=1, progress=True)
    ws.close()
    assert "synthetic city" in capsys.readouterr().err
