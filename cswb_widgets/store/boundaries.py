"""Import ward, sub-area and community boundaries from GeoJSON files and shapefiles.

`read_boundaries` turns whatever a municipality publishes (a GeoJSON file, a
shapefile, the folder or zip it came in, in any coordinate reference system) into
named WGS 84 polygons ready for the workspace `areas` table and for offline maps.

Only two things survive the import: the name the user picked a column for, and the
geometry. Every other attribute is never even read from the file, because ward files
often carry councillors' names, phone numbers and e-mail addresses (personal data
that must never reach a published output).

Rules, so the result is predictable:
- Features that share a name are merged into one (unary union): some ward files
  split a ward over several rows.
- Invalid polygons are repaired (`shapely.make_valid`), keeping polygonal parts only.
- Coordinates are snapped to 6 decimals (about 10 cm), which keeps storage small.
- Geometries are returned as compact GeoJSON text, Polygon or MultiPolygon, with
  exterior rings counter-clockwise as RFC 7946 asks.
"""

from __future__ import annotations

import contextlib
import json
import math
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from cswb_widgets.errors import InputError, Problem
from cswb_widgets.store.limits import MAX_BOUNDARY_BYTES, check_archive_members, check_size

if TYPE_CHECKING:
    import geopandas

WGS84 = "EPSG:4326"
COORDINATE_DECIMALS = 6
GEOJSON_SUFFIXES = (".geojson", ".json")
SHAPEFILE_SUFFIX = ".shp"
POLYGONAL_TYPES = ("Polygon", "MultiPolygon")


@dataclass(frozen=True)
class BoundaryFeature:
    """One named area: `geometry` is GeoJSON geometry text in WGS 84 longitude/latitude."""

    name: str
    geometry: str


@dataclass(frozen=True)
class BoundarySet:
    """The areas read from one file, with what a user needs to check the import."""

    features: tuple[BoundaryFeature, ...]
    bounds: tuple[float, float, float, float]  # minx, miny, maxx, maxy in lon/lat
    source_crs: str  # the file's coordinate reference system, e.g. "EPSG:3857"
    dropped_columns: tuple[str, ...]  # attribute columns left unread


@dataclass(frozen=True)
class _Source:
    """A dataset GDAL can open, and how to name it to the user."""

    gdal_path: str
    display_name: str  # what error messages call the file
    is_shapefile: bool
    archive: Path | None = None  # a zip whose `members` are unpacked before GDAL reads them
    members: tuple[str, ...] = ()


def read_boundaries(
    path: str | Path,
    name_column: str | None,
    *,
    dissolve: bool = False,
    dissolved_name: str | None = None,
) -> BoundarySet:
    """Read named polygons from a GeoJSON file or a shapefile (or its folder or zip).

    `name_column` is matched ignoring case and surrounding spaces. With
    `dissolve=True` every feature is merged into one area called `dissolved_name`
    (e.g. a community boundary drawn from its wards); `name_column` is then not needed
    and not read. Raises `InputError` naming the file, row and column of each problem.
    """
    with _unpacked(_resolve_source(Path(path))) as source:
        return _read_source(source, name_column, dissolve=dissolve, dissolved_name=dissolved_name)


def _read_source(
    source: _Source, name_column: str | None, *, dissolve: bool, dissolved_name: str | None
) -> BoundarySet:
    import pyogrio  # imports geopandas (close to a second): only when a file is read

    info = _read_info(pyogrio, source)
    fields = tuple(str(f) for f in info["fields"])

    merged_name = (dissolved_name or "").strip()
    if dissolve:
        if not merged_name:
            raise InputError(
                Problem("give a name for the merged (dissolved) boundary", file=source.display_name)
            )
        name_field = None
    else:
        name_field = _match_column(name_column, fields, source.display_name)

    frame = _read_frame(pyogrio, source, name_field)
    if len(frame) == 0:
        raise InputError(Problem("the file holds no features", file=source.display_name))
    source_crs = _source_crs(frame, source)
    geometries = _to_wgs84_polygons(frame, source, source_crs)

    if name_field is None:
        names = [merged_name] * len(geometries)  # merged into one below
    else:
        names = _feature_names(frame[name_field].tolist(), name_field, source.display_name)

    features = tuple(
        BoundaryFeature(name, _geometry_json(geometry, name, source.display_name))
        for name, geometry in _merge_by_name(names, geometries).items()
    )
    return BoundarySet(
        features=features,
        bounds=_bounds(features),
        source_crs=source_crs,
        dropped_columns=tuple(f for f in fields if f != name_field),
    )


def boundaries_to_feature_collection(
    features: Iterable[BoundaryFeature | tuple[str, str]],
) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of (name, geometry text) pairs, for maps and exports.

    Names are data here, not markup: whoever renders them into HTML escapes them.
    """
    collection = []
    for feature in features:
        name, geometry = (
            (feature.name, feature.geometry) if isinstance(feature, BoundaryFeature) else feature
        )
        collection.append(
            {"type": "Feature", "properties": {"name": name}, "geometry": json.loads(geometry)}
        )
    return {"type": "FeatureCollection", "features": collection}


# --- locating the dataset -----------------------------------------------------------


def _resolve_source(path: Path) -> _Source:
    if not path.exists():
        raise InputError(Problem("file or folder not found", file=str(path)))
    if path.is_dir():
        shapefiles = sorted(p for p in path.iterdir() if p.suffix.lower() == SHAPEFILE_SUFFIX)
        chosen = _exactly_one([p.name for p in shapefiles], "in this folder", str(path))
        _check_on_disk(path / chosen, is_shapefile=True)
        return _Source(str(path / chosen), str(path / chosen), is_shapefile=True)
    suffix = path.suffix.lower()
    if suffix == ".zip":
        return _zip_member(path)
    if suffix == SHAPEFILE_SUFFIX:
        _check_on_disk(path, is_shapefile=True)
        return _Source(str(path), str(path), is_shapefile=True)
    if suffix in GEOJSON_SUFFIXES:
        _check_on_disk(path, is_shapefile=False)
        return _Source(str(path), str(path), is_shapefile=False)
    raise InputError(
        Problem(
            f"cannot read '{path.suffix}' files; use a GeoJSON file (.geojson, .json) "
            "or a shapefile (.shp, or the folder or .zip that holds it)",
            file=str(path),
        )
    )


def _zip_member(path: Path) -> _Source:
    # Only the zip's directory is read here: every size is checked before GDAL unpacks a byte.
    try:
        with zipfile.ZipFile(path) as archive:
            infos = [info for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, OSError):
        raise InputError(Problem("not a valid zip archive", file=str(path))) from None
    # macOS archivers add resource-fork copies ("._x.shp") that GDAL cannot read
    members = [
        info.filename
        for info in infos
        if not info.filename.startswith("__MACOSX/")
        and not PurePosixPath(info.filename).name.startswith("._")
    ]
    shapefiles = [m for m in members if m.lower().endswith(SHAPEFILE_SUFFIX)]
    geojsons = [m for m in members if m.lower().endswith(GEOJSON_SUFFIXES)]
    is_shapefile = bool(shapefiles)  # a shapefile wins over any GeoJSON beside it
    if is_shapefile:
        member = _exactly_one(shapefiles, "in this zip", str(path))
    else:
        member = _exactly_one(
            geojsons, "in this zip", str(path), kind="shapefile (.shp) or GeoJSON file"
        )
    parts = {part.lower() for part in _dataset_parts(member, is_shapefile)}
    read = [info for info in infos if info.filename.lower() in parts]
    _check_boundary_size(sum(info.file_size for info in read), f"{path} [{member}]", packed=True)
    stem = member[: -len(PurePosixPath(member).suffix)].lower()
    siblings = [info for info in infos if info.filename.rpartition(".")[0].lower() == stem] if is_shapefile else read
    check_archive_members(siblings, str(path))  # compression ratio: the mark of a bomb
    return _Source(member, f"{path} [{member}]", is_shapefile, archive=path,
                   members=tuple(info.filename for info in siblings))


@contextlib.contextmanager
def _unpacked(source: _Source) -> Iterator[_Source]:
    """The source itself, or a zip's dataset unpacked into a temporary folder while it is read.

    GDAL's /vsizip/ reads a member past the size the zip's directory declares (a forged 1 KB
    entry streamed a gigabyte of GeoJSON), so Python's zipfile unpacks it instead: it stops at
    the declared size, which the limits were checked against, and checks the CRC.
    """
    if source.archive is None:
        yield source
        return
    with tempfile.TemporaryDirectory(prefix="cswb-boundaries-") as scratch, zipfile.ZipFile(source.archive) as archive:
        for member in source.members:
            target = Path(scratch) / PurePosixPath(member).name
            try:
                with archive.open(member) as packed, target.open("wb") as unpacked:
                    shutil.copyfileobj(packed, unpacked, 1024 * 1024)
            except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError) as exc:
                raise InputError(Problem(f"cannot be unpacked ({exc}); the zip is damaged: pack the original"
                                         " files again", file=f"{source.archive} [{member}]")) from None
        yield replace(source, gdal_path=str(Path(scratch) / PurePosixPath(source.gdal_path).name), archive=None)


def _dataset_parts(name: str, is_shapefile: bool) -> list[str]:
    """The files GDAL reads whole for a dataset: a GeoJSON file, or a shapefile's geometry and table."""
    if not is_shapefile:
        return [name]
    stem = name[: -len(SHAPEFILE_SUFFIX)]
    return [name, stem + ".dbf"]


def _check_on_disk(path: Path, *, is_shapefile: bool) -> None:
    wanted = {part.lower() for part in _dataset_parts(path.name, is_shapefile)}
    siblings = path.parent.iterdir() if is_shapefile else iter([path])
    _check_boundary_size(sum(p.stat().st_size for p in siblings if p.name.lower() in wanted), str(path))


def _check_boundary_size(size: int, display_name: str, *, packed: bool = False) -> None:
    # GDAL and GEOS hold a boundary file several times over while reading and merging it.
    what = "the boundary data unpacks to" if packed else "the boundary data is"
    check_size(size, display_name, limit=MAX_BOUNDARY_BYTES, what=what, per="boundary data",
               advice="simplify the boundaries or keep only the areas the plan needs")


def _exactly_one(
    candidates: list[str], where: str, display_name: str, kind: str = "shapefile (.shp)"
) -> str:
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise InputError(Problem(f"no {kind} found {where}", file=display_name))
    raise InputError(
        Problem(
            f"{len(candidates)} files found {where} ({', '.join(candidates)}); "
            "choose one of them",
            file=display_name,
        )
    )


# --- reading --------------------------------------------------------------------------


def _gdal_errors(pyogrio: Any) -> tuple[type[Exception], ...]:
    errors = pyogrio.errors
    return (
        errors.DataSourceError,
        errors.DataLayerError,
        errors.FeatureError,
        errors.FieldError,
        errors.GeometryError,
        errors.CRSError,
    )


def _read_info(pyogrio: Any, source: _Source) -> dict[str, Any]:
    try:
        return pyogrio.read_info(source.gdal_path)
    except _gdal_errors(pyogrio) as error:
        raise _unreadable(source, error) from None


def _unreadable(source: _Source, error: Exception) -> InputError:
    # GDAL appends advice meant for programmers ("prefix the path with '<DRIVER>:'").
    reason = str(error).split("; It might help")[0].rstrip(".")
    return InputError(
        Problem(f"cannot be read as a map layer: {reason}", file=source.display_name)
    )


def _read_frame(pyogrio: Any, source: _Source, name_field: str | None) -> geopandas.GeoDataFrame:
    # Reading only the chosen column keeps personal attributes out of memory entirely.
    try:
        return pyogrio.read_dataframe(
            source.gdal_path, columns=[name_field] if name_field else [], force_2d=True
        )
    except _gdal_errors(pyogrio) as error:
        raise _unreadable(source, error) from None


def _match_column(wanted: str | None, fields: tuple[str, ...], display_name: str) -> str:
    available = ", ".join(fields) if fields else "(none)"
    if wanted is None or not wanted.strip():
        raise InputError(
            Problem(
                f"choose the column that holds the area names; available columns: {available}",
                file=display_name,
            )
        )
    key = wanted.strip().casefold()
    matches = [f for f in fields if f.strip().casefold() == key]
    exact = [f for f in matches if f == wanted.strip()]
    if len(matches) == 1 or len(exact) == 1:
        return (exact or matches)[0]
    if not matches:
        message = f"no such column; available columns: {available}"
    else:
        message = f"several columns match ({', '.join(matches)}); type the exact name"
    raise InputError(Problem(message, file=display_name, column=wanted))


def _source_crs(frame: geopandas.GeoDataFrame, source: _Source) -> str:
    if frame.crs is None:
        if source.is_shapefile:
            raise InputError(
                Problem(
                    "the .prj file (coordinate reference system) is missing, so the "
                    "coordinates cannot be placed on a map; add the .prj file that came "
                    "with the shapefile",
                    file=source.display_name,
                )
            )
        return WGS84  # RFC 7946: GeoJSON coordinates are WGS 84 longitude/latitude
    authority = frame.crs.to_authority()
    return f"{authority[0]}:{authority[1]}" if authority else frame.crs.to_string()


def _to_wgs84_polygons(
    frame: geopandas.GeoDataFrame, source: _Source, source_crs: str
) -> list[BaseGeometry]:
    geoseries = frame.geometry
    if frame.crs is None:
        geoseries = geoseries.set_crs(WGS84)
    problems: list[Problem] = []
    for row, geometry in enumerate(geoseries, start=1):
        if geometry is None or geometry.is_empty:
            problems.append(Problem("the feature has no geometry", source.display_name, row=row))
        elif geometry.geom_type not in POLYGONAL_TYPES:
            problems.append(
                Problem(
                    f"the feature is a {geometry.geom_type}; boundaries must be polygons",
                    source.display_name,
                    row=row,
                )
            )
    if problems:
        raise InputError(problems)

    geographic = geoseries.to_crs(WGS84)
    min_x, min_y, max_x, max_y = geographic.total_bounds
    if not (-180 <= min_x and max_x <= 180 and -90 <= min_y and max_y <= 90):
        # Typically a GeoJSON written in a projected CRS without saying so.
        raise InputError(
            Problem(
                f"coordinates are not longitude/latitude after conversion from {source_crs}; "
                "the file's coordinate reference system is wrong or missing",
                file=source.display_name,
            )
        )

    repaired = []
    for row, geometry in enumerate(geographic, start=1):
        polygonal = geometry if geometry.is_valid else _polygonal_part(shapely.make_valid(geometry))
        if polygonal.is_empty:
            problems.append(
                Problem("the polygon has no area, even after repair", source.display_name, row=row)
            )
        repaired.append(polygonal)
    if problems:
        raise InputError(problems)
    return repaired


def _polygonal_part(geometry: BaseGeometry) -> BaseGeometry:
    if geometry.geom_type in POLYGONAL_TYPES:
        return geometry
    parts = [
        part
        for part in shapely.get_parts(geometry)
        if part.geom_type in POLYGONAL_TYPES  # make_valid may add stray lines or points
    ]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def _feature_names(values: list[Any], column: str, display_name: str) -> list[str]:
    names: list[str] = []
    problems: list[Problem] = []
    for row, value in enumerate(values, start=1):
        name = _name_text(value)
        if not name:
            problems.append(Problem("the name is empty", display_name, row=row, column=column))
        names.append(name)
    if problems:
        raise InputError(problems)
    return names


def _name_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return ""
        if float(value).is_integer():
            return str(int(value))  # ward numbers stored as reals: "3", not "3.0"
    return str(value).strip()


def _merge_by_name(names: list[str], geometries: list[BaseGeometry]) -> dict[str, BaseGeometry]:
    grouped: dict[str, list[BaseGeometry]] = {}
    for name, geometry in zip(names, geometries, strict=True):
        grouped.setdefault(name, []).append(geometry)  # keeps the file's order
    return {
        name: parts[0] if len(parts) == 1 else shapely.union_all(parts)
        for name, parts in grouped.items()
    }


# --- output ---------------------------------------------------------------------------


def _geometry_json(geometry: BaseGeometry, name: str, display_name: str) -> str:
    # Snapping to the grid first keeps the polygon valid; rounding then makes the
    # floats print as short decimals instead of 0.30000000000000004-style noise.
    snapped = shapely.set_precision(geometry, 10.0**-COORDINATE_DECIMALS)
    snapped = _polygonal_part(snapped)
    if snapped.is_empty:
        raise InputError(
            Problem(f"the area '{name}' is too small to keep at 10 cm precision", display_name)
        )
    rounded = shapely.transform(snapped, lambda xy: np.round(xy, COORDINATE_DECIMALS))
    oriented = shapely.orient_polygons(rounded)  # RFC 7946 winding order
    return json.dumps(mapping(oriented), separators=(",", ":"))


def _bounds(features: tuple[BoundaryFeature, ...]) -> tuple[float, float, float, float]:
    boxes = [shapely.from_geojson(f.geometry).bounds for f in features]
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )
