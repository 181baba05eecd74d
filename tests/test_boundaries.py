"""Boundary import: real ward shapefiles read in place, plus small GeoJSON fixtures."""

from __future__ import annotations

import dataclasses
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pyogrio
import pytest
import shapely

from cswb_widgets.errors import InputError
from cswb_widgets.store.boundaries import (
    BoundaryFeature,
    BoundarySet,
    boundaries_to_feature_collection,
    read_boundaries,
)

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
SUDBURY_DIR = SHARED_DATA / "boundaries" / "greater-sudbury-wards"
SUDBURY_SHP = SUDBURY_DIR / "Ward_Map_and_Council_(Layer).shp"
GUELPH_DIR = SHARED_DATA / "boundaries" / "guelph-wards"
GUELPH_SHP = GUELPH_DIR / "Wards.shp"

# Attribute columns of the Sudbury file that hold personal contact data.
SUDBURY_PERSONAL_COLUMNS = ("Councillor", "Telephone", "Fax", "Email")


@pytest.fixture(scope="module")
def real_data() -> Path:
    if not (SUDBURY_SHP.exists() and GUELPH_SHP.exists()):
        pytest.skip(f"real boundary files not found under {SHARED_DATA / 'boundaries'}")
    return SHARED_DATA


@pytest.fixture(scope="module")
def sudbury(real_data: Path) -> BoundarySet:
    return read_boundaries(SUDBURY_DIR, "WardName_E")


@pytest.fixture(scope="module")
def guelph(real_data: Path) -> BoundarySet:
    return read_boundaries(GUELPH_SHP, "WARD")


def write_geojson(path: Path, features: list[dict[str, Any]], **extra: Any) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", **extra, "features": features}))
    return path


def square(x: float, y: float, size: float = 0.01) -> dict[str, Any]:
    ring = [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


def feature(geometry: dict[str, Any] | None, **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def all_coordinates(geometry_json: str) -> list[float]:
    def walk(node: Any) -> list[float]:
        if isinstance(node, (int, float)):
            return [float(node)]
        return [value for child in node for value in walk(child)]

    return walk(json.loads(geometry_json)["coordinates"])


def problem_messages(error: pytest.ExceptionInfo[InputError]) -> list[str]:
    return [str(problem) for problem in error.value.problems]


# --- real files -----------------------------------------------------------------------


def test_sudbury_wards_are_reprojected_from_web_mercator(sudbury: BoundarySet) -> None:
    # 12 wards plus one whole-city row ("Greater Sudbury", the mayor's) in the same layer.
    names = [f.name for f in sudbury.features]
    assert len(names) == 13
    assert set(names) == {f"Ward {n}" for n in range(1, 13)} | {"Greater Sudbury"}
    assert sudbury.source_crs == "EPSG:3857"
    min_x, min_y, max_x, max_y = sudbury.bounds
    assert -81.60 < min_x < -81.59 and 46.19 < min_y < 46.20
    assert -80.56 < max_x < -80.55 and 46.97 < max_y < 46.98


def test_sudbury_output_keeps_only_names_and_geometry(sudbury: BoundarySet) -> None:
    assert sudbury.dropped_columns == (
        "OBJECTID", "WardNumber", "Councillor", "Telephone", "Fax", "Email", "Picture_li",
        "WardName_F", "CityWebpag", "CityWebp_1", "CensusPopu",
    )  # fmt: skip
    # Personal values are read here from the .dbf, so none is written into this repository.
    attributes = pyogrio.read_dataframe(SUDBURY_SHP, read_geometry=False)
    personal = {
        str(value) for column in SUDBURY_PERSONAL_COLUMNS for value in attributes[column]
    }
    assert len(personal) > 20
    output = json.dumps(dataclasses.asdict(sudbury))
    leaked = sorted(value for value in personal if value in output)
    assert leaked == []


def test_sudbury_geometry_is_compact_valid_geojson_at_six_decimals(
    sudbury: BoundarySet,
) -> None:
    for boundary in sudbury.features:
        assert ", " not in boundary.geometry and ": " not in boundary.geometry
        geometry = shapely.from_geojson(boundary.geometry)
        assert geometry.geom_type in ("Polygon", "MultiPolygon")
        assert geometry.is_valid
        assert all(round(value, 6) == value for value in all_coordinates(boundary.geometry))


def test_guelph_wards_in_wgs84(guelph: BoundarySet) -> None:
    assert sorted(f.name for f in guelph.features) == ["1", "2", "3", "4", "5", "6"]
    assert guelph.source_crs == "EPSG:4326"
    assert guelph.dropped_columns == ("OBJECTID_1", "COUNC1", "COUNC2", "SHAPE_AREA", "SHAPE_LEN")
    min_x, min_y, max_x, max_y = guelph.bounds
    assert -80.33 < min_x < -80.32 and 43.47 < min_y < 43.48
    assert -80.16 < max_x < -80.15 and 43.59 < max_y < 43.60


def test_folder_shapefile_and_zip_give_the_same_result(
    real_data: Path, guelph: BoundarySet, tmp_path: Path
) -> None:
    archive = tmp_path / "guelph.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for file in GUELPH_DIR.iterdir():
            zipped.write(file, f"Guelph Wards/{file.name}")  # a subfolder, with a space
    assert read_boundaries(GUELPH_DIR, "ward") == guelph
    assert read_boundaries(archive, "  Ward ") == guelph


def test_name_column_matches_ignoring_case_and_spaces(real_data: Path) -> None:
    assert read_boundaries(GUELPH_SHP, " ward ").features[0].name == "6"


def test_numeric_name_column_gives_whole_numbers(real_data: Path) -> None:
    # Sudbury stores ward numbers as reals; its whole-city row has none.
    with pytest.raises(InputError) as error:
        read_boundaries(SUDBURY_SHP, "WardNumber")
    assert problem_messages(error) == [
        f"{SUDBURY_SHP}, row 13, column 'WardNumber': the name is empty"
    ]


def test_dissolve_gives_one_feature_covering_every_ward(
    sudbury: BoundarySet, real_data: Path
) -> None:
    dissolved = read_boundaries(
        SUDBURY_SHP, None, dissolve=True, dissolved_name=" Greater Sudbury "
    )
    assert [f.name for f in dissolved.features] == ["Greater Sudbury"]
    assert dissolved.bounds == pytest.approx(sudbury.bounds, abs=1e-6)
    assert "WardName_E" in dissolved.dropped_columns
    assert shapely.from_geojson(dissolved.features[0].geometry).is_valid


def test_dissolve_needs_a_name(real_data: Path) -> None:
    with pytest.raises(InputError) as error:
        read_boundaries(GUELPH_SHP, "WARD", dissolve=True)
    assert str(error.value) == f"{GUELPH_SHP}: give a name for the merged (dissolved) boundary"


def test_unknown_name_column_lists_the_available_columns(real_data: Path) -> None:
    with pytest.raises(InputError) as error:
        read_boundaries(GUELPH_SHP, "Ward Name")
    assert str(error.value) == (
        f"{GUELPH_SHP}, column 'Ward Name': no such column; available columns: "
        "OBJECTID_1, WARD, COUNC1, COUNC2, SHAPE_AREA, SHAPE_LEN"
    )


def test_missing_name_column_asks_for_one(real_data: Path) -> None:
    with pytest.raises(InputError) as error:
        read_boundaries(GUELPH_SHP, None)
    assert str(error.value) == (
        f"{GUELPH_SHP}: choose the column that holds the area names; available columns: "
        "OBJECTID_1, WARD, COUNC1, COUNC2, SHAPE_AREA, SHAPE_LEN"
    )


def test_shapefile_without_prj_is_refused(real_data: Path, tmp_path: Path) -> None:
    for file in GUELPH_DIR.glob("Wards.*"):
        if file.suffix != ".prj":
            shutil.copy(file, tmp_path / file.name)
    with pytest.raises(InputError) as error:
        read_boundaries(tmp_path, "WARD")
    assert str(error.value) == (
        f"{tmp_path / 'Wards.shp'}: the .prj file (coordinate reference system) is missing, "
        "so the coordinates cannot be placed on a map; add the .prj file that came with "
        "the shapefile"
    )


def test_folder_with_several_shapefiles_is_refused(real_data: Path, tmp_path: Path) -> None:
    for name in ("Wards.shp", "Wards_2018.shp"):
        shutil.copy(GUELPH_SHP, tmp_path / name)
    with pytest.raises(InputError) as error:
        read_boundaries(tmp_path, "WARD")
    assert str(error.value) == (
        f"{tmp_path}: 2 files found in this folder (Wards.shp, Wards_2018.shp); "
        "choose one of them"
    )


# --- errors that need no real data ----------------------------------------------------


def test_folder_without_shapefile_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("no map here")
    with pytest.raises(InputError) as error:
        read_boundaries(tmp_path, "name")
    assert str(error.value) == f"{tmp_path}: no shapefile (.shp) found in this folder"


def test_zip_without_map_layer_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "empty.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("readme.txt", "nothing")
    with pytest.raises(InputError) as error:
        read_boundaries(archive, "name")
    assert str(error.value) == f"{archive}: no shapefile (.shp) or GeoJSON file found in this zip"


def test_missing_path_and_unknown_format_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file or folder not found"):
        read_boundaries(tmp_path / "absent.geojson", "name")
    kml = tmp_path / "wards.kml"
    kml.write_text("<kml/>")
    with pytest.raises(InputError) as error:
        read_boundaries(kml, "name")
    assert str(error.value).startswith(f"{kml}: cannot read '.kml' files; use a GeoJSON file")


def test_unreadable_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "wards.geojson"
    path.write_text("<html>Page not found</html>")
    with pytest.raises(InputError) as error:
        read_boundaries(path, "name")
    assert str(error.value) == (
        f"{path}: cannot be read as a map layer: "
        "GDAL does not recognize it; check that it is a GeoJSON file or a shapefile"
    )


def test_point_and_empty_features_are_refused_by_row(tmp_path: Path) -> None:
    path = write_geojson(
        tmp_path / "mixed.geojson",
        [
            feature(square(-80.2, 43.5), name="Ward 1"),
            feature({"type": "Point", "coordinates": [-80.2, 43.5]}, name="Library"),
            feature(None, name="Ward 3"),
        ],
    )
    with pytest.raises(InputError) as error:
        read_boundaries(path, "name")
    assert problem_messages(error) == [
        f"{path}, row 2: the feature is a Point; boundaries must be polygons",
        f"{path}, row 3: the feature has no geometry",
    ]


def test_empty_names_are_refused_by_row(tmp_path: Path) -> None:
    path = write_geojson(
        tmp_path / "wards.geojson",
        [feature(square(-80.2, 43.5), name="  "), feature(square(-80.1, 43.5), name="Ward 2")],
    )
    with pytest.raises(InputError) as error:
        read_boundaries(path, "name")
    assert problem_messages(error) == [f"{path}, row 1, column 'name': the name is empty"]


# --- GeoJSON --------------------------------------------------------------------------


def test_geojson_without_crs_member_is_wgs84(tmp_path: Path) -> None:
    path = write_geojson(
        tmp_path / "wards.geojson",
        [
            feature(square(-80.123456789, 43.5), Name="North", phone="555-0100"),
            feature(square(-80.2, 43.4), Name="South", phone="555-0199"),
        ],
    )
    result = read_boundaries(path, "name")
    assert [f.name for f in result.features] == ["North", "South"]
    assert result.source_crs == "EPSG:4326"
    assert result.dropped_columns == ("phone",)
    assert result.bounds == pytest.approx((-80.2, 43.4, -80.113457, 43.51))
    assert "555-01" not in json.dumps(dataclasses.asdict(result))
    assert -80.123457 in all_coordinates(result.features[0].geometry)


def test_geojson_with_legacy_crs_member_is_reprojected(tmp_path: Path) -> None:
    # Web Mercator metres for about lon -80.25, lat 43.55 (Guelph).
    path = write_geojson(
        tmp_path / "mercator.geojson",
        [feature(square(-8933500.0, 5395000.0, size=1000.0), name="Ward 1")],
        crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}},
    )
    result = read_boundaries(path, "name")
    assert result.source_crs == "EPSG:3857"
    min_x, min_y, max_x, max_y = result.bounds
    assert -80.26 < min_x < max_x < -80.23 and 43.53 < min_y < max_y < 43.56


def test_geojson_with_projected_coordinates_and_no_crs_is_refused(tmp_path: Path) -> None:
    path = write_geojson(
        tmp_path / "metres.geojson",
        [feature(square(-8933500.0, 5395000.0, size=1000.0), name="Ward 1")],
    )
    with pytest.raises(InputError) as error:
        read_boundaries(path, "name")
    assert str(error.value) == (
        f"{path}: coordinates are not longitude/latitude after conversion from EPSG:4326; "
        "the file's coordinate reference system is wrong or missing"
    )


def test_geojson_in_zip(tmp_path: Path) -> None:
    source = write_geojson(tmp_path / "wards.geojson", [feature(square(-80.2, 43.5), name="A")])
    archive = tmp_path / "wards.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.write(source, "export/wards.geojson")
        zipped.writestr("__MACOSX/export/._wards.geojson", "resource fork")
    assert read_boundaries(archive, "name") == read_boundaries(source, "name")


def test_rows_sharing_a_name_are_merged(tmp_path: Path) -> None:
    path = write_geojson(
        tmp_path / "multipart.geojson",
        [
            feature(square(-80.20, 43.5), name="Ward 1"),
            feature(square(-80.10, 43.5), name="Ward 2"),
            feature(square(-80.19, 43.5), name="Ward 1"),  # touches the first part
            feature(square(-80.00, 43.5), name="Ward 1"),  # a separate island
        ],
    )
    result = read_boundaries(path, "name")
    assert [f.name for f in result.features] == ["Ward 1", "Ward 2"]
    ward_1 = shapely.from_geojson(result.features[0].geometry)
    assert ward_1.geom_type == "MultiPolygon" and len(ward_1.geoms) == 2
    assert ward_1.area == pytest.approx(3 * 0.01**2)


def test_self_intersecting_polygon_is_repaired(tmp_path: Path) -> None:
    ring = [[-80, 43], [-79, 44], [-79, 43], [-80, 44], [-80, 43]]  # crosses itself
    bowtie = {"type": "Polygon", "coordinates": [ring]}
    path = write_geojson(tmp_path / "bowtie.geojson", [feature(bowtie, name="Bowtie")])
    geometry = shapely.from_geojson(read_boundaries(path, "name").features[0].geometry)
    assert geometry.is_valid and geometry.geom_type == "MultiPolygon"
    assert geometry.area == pytest.approx(0.5)


# --- FeatureCollection helper ---------------------------------------------------------


def test_feature_collection_from_features_or_pairs() -> None:
    geometry = json.dumps(square(-80.2, 43.5), separators=(",", ":"))
    from_pairs = boundaries_to_feature_collection([("Ward <1>", geometry)])
    from_features = boundaries_to_feature_collection([BoundaryFeature("Ward <1>", geometry)])
    assert from_pairs == from_features == {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"name": "Ward <1>"}, "geometry": square(-80.2, 43.5)}
        ],
    }
