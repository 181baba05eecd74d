"""Hostile boundary files, built at test time: each is refused with one exact line naming the
file (and row and column where there is one) and what to do, never with a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import geopandas
import pytest
from shapely.geometry import Polygon

from cswb_widgets.cli import main
from cswb_widgets.errors import InputError
from cswb_widgets.store import Workspace
from cswb_widgets.store.boundaries import read_boundaries

NAMES = ["Ward A", "Québec"]  # the second name is the one whose bytes differ between encodings

PRJ_ADVICE = "re-export the shapefile in EPSG:4326 or another named CRS"


def squares() -> list[Polygon]:
    return [Polygon([(x, 45), (x + 0.01, 45), (x + 0.01, 45.01), (x, 45.01)]) for x in (-80.0, -79.9)]


def write_shapefile(folder: Path, *, encoding: str = "UTF-8", names: list[str] = NAMES) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    frame = geopandas.GeoDataFrame({"name": names}, geometry=squares(), crs="EPSG:4326")
    path = folder / "wards.shp"
    frame.to_file(path, engine="pyogrio", encoding=encoding)
    return path


def geojson_text(properties: list[dict[str, str]], **extra: Any) -> str:
    features = [
        {"type": "Feature", "properties": props, "geometry": json.loads(json.dumps(square.__geo_interface__))}
        for props, square in zip(properties, squares(), strict=True)
    ]
    return json.dumps({"type": "FeatureCollection", **extra, "features": features}, ensure_ascii=False)


def refusal(path: Path, name_column: str | None = "name") -> str:
    with pytest.raises(InputError) as refused:
        read_boundaries(path, name_column)
    line = str(refused.value)
    assert "\n" not in line
    return line


# --- text encodings -------------------------------------------------------------------


def test_latin1_geojson_names_the_row_and_asks_for_utf8(tmp_path: Path) -> None:
    path = tmp_path / "wards.geojson"
    path.write_bytes(geojson_text([{"name": n} for n in NAMES]).encode("ISO-8859-1"))
    assert refusal(path) == (
        f"{path}, row 2, column 'name': the text is not UTF-8 (byte 0xE9; ISO-8859-1 or "
        "Windows-1252 perhaps); save the GeoJSON as UTF-8 and import it again"
    )


def test_latin1_geojson_column_name_is_refused_without_a_row(tmp_path: Path) -> None:
    path = tmp_path / "wards.geojson"
    path.write_bytes(geojson_text([{"nàme": n} for n in ("A", "B")]).encode("ISO-8859-1"))
    assert refusal(path) == (
        f"{path}: the text is not UTF-8 (byte 0xE0; ISO-8859-1 or Windows-1252 perhaps); "
        "save the GeoJSON as UTF-8 and import it again"
    )


def test_latin1_geojson_in_a_zip_names_the_member(tmp_path: Path) -> None:
    archive = tmp_path / "wards.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("wards.geojson", geojson_text([{"name": n} for n in NAMES]).encode("ISO-8859-1"))
    assert refusal(archive) == (
        f"{archive} [wards.geojson], row 2, column 'name': the text is not UTF-8 (byte 0xE9; "
        "ISO-8859-1 or Windows-1252 perhaps); save the GeoJSON as UTF-8 and import it again"
    )


def test_latin1_text_in_a_column_never_read_does_not_matter(tmp_path: Path) -> None:
    path = tmp_path / "wards.geojson"
    properties = [{"name": f"Ward {n}", "councillor": "Hélène Tremblay"} for n in (1, 2)]
    path.write_bytes(geojson_text(properties).encode("ISO-8859-1"))
    assert [f.name for f in read_boundaries(path, "name").features] == ["Ward 1", "Ward 2"]


def scrambled_zip(archive: Path, member: str, content: bytes, *, encrypted: bool) -> None:
    """A zip whose one member's deflated bytes are noise, as an encrypted member's are to a
    reader without the password (Python cannot write encrypted zips); `encrypted` sets the flag."""
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr(member, content)
    data = bytearray(archive.read_bytes())
    local = data.find(b"PK\x03\x04")
    start = local + 30 + int.from_bytes(data[local + 26 : local + 28], "little") + int.from_bytes(
        data[local + 28 : local + 30], "little"
    )
    end = data.find(b"PK\x01\x02")
    data[start:end] = bytes(b ^ 0xA5 for b in data[start:end])
    if encrypted:
        data[local + 6] |= 1
        data[end + 8] |= 1
    archive.write_bytes(bytes(data))


def test_password_protected_zip_says_to_unzip_it(tmp_path: Path) -> None:
    archive = tmp_path / "wards.zip"
    scrambled_zip(archive, "wards.geojson", geojson_text([{"name": n} for n in NAMES]).encode(), encrypted=True)
    assert refusal(archive) == (
        f"{archive} [wards.geojson]: cannot be read as a map layer: the zip is password-protected; "
        "unzip it with its password and import the files"
    )


def test_damaged_zip_says_to_make_it_again(tmp_path: Path) -> None:
    archive = tmp_path / "wards.zip"
    scrambled_zip(archive, "wards.geojson", geojson_text([{"name": n} for n in NAMES]).encode(), encrypted=False)
    assert refusal(archive) == (
        f"{archive} [wards.geojson]: cannot be read as a map layer: the zip is damaged "
        "(its contents cannot be decompressed); make the zip again"
    )


def test_utf16_geojson_asks_for_utf8(tmp_path: Path) -> None:
    path = tmp_path / "wards.geojson"
    path.write_bytes(geojson_text([{"name": n} for n in NAMES]).encode("UTF-16"))
    assert refusal(path) == (
        f"{path}: the file is UTF-16 text, which GeoJSON does not allow; "
        "save the GeoJSON as UTF-8 and import it again"
    )


def test_cpg_naming_the_wrong_encoding_names_the_row(tmp_path: Path) -> None:
    shapefile = write_shapefile(tmp_path / "wards", encoding="ISO-8859-1")
    shapefile.with_suffix(".cpg").write_text("UTF-8")
    assert refusal(shapefile.parent) == (
        f"{shapefile}, row 2, column 'name': the .cpg file says the attribute table (.dbf) is "
        "UTF-8 but it is not (byte 0xE9); fix or delete the .cpg file and import again"
    )


def test_cpg_naming_the_wrong_encoding_inside_a_zip(tmp_path: Path) -> None:
    shapefile = write_shapefile(tmp_path / "wards", encoding="ISO-8859-1")
    shapefile.with_suffix(".cpg").write_text("UTF-8\n")
    archive = tmp_path / "wards.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for part in shapefile.parent.iterdir():
            zipped.write(part, f"layer/{part.name}")
    assert refusal(archive) == (
        f"{archive} [layer/wards.shp], row 2, column 'name': the .cpg file says the attribute "
        "table (.dbf) is UTF-8 but it is not (byte 0xE9); fix or delete the .cpg file and import again"
    )


def test_the_same_dbf_without_the_wrong_cpg_is_read_correctly(tmp_path: Path) -> None:
    shapefile = write_shapefile(tmp_path / "wards", encoding="ISO-8859-1")
    shapefile.with_suffix(".cpg").unlink()  # the .dbf header's language byte then decides
    assert [f.name for f in read_boundaries(shapefile, "name").features] == NAMES


def test_utf8_dbf_with_a_cpg_naming_cp1252_is_not_read_as_mojibake(tmp_path: Path) -> None:
    shapefile = write_shapefile(tmp_path / "wards")  # UTF-8, as QGIS writes
    shapefile.with_suffix(".cpg").write_text("CP1252")
    assert refusal(shapefile) == (
        f"{shapefile}, row 2, column 'name': 'QuÃ©bec' is UTF-8 text read as CP1252 (it should say "
        "'Québec'); the .cpg file says CP1252 but the .dbf is UTF-8: change the .cpg to say UTF-8, "
        "and import again"
    )


def test_utf8_dbf_that_lost_its_cpg_is_not_read_as_mojibake(tmp_path: Path) -> None:
    shapefile = write_shapefile(tmp_path / "wards")
    shapefile.with_suffix(".cpg").unlink()  # e-mailed as .shp, .shx and .dbf only
    assert refusal(shapefile) == (
        f"{shapefile}, row 2, column 'name': 'QuÃ©bec' is UTF-8 text read as ISO-8859-1 (it should "
        "say 'Québec'); the .dbf is UTF-8 but has no .cpg file saying so: add one containing UTF-8, "
        "and import again"
    )


def test_utf8_dbf_with_its_cpg_is_read_as_written(tmp_path: Path) -> None:
    shapefile = write_shapefile(tmp_path / "wards")
    assert shapefile.with_suffix(".cpg").read_text().strip() == "UTF-8"
    assert [f.name for f in read_boundaries(shapefile, "name").features] == NAMES


def test_a_wrong_cpg_outside_the_chosen_column_does_not_matter_when_dissolving(tmp_path: Path) -> None:
    shapefile = write_shapefile(tmp_path / "wards", encoding="ISO-8859-1")
    shapefile.with_suffix(".cpg").write_text("UTF-8")
    merged = read_boundaries(shapefile, None, dissolve=True, dissolved_name="Town")
    assert [f.name for f in merged.features] == ["Town"]  # the names are never read


# --- coordinate reference systems -----------------------------------------------------

UNUSABLE_PRJ = {
    "text that is no CRS": ("hello world", "it is not a coordinate system GDAL can read"),
    "an empty file": ("", "it is empty"),
    "binary bytes": ("\x00\x01\x02\x7f", "it is not a coordinate system GDAL can read"),
    "a projection without its conversion": (
        'PROJCS["nonsense",GEOGCS["x",DATUM["y",SPHEROID["z",0,0]]]]',
        "it is not a coordinate system pyproj knows: missing CONVERSION node",
    ),
    "an ellipsoid of size zero": (
        'GEOGCS["x",DATUM["y",SPHEROID["z",0,0]],PRIMEM["Greenwich",0],UNIT["Degree",0.0174532925199433]]',
        "it is not a coordinate system pyproj knows: Invalid ellipsoid parameters",
    ),
    "a local site grid": (
        'LOCAL_CS["site grid",LOCAL_DATUM["x",0],UNIT["Foot_US",0.3048006096012192],AXIS["X",EAST],AXIS["Y",NORTH]]',
        "Engineering CRS 'site grid' cannot be converted to longitude/latitude",
    ),
    "an unknown projection method": (
        'PROJCS["mystery",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,'
        '298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],'
        'PROJECTION["No_Such_Projection"],UNIT["Meter",1.0]]',
        "Projected CRS 'mystery' cannot be converted to longitude/latitude",
    ),
}


@pytest.mark.parametrize("case", sorted(UNUSABLE_PRJ))
def test_unusable_prj_says_what_to_do(case: str, tmp_path: Path) -> None:
    prj_text, reason = UNUSABLE_PRJ[case]
    shapefile = write_shapefile(tmp_path / "wards")
    shapefile.with_suffix(".prj").write_bytes(prj_text.encode("ISO-8859-1"))
    assert refusal(shapefile) == f"{shapefile}: the .prj file cannot be used ({reason}); {PRJ_ADVICE}"


def test_unusable_prj_inside_a_zip(tmp_path: Path) -> None:
    shapefile = write_shapefile(tmp_path / "wards")
    shapefile.with_suffix(".prj").write_text("hello world")
    archive = tmp_path / "wards.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for part in shapefile.parent.iterdir():
            zipped.write(part, part.name)
    assert refusal(archive) == (
        f"{archive} [wards.shp]: the .prj file cannot be used "
        f"(it is not a coordinate system GDAL can read); {PRJ_ADVICE}"
    )


def test_unusable_geojson_crs_member(tmp_path: Path) -> None:
    path = tmp_path / "wards.geojson"
    crs = {"type": "name", "properties": {"name": 'LOCAL_CS["site grid",UNIT["metre",1]]'}}
    path.write_text(geojson_text([{"name": n} for n in NAMES], crs=crs))
    assert refusal(path) == (
        f"{path}: the GeoJSON's \"crs\" member cannot be used (Engineering CRS 'site grid' cannot "
        "be converted to longitude/latitude); re-export the GeoJSON in EPSG:4326 (longitude/latitude)"
    )


@pytest.mark.parametrize(
    "name",
    # pyproj searches its database for a free-text name: 1.5 s before it says no
    ["urn:ogc:def:crs:EPSG::999999", pytest.param("Lambert of my own", marks=pytest.mark.slow)],
)
def test_geojson_crs_member_naming_no_known_crs_is_not_taken_for_wgs84(name: str, tmp_path: Path) -> None:
    # GDAL drops a "crs" member it cannot resolve and reads the coordinates as longitude/latitude.
    path = tmp_path / "wards.geojson"
    path.write_text(geojson_text([{"name": n} for n in NAMES], crs={"type": "name", "properties": {"name": name}}))
    assert refusal(path) == (
        f"{path}: the GeoJSON's \"crs\" member cannot be used ('{name}' is not a coordinate system "
        "pyproj knows); re-export the GeoJSON in EPSG:4326 (longitude/latitude)"
    )


def test_geojson_crs_member_naming_wgs84_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "wards.geojson"
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}
    path.write_text(geojson_text([{"name": n} for n in NAMES], crs=crs))
    assert [f.name for f in read_boundaries(path, "name").features] == NAMES


# --- incomplete shapefiles ----------------------------------------------------------------


def test_shapefile_without_its_shx_says_which_file_to_add(tmp_path: Path) -> None:
    shapefile = write_shapefile(tmp_path / "wards")
    shapefile.with_suffix(".shx").unlink()
    assert refusal(shapefile.parent) == (
        f"{shapefile}: cannot be read as a map layer: its .shx file is missing; add the .shx that "
        "came with the .shp (a shapefile is at least its .shp, .shx and .dbf files)"
    )


def test_shapefile_without_its_dbf_says_which_file_to_add(tmp_path: Path) -> None:
    shapefile = write_shapefile(tmp_path / "wards")
    shapefile.with_suffix(".dbf").unlink()
    assert refusal(shapefile) == (
        f"{shapefile}: the .dbf file (the attribute table, with the area names) is missing; "
        "add the .dbf that came with the .shp"
    )
    # Merged into one boundary, the shapes alone are enough.
    merged = read_boundaries(shapefile, None, dissolve=True, dissolved_name="Town")
    assert [f.name for f in merged.features] == ["Town"]


# --- the same files through the command line --------------------------------------------


def test_cswb_import_prints_the_same_one_line_and_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    Workspace.create(tmp_path / "w", name="Town")
    capsys.readouterr()
    shapefile = write_shapefile(tmp_path / "wards", encoding="ISO-8859-1")
    shapefile.with_suffix(".cpg").write_text("UTF-8")
    geojson = tmp_path / "wards.geojson"
    geojson.write_bytes(geojson_text([{"name": n} for n in NAMES]).encode("ISO-8859-1"))
    local = write_shapefile(tmp_path / "local")
    local.with_suffix(".prj").write_text(UNUSABLE_PRJ["a local site grid"][0])

    for hostile in (shapefile.parent, geojson, local):
        expected = refusal(hostile)
        assert main(["import", str(tmp_path / "w"), str(hostile), "--name-column", "name"]) == 1
        captured = capsys.readouterr()
        assert captured.err == f"cswb: error: {expected}\n"
        assert captured.out == ""
    assert len(Workspace.open(tmp_path / "w").table("areas")) == 0


# --- bounded memory -------------------------------------------------------------------------

MEASURE_REFUSAL = """
import json, sys
from cswb_widgets.errors import InputError
from cswb_widgets.store.boundaries import read_boundaries
import geopandas, pyogrio, pyproj  # loaded before the baseline: only the reading is measured

def status(key):
    return next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith(key)) * 1024

before = status("VmRSS:")
try:
    read_boundaries(sys.argv[1], "name")
    message = None
except InputError as error:
    message = str(error)
print(json.dumps({"message": message, "growth": status("VmHWM:") - before}))
"""


@pytest.mark.slow
def test_a_large_latin1_geojson_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    """20,000 features (5 MB), the only non-UTF-8 name in the last row: found by re-reading that
    one column while GDAL streams the file (peak growth measured at about 9 MB)."""
    path = tmp_path / "wards.geojson"
    def feature(i: int) -> dict[str, Any]:
        x = -80 + i % 100
        ring = [[x, 45], [x + 0.0009, 45], [x + 0.0009, 45.0009], [x, 45.0009], [x, 45]]
        name = "Québec" if i == 19_999 else f"Area {i}"
        return {"type": "Feature", "properties": {"name": name, "note": "x" * 50},
                "geometry": {"type": "Polygon", "coordinates": [ring]}}

    features = ",".join(json.dumps(feature(i), ensure_ascii=False) for i in range(20_000))
    path.write_bytes(('{"type":"FeatureCollection","features":[' + features + "]}").encode("ISO-8859-1"))
    result = subprocess.run(
        [sys.executable, "-c", MEASURE_REFUSAL, str(path)], capture_output=True, text=True, timeout=300, check=True
    )
    measured = json.loads(result.stdout)
    assert measured["message"] == (
        f"{path}, row 20000, column 'name': the text is not UTF-8 (byte 0xE9; ISO-8859-1 or "
        "Windows-1252 perhaps); save the GeoJSON as UTF-8 and import it again"
    )
    assert measured["growth"] < 64 * 1024 * 1024, measured
