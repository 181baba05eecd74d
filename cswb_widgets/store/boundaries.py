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
- Text is never guessed: a GeoJSON must be UTF-8 and a shapefile's names must be in
  the encoding its .cpg (or its .dbf header) names; the first row that is not is
  refused by row and column, with what to fix. So is a UTF-8 .dbf that would be read
  as another encoding ('QuÃ©bec'), the usual result of a lost or wrong .cpg.
- A coordinate system that GDAL cannot read or pyproj cannot convert to longitude/
  latitude (a garbled .prj, a local site grid) is refused, never assumed.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from cswb_widgets.errors import InputError, Problem
from cswb_widgets.i18n import N_, _
from cswb_widgets.store.limits import MAX_BOUNDARY_BYTES, check_archive_members, check_size

if TYPE_CHECKING:
    import geopandas

WGS84 = "EPSG:4326"
COORDINATE_DECIMALS = 6
GEOJSON_SUFFIXES = (".geojson", ".json")
SHAPEFILE_SUFFIX = ".shp"
POLYGONAL_TYPES = ("Polygon", "MultiPolygon")
SIDECAR_BYTES = 4096  # a .prj or .cpg is a few hundred bytes; a bigger one is not what it claims
# A GeoJSON's legacy "crs" member comes before the features; its name is looked for there.
GEOJSON_HEAD_BYTES = 64 * 1024
GEOJSON_CRS_NAME = re.compile(rb'"crs"\s*:\s*\{[^{}]*\{\s*"name"\s*:\s*(?P<name>"(?:[^"\\]|\\.){1,2000}")')
ZIPPED = re.compile(r"^/vsizip/(?P<archive>.+?\.zip)/(?P<member>.+)$", re.IGNORECASE)


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
                Problem(_(_("give a name for the merged (dissolved) boundary")), file=source.display_name)
            )
        name_field = None
    else:
        if not fields and source.is_shapefile and _companion(source, ".dbf") is None:
            raise InputError(
                Problem(
                    _("the .dbf file (the attribute table, with the area names) is missing; add the .dbf that came with the .shp"),
                    file=source.display_name,
                )
            )
        name_field = _match_column(name_column, fields, source.display_name)

    frame = _read_frame(pyogrio, source, name_field, info.get("encoding"))
    if len(frame) == 0:
        raise InputError(Problem(_(_("the file holds no features")), file=source.display_name))
    _require_crs(frame, source)
    geometries = _to_wgs84_polygons(frame, source)
    # Naming a CRS can search pyproj's whole database (seconds): only for a usable one.
    source_crs = _source_crs(frame, source)

    if name_field is None:
        names = [merged_name] * len(geometries)  # merged into one below
    else:
        names = _feature_names(frame[name_field].tolist(), name_field, source.display_name)
        if source.is_shapefile and any(not name.isascii() for name in names):
            _refuse_misread_utf8(pyogrio, source, name_field, names, info.get("encoding"))

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
        raise InputError(Problem(_(_("file or folder not found")), file=str(path)))
    if path.is_dir():
        shapefiles = sorted(p for p in path.iterdir() if p.suffix.lower() == SHAPEFILE_SUFFIX)
        chosen = _exactly_one([p.name for p in shapefiles], _("in this folder"), str(path))
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
            _("cannot read '{suffix}' files; use a GeoJSON file (.geojson, .json) or a shapefile (.shp, or the folder or .zip "
              "that holds it)").format(suffix=path.suffix),
            file=str(path),
        )
    )


def _zip_member(path: Path) -> _Source:
    # Only the zip's directory is read here: every size is checked before GDAL unpacks a byte.
    try:
        with zipfile.ZipFile(path) as archive:
            infos = [info for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, OSError):
        raise InputError(Problem(_(_("not a valid zip archive")), file=str(path))) from None
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
        member = _exactly_one(shapefiles, _("in this zip"), str(path))
    else:
        member = _exactly_one(geojsons, _("in this zip"), str(path), kind=_("shapefile (.shp) or GeoJSON file"))
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
            if archive.getinfo(member).flag_bits & 0x1:  # encrypted: zipfile would ask for a password
                raise InputError(Problem(
                    _("cannot be read as a map layer: {reason}").format(reason=_(PASSWORD_PROTECTED)), file=source.display_name))
            try:
                with archive.open(member) as packed, target.open("wb") as unpacked:
                    shutil.copyfileobj(packed, unpacked, 1024 * 1024)
            except (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError, NotImplementedError):
                raise InputError(Problem(
                    _("cannot be read as a map layer: {reason}").format(reason=_(DAMAGED_ZIP)),
                    file=f"{source.archive} [{member}]")) from None
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
    what = _("the boundary data unpacks to") if packed else _("the boundary data is")
    check_size(size, display_name, limit=MAX_BOUNDARY_BYTES, what=what, per=_("boundary data"),
               advice=_("simplify the boundaries or keep only the areas the plan needs"))


def _exactly_one(
    candidates: list[str], where: str, display_name: str, kind: str | None = None
) -> str:
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise InputError(Problem(_("no {kind} found {where}").format(kind=kind or _("shapefile (.shp)"), where=where),
                                 file=display_name))
    raise InputError(
        Problem(
            _("{count} files found {where} ({files}); choose one of them").format(
                count=len(candidates), where=where, files=", ".join(candidates)),
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
    except UnicodeDecodeError as error:  # a column name in another encoding
        raise _undecodable(source, _declared_encoding(source, None), _bad_byte(error)) from None
    except pyogrio.errors.CRSError as error:
        raise _unusable_crs(source, _not_known(error)) from None
    except _gdal_errors(pyogrio) as error:
        raise _unreadable(source, error) from None


def _unreadable(source: _Source, error: Exception) -> InputError:
    if not source.is_shapefile and _head(source, 2) in UTF16_BOMS:
        return InputError(
            Problem(
                _("the file is UTF-16 text, which GeoJSON does not allow; save the GeoJSON as UTF-8 and import it again"),
                file=source.display_name,
            )
        )
    # GDAL's words name the path again, or its own source files, and give advice meant for
    # programmers ("prefix the path with '<DRIVER>:'", "set SHAPE_RESTORE_SHX"): said for people here.
    reason = str(error).split("; It might help")[0].rstrip(".")
    if _encrypted_member(source):
        reason = _(PASSWORD_PROTECTED)
    elif "decompression failed" in reason:
        reason = _(DAMAGED_ZIP)
    elif "not recognized as being in a supported file format" in reason:
        reason = _("GDAL does not recognize it; check that it is a GeoJSON file or a shapefile")
    elif source.is_shapefile and ".shx" in reason.lower():
        reason = _("its .shx file is missing; add the .shx that came with the .shp (a shapefile is at least its .shp, .shx "
                   "and .dbf files)")
    return InputError(
        Problem(_("cannot be read as a map layer: {reason}").format(reason=reason), file=source.display_name)
    )


PASSWORD_PROTECTED = N_("the zip is password-protected; unzip it with its password and import the files")
DAMAGED_ZIP = N_("the zip is damaged (its contents cannot be decompressed); make the zip again")


def _read_frame(
    pyogrio: Any, source: _Source, name_field: str | None, encoding: str | None
) -> geopandas.GeoDataFrame:
    # Reading only the chosen column keeps personal attributes out of memory entirely.
    columns = [name_field] if name_field else []
    try:
        return pyogrio.read_dataframe(source.gdal_path, columns=columns, force_2d=True)
    except UnicodeDecodeError as error:
        declared = _declared_encoding(source, encoding)
        found = _first_undecodable_row(pyogrio, source, name_field, declared) if name_field else None
        if found is None:
            raise _undecodable(source, declared, _bad_byte(error)) from None
        row, bad = found
        raise _undecodable(source, declared, bad, row=row, column=name_field) from None
    except pyogrio.errors.CRSError as error:
        raise _unusable_crs(source, _not_known(error)) from None
    except _gdal_errors(pyogrio) as error:
        raise _unreadable(source, error) from None


# --- text encodings -------------------------------------------------------------------

UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def _declared_encoding(source: _Source, reported: str | None) -> str:
    """What the attribute text claims to be: a shapefile's .cpg (or .dbf header), or UTF-8."""
    cpg = _companion(source, ".cpg") if source.is_shapefile else None
    return (cpg or "").strip() or reported or "UTF-8"


def _bad_byte(error: UnicodeDecodeError) -> str:
    return error.object[error.start : error.start + 1].hex().upper() or "?"


def _first_undecodable_row(
    pyogrio: Any, source: _Source, column: str, encoding: str
) -> tuple[int, str] | None:
    """The first row whose `column` is not `encoding` text, and its first bad byte."""
    # ISO-8859-1 decodes any byte and encodes back to the same bytes, so the file's own
    # bytes can be tried row by row.
    raw = _raw_values(pyogrio, source, column)
    if raw is None:
        return None  # the message then goes without a row
    for row, value in enumerate(raw, start=1):
        if not isinstance(value, str):
            continue
        try:
            value.encode("ISO-8859-1").decode(encoding)
        except UnicodeDecodeError as error:
            return row, _bad_byte(error)
        except (UnicodeEncodeError, LookupError):
            return None  # not raw bytes after all, or a codec Python does not have
    return None


def _refuse_misread_utf8(
    pyogrio: Any, source: _Source, column: str, names: list[str], reported: str | None
) -> None:
    """A UTF-8 .dbf read as another encoding (a lost or wrong .cpg) gives 'QuÃ©bec' for
    'Québec' without any error: refuse it, naming the first such row."""
    raw = _raw_values(pyogrio, source, column)
    if raw is None or len(raw) != len(names):
        return
    for row, (as_read, value) in enumerate(zip(names, raw, strict=True), start=1):
        if not isinstance(value, str) or value.isascii():
            continue
        try:
            as_utf8 = value.encode("ISO-8859-1").decode("UTF-8").strip()
        except UnicodeError:
            continue  # not UTF-8 bytes: the declared encoding may well be right
        if as_utf8 != as_read:
            declared = _declared_encoding(source, reported)
            if _companion(source, ".cpg") is not None:
                advice = _("the .cpg file says {encoding} but the .dbf is UTF-8: change the .cpg to say UTF-8").format(
                    encoding=declared)
            else:
                advice = _("the .dbf is UTF-8 but has no .cpg file saying so: add one containing UTF-8")
            raise InputError(
                Problem(
                    _("'{as_read}' is UTF-8 text read as {encoding} (it should say '{as_utf8}'); {advice}, and import again").format(
                        as_read=as_read, encoding=declared, as_utf8=as_utf8, advice=advice),
                    file=source.display_name,
                    row=row,
                    column=column,
                )
            )


def _raw_values(pyogrio: Any, source: _Source, column: str) -> list[Any] | None:
    """`column` with each value's own bytes as the code points of its text (ISO-8859-1 maps
    every byte to one character and back), or None if that reading fails."""
    unreadable: tuple[type[Exception], ...] = (UnicodeError, *_gdal_errors(pyogrio))
    try:
        frame = pyogrio.read_dataframe(
            source.gdal_path, columns=[column], read_geometry=False, encoding="ISO-8859-1"
        )
    except unreadable:
        return None
    return list(frame[column].tolist())


def _undecodable(
    source: _Source, encoding: str, bad_byte: str, row: int | None = None, column: str | None = None
) -> InputError:
    if not source.is_shapefile:
        message = _("the text is not UTF-8 (byte 0x{byte}; ISO-8859-1 or Windows-1252 perhaps); save the GeoJSON as UTF-8 "
                    "and import it again").format(byte=bad_byte)
    elif _companion(source, ".cpg") is not None:
        message = _("the .cpg file says the attribute table (.dbf) is {encoding} but it is not (byte 0x{byte}); fix or "
                    "delete the .cpg file and import again").format(encoding=encoding, byte=bad_byte)
    else:
        message = _("the attribute table (.dbf) is not {encoding}, the encoding its header names (byte 0x{byte}); add a "
                    ".cpg file naming its encoding (such as CP1252) and import again").format(encoding=encoding, byte=bad_byte)
    return InputError(Problem(message, file=source.display_name, row=row, column=column))


def _companion(source: _Source, suffix: str) -> str | None:
    """The text of the dataset's sidecar file with `suffix` (.prj, .cpg), or None if absent."""
    stem = PurePosixPath(source.gdal_path).stem
    archive = ZIPPED.match(source.gdal_path)
    try:
        if archive:
            with zipfile.ZipFile(archive["archive"]) as opened:
                folder = str(PurePosixPath(archive["member"]).parent)
                for info in opened.infolist():
                    name = PurePosixPath(info.filename)
                    if str(name.parent) == folder and name.stem == stem and name.suffix.lower() == suffix:
                        with opened.open(info) as member:
                            return member.read(SIDECAR_BYTES).decode("ISO-8859-1")
            return None
        folder_path = Path(source.gdal_path).parent
        for candidate in folder_path.iterdir():
            if candidate.stem == stem and candidate.suffix.lower() == suffix:
                with candidate.open("rb") as sidecar:
                    return sidecar.read(SIDECAR_BYTES).decode("ISO-8859-1")
    except UNREADABLE_MEMBER:
        return None
    return None


def _encrypted_member(source: _Source) -> bool:
    archive = ZIPPED.match(source.gdal_path)
    if not archive:
        return False
    try:
        with zipfile.ZipFile(archive["archive"]) as opened:
            return bool(opened.getinfo(archive["member"]).flag_bits & ZIP_ENCRYPTED)
    except UNREADABLE_MEMBER:
        return False


ZIP_ENCRYPTED = 0x1  # general purpose bit 0 of a zip member's header

# What reading a file, or a zip member, can raise: encrypted (RuntimeError), an unknown
# compression method (NotImplementedError), corrupt data (zlib.error, EOFError, BadZipFile).
UNREADABLE_MEMBER = (
    OSError, KeyError, RuntimeError, NotImplementedError, EOFError, zlib.error, zipfile.BadZipFile
)


def _head(source: _Source, size: int) -> bytes:
    """The first bytes of the dataset's own file (b"" if they cannot be read)."""
    archive = ZIPPED.match(source.gdal_path)
    try:
        if archive:
            with zipfile.ZipFile(archive["archive"]) as opened, opened.open(archive["member"]) as f:
                return f.read(size)
        with open(source.gdal_path, "rb") as f:
            return f.read(size)
    except UNREADABLE_MEMBER:
        return b""


# --- coordinate reference systems -----------------------------------------------------


def _not_known(error: Exception) -> str:
    detail = str(error).removeprefix("PROJ: ").rstrip(".")
    return _("it is not a coordinate system pyproj knows: {detail}").format(detail=detail)


def _unusable_crs(source: _Source, reason: str) -> InputError:
    if source.is_shapefile:
        message = _("the .prj file cannot be used ({reason}); re-export the shapefile in EPSG:4326 or another named CRS").format(
            reason=reason)
    else:
        message = _('the GeoJSON\'s "crs" member cannot be used ({reason}); re-export the GeoJSON in EPSG:4326 '
                    '(longitude/latitude)').format(reason=reason)
    return InputError(Problem(message, file=source.display_name))


def _match_column(wanted: str | None, fields: tuple[str, ...], display_name: str) -> str:
    available = ", ".join(fields) if fields else _("(none)")
    if wanted is None or not wanted.strip():
        raise InputError(
            Problem(
                _("choose the column that holds the area names; available columns: {available}").format(available=available),
                file=display_name,
            )
        )
    key = wanted.strip().casefold()
    matches = [f for f in fields if f.strip().casefold() == key]
    exact = [f for f in matches if f == wanted.strip()]
    if len(matches) == 1 or len(exact) == 1:
        return (exact or matches)[0]
    if not matches:
        message = _("no such column; available columns: {available}").format(available=available)
    else:
        message = _("several columns match ({columns}); type the exact name").format(columns=", ".join(matches))
    raise InputError(Problem(message, file=display_name, column=wanted))


def _require_crs(frame: geopandas.GeoDataFrame, source: _Source) -> None:
    """A shapefile must say where it is; a GeoJSON without a CRS is WGS 84 (RFC 7946)."""
    if not source.is_shapefile:
        # GDAL resolved any other CRS; WGS 84 may be its stand-in for one it dropped.
        if frame.crs is None or frame.crs.equals(WGS84, ignore_axis_order=True):
            _require_known_geojson_crs(source)
        return
    if frame.crs is not None:
        return
    prj = _companion(source, ".prj")  # GDAL gives no CRS for a missing .prj and a garbled one
    if prj is not None:
        reason = _("it is not a coordinate system GDAL can read") if prj.strip() else _("it is empty")
        raise _unusable_crs(source, reason)
    raise InputError(
        Problem(
            _("the .prj file (coordinate reference system) is missing, so the coordinates cannot be placed on a map; add "
              "the .prj file that came with the shapefile"),
            file=source.display_name,
        )
    )


def _require_known_geojson_crs(source: _Source) -> None:
    """Refuse a legacy "crs" member naming a CRS nobody knows: GDAL drops it and assumes WGS 84."""
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    found = GEOJSON_CRS_NAME.search(_head(source, GEOJSON_HEAD_BYTES))
    if found is None:
        return
    try:
        name = json.loads(found["name"])
    except ValueError:
        return  # not a JSON string after all: GDAL's reading decides
    try:
        CRS.from_user_input(name)
    except CRSError:
        raise _unusable_crs(source, _("'{name}' is not a coordinate system pyproj knows").format(name=name)) from None


def _source_crs(frame: geopandas.GeoDataFrame, source: _Source) -> str:
    from pyproj.exceptions import ProjError  # pyproj is loaded by then (geopandas uses it)

    if frame.crs is None:
        return WGS84  # RFC 7946: GeoJSON coordinates are WGS 84 longitude/latitude
    try:
        authority = frame.crs.to_authority()
        return f"{authority[0]}:{authority[1]}" if authority else frame.crs.to_string()
    except ProjError as error:
        raise _unusable_crs(source, _not_known(error)) from None


def _to_wgs84_polygons(
    frame: geopandas.GeoDataFrame, source: _Source
) -> list[BaseGeometry]:
    from pyproj.exceptions import ProjError

    geoseries = frame.geometry
    if frame.crs is None:
        geoseries = geoseries.set_crs(WGS84)
    problems: list[Problem] = []
    for row, geometry in enumerate(geoseries, start=1):
        if geometry is None or geometry.is_empty:
            problems.append(Problem(_(_("the feature has no geometry")), source.display_name, row=row))
        elif geometry.geom_type not in POLYGONAL_TYPES:
            problems.append(
                Problem(
                    _("the feature is a {geometry}; boundaries must be polygons").format(geometry=geometry.geom_type),
                    source.display_name,
                    row=row,
                )
            )
    if problems:
        raise InputError(problems)

    try:
        geographic = geoseries.to_crs(WGS84)
    except ProjError:  # e.g. a local site grid, or an unknown projection
        crs = geoseries.crs
        # pyproj's own words ("Input is not a transformation") would not help a person.
        reason = (_("{kind} '{name}' cannot be converted to longitude/latitude").format(kind=crs.type_name, name=crs.name)
                  if crs is not None else _("it cannot be converted to longitude/latitude"))
        raise _unusable_crs(source, reason) from None
    min_x, min_y, max_x, max_y = geographic.total_bounds
    if not (-180 <= min_x and max_x <= 180 and -90 <= min_y and max_y <= 90):
        # Typically a GeoJSON written in a projected CRS without saying so.
        raise InputError(
            Problem(
                _("coordinates are not longitude/latitude after conversion from {crs}; the file's coordinate reference system "
                  "is wrong or missing").format(crs=_source_crs(frame, source)),
                file=source.display_name,
            )
        )

    repaired = []
    for row, geometry in enumerate(geographic, start=1):
        polygonal = geometry if geometry.is_valid else _polygonal_part(shapely.make_valid(geometry))
        if polygonal.is_empty:
            problems.append(
                Problem(_(_("the polygon has no area, even after repair")), source.display_name, row=row)
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
            problems.append(Problem(_(_("the name is empty")), display_name, row=row, column=column))
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
            Problem(_("the area '{name}' is too small to keep at 10 cm precision").format(name=name), display_name)
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
