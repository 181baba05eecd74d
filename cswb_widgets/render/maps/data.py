"""The map's content as every rendering of it sees it, prepared once from workspace tables.

The web map (:mod:`.web`), the printed drawing (:mod:`.drawing`) and the text alternatives
(:mod:`.captions`) all start from the same parsed inputs, so they can never disagree about what
is on the map:

- :func:`areas_of`: the ``areas`` table as named shapes (the ``boundary`` kind is outlined,
  every other kind is a sub-area), and :func:`drawing_order` (largest first, boundary on top);
- :func:`assets_of`: assets with coordinates as compact rows (strings interned as list
  indexes, ready to travel as one JSON array), with organization, planning-area, sector and
  partner-community names looked up;
- :func:`choropleth_of`: values by area name in equal-interval colour classes;
- :func:`bounds_of`: what the map is fitted to;
- the kinds and colours every rendering draws them with.

The public helpers :func:`indicator_by_area` and :func:`filter_assets` prepare a caller's inputs.
Nothing here draws: no folium, no matplotlib.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from ..figures import SEQUENTIAL_COLOURS, SERIES_COLOURS, TEXT_COLOUR, format_number

__all__ = [
    "ASSET_COLOUR",
    "BOUNDARY_COLOUR",
    "BOUNDARY_KIND",
    "COORDINATE_DECIMALS",
    "DEFAULT_TITLE",
    "PARTNER_ASSET_COLOUR",
    "SUB_AREA_OUTLINE",
    "Area",
    "Assets",
    "Choropleth",
    "ColourClass",
    "areas_of",
    "assets_of",
    "bounds_of",
    "choropleth_of",
    "count_areas_without_geometry",
    "drawing_order",
    "filter_assets",
    "indicator_by_area",
]

BOUNDARY_KIND = "boundary"  # areas of this kind are outlined; every other kind is a sub-area
DEFAULT_TITLE = "Community map"
ASSET_COLOUR = SERIES_COLOURS[0]
PARTNER_ASSET_COLOUR = SERIES_COLOURS[1]
BOUNDARY_COLOUR = TEXT_COLOUR
SUB_AREA_OUTLINE = "#4d4d4d"
COORDINATE_DECIMALS = 5  # about 1 m: plenty for a web map, and shorter JSON
MAX_CLASSES = 5


# --- Parsed inputs ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Area:
    name: str
    kind: str
    geometry: BaseGeometry


@dataclass(frozen=True)
class Assets:
    """Assets with coordinates, as compact rows, plus lookup lists the rows index into."""

    rows: list[
        list[Any]
    ]  # lat, lon, name, organization, [planning areas], sector, address, community, partner
    organizations: list[str]
    planning_areas: list[str]
    sectors: list[str]
    communities: list[str]
    without_coordinates: int
    partner_count: int

    @property
    def latitudes(self) -> np.ndarray:
        return np.array([r[0] for r in self.rows], dtype=float)

    @property
    def longitudes(self) -> np.ndarray:
        return np.array([r[1] for r in self.rows], dtype=float)


@dataclass(frozen=True)
class ColourClass:
    lower: float
    upper: float
    colour: str

    @property
    def label(self) -> str:
        if self.lower == self.upper:
            return format_number(self.lower)
        return f"{format_number(self.lower)} – {format_number(self.upper)}"


@dataclass(frozen=True)
class Choropleth:
    label: str
    values: dict[str, float]  # area name -> value, only areas on the map with a finite value
    classes: tuple[ColourClass, ...]
    unmatched: tuple[str, ...]  # names given a value but not on the map

    def colour_of(self, name: str) -> str | None:
        value = self.values.get(name)
        if value is None:
            return None
        return _class_of(value, self.classes).colour


def _text(value: Any) -> str:
    """A cell as display text: '' for missing values."""
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    if value is pd.NA or value is pd.NaT:
        return ""
    return str(value).strip()


def areas_of(areas: pd.DataFrame | None) -> list[Area]:
    if areas is None or len(areas) == 0:
        return []
    parsed = []
    for _, row in areas.iterrows():
        geometry = _geometry(row.get("geometry"))
        if geometry is not None and not geometry.is_empty:
            parsed.append(Area(_text(row.get("name")), _text(row.get("kind")) or "sub_area", geometry))
    return parsed


def _geometry(value: Any) -> BaseGeometry | None:
    if isinstance(value, BaseGeometry):
        return value
    if isinstance(value, Mapping):
        return shapely.geometry.shape(value)
    text = _text(value)
    return shapely.from_geojson(text) if text else None


def count_areas_without_geometry(areas: pd.DataFrame | None) -> int:
    if areas is None or len(areas) == 0 or "geometry" not in areas:
        return 0 if areas is None else len(areas)
    return sum(1 for value in areas["geometry"] if _geometry(value) is None)


def _catalogue_names(list_name: str) -> dict[str, str]:
    from ...framework import load_catalogue

    return {entry.key: entry.name for entry in getattr(load_catalogue(), list_name)}


class _Lookup:
    """Interns repeated strings (organization names, sectors) as list indexes."""

    def __init__(self) -> None:
        self.values: list[str] = []
        self._index: dict[str, int] = {}

    def __call__(self, value: str) -> int:
        if not value:
            return -1
        if value not in self._index:
            self._index[value] = len(self.values)
            self.values.append(value)
        return self._index[value]


def assets_of(
    assets: pd.DataFrame | None,
    organizations: pd.DataFrame | None,
    member_communities: pd.DataFrame | None,
) -> Assets:
    if assets is None or len(assets) == 0:
        return Assets([], [], [], [], [], 0, 0)
    if "latitude" not in assets or "longitude" not in assets:
        return Assets([], [], [], [], [], len(assets), 0)
    organization_names = _names_by_id(organizations)
    community_names = _names_by_id(member_communities)
    partners = _partner_ids(member_communities)
    area_names = _catalogue_names("planning_areas")
    sector_names = _catalogue_names("sectors")
    organizations_lookup, sectors_lookup, communities_lookup = _Lookup(), _Lookup(), _Lookup()
    planning_lookup = _Lookup()
    for name in area_names.values():  # catalogue order first; unknown keys follow, as typed
        planning_lookup(name)

    def column(name: str) -> list[Any]:  # whole columns: iterrows() is 30x slower
        return assets[name].tolist() if name in assets else [None] * len(assets)

    latitudes = pd.to_numeric(assets["latitude"], errors="coerce").to_numpy(dtype=float)
    longitudes = pd.to_numeric(assets["longitude"], errors="coerce").to_numpy(dtype=float)
    rows: list[list[Any]] = []
    partner_count = 0
    for (
        latitude,
        longitude,
        name,
        organization,
        organization_id,
        planning,
        sector,
        address,
        community_id,
    ) in zip(
        latitudes,
        longitudes,
        column("name"),
        column("organization"),
        column("organization_id"),
        column("planning_areas"),
        column("sector"),
        column("address"),
        column("member_community_id"),
        strict=True,
    ):
        if not (math.isfinite(latitude) and math.isfinite(longitude)):
            continue
        organization = _text(organization) or organization_names.get(_text(organization_id), "")
        sector_key = _text(sector)
        community_key = _text(community_id)
        is_partner = community_key in partners
        partner_count += is_partner
        rows.append(
            [
                round(float(latitude), COORDINATE_DECIMALS),
                round(float(longitude), COORDINATE_DECIMALS),
                _text(name) or "(unnamed asset)",
                organizations_lookup(organization),
                [planning_lookup(area_names.get(key, key)) for key in _as_list(planning)],
                sectors_lookup(sector_names.get(sector_key, sector_key)),
                _text(address),
                communities_lookup(community_names.get(community_key, "") if is_partner else ""),
                1 if is_partner else 0,
            ]
        )
    return Assets(
        rows=rows,
        organizations=organizations_lookup.values,
        planning_areas=planning_lookup.values,
        sectors=sectors_lookup.values,
        communities=communities_lookup.values,
        without_coordinates=len(assets) - len(rows),
        partner_count=partner_count,
    )


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            return [str(v) for v in json.loads(text)]
        return [part.strip() for part in text.split(";") if part.strip()]
    if isinstance(value, float) and math.isnan(value):
        return []
    return [str(v) for v in value]


def _names_by_id(frame: pd.DataFrame | None) -> dict[str, str]:
    if frame is None or len(frame) == 0 or "id" not in frame or "name" not in frame:
        return {}
    return {_text(i): _text(n) for i, n in zip(frame["id"], frame["name"], strict=True)}


def _partner_ids(member_communities: pd.DataFrame | None) -> set[str]:
    if member_communities is None or "partner" not in member_communities:
        return set()
    flags = member_communities["partner"].fillna(False).astype(bool)
    return {_text(i) for i in member_communities.loc[flags, "id"]}


def choropleth_of(values: Mapping[str, float] | None, areas: list[Area], label: str) -> Choropleth | None:
    if values is None:
        return None
    on_map = {a.name for a in areas if a.kind != BOUNDARY_KIND}
    kept: dict[str, float] = {}
    for name, value in values.items():
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"the value for area '{name}' is not a number: {value!r}") from None
        if str(name) in on_map and math.isfinite(number):
            kept[str(name)] = number
    unmatched = tuple(sorted(str(n) for n in values if str(n) not in on_map))
    return Choropleth(label, kept, _classify(list(kept.values())), unmatched)


def _classify(values: list[float]) -> tuple[ColourClass, ...]:
    """Equal-interval classes (at most five, never more than distinct values): easy to read."""
    if not values:
        return ()
    low, high = min(values), max(values)
    count = min(MAX_CLASSES, len(set(values)))
    if count == 1 or low == high:
        return (ColourClass(low, high, SEQUENTIAL_COLOURS[2]),)
    edges = np.linspace(low, high, count + 1)
    # spread the classes over the whole ramp, so two classes are light and dark, not two lights
    ramp = [SEQUENTIAL_COLOURS[round(i)] for i in np.linspace(0, len(SEQUENTIAL_COLOURS) - 1, count)]
    return tuple(ColourClass(float(edges[i]), float(edges[i + 1]), ramp[i]) for i in range(count))


def _class_of(value: float, classes: tuple[ColourClass, ...]) -> ColourClass:
    for colour_class in classes:
        if value <= colour_class.upper:
            return colour_class
    return classes[-1]


def bounds_of(areas: list[Area], assets: Assets) -> tuple[float, float, float, float] | None:
    """(south, west, north, east) of the areas, or of the assets when there are no areas."""
    if areas:
        west, south, east, north = shapely.union_all([a.geometry.envelope for a in areas]).bounds
        return south, west, north, east
    if assets.rows:
        lat, lon = assets.latitudes, assets.longitudes
        return float(lat.min()), float(lon.min()), float(lat.max()), float(lon.max())
    return None


def drawing_order(areas: list[Area]) -> list[Area]:
    """Largest sub-areas first (a whole-city row or a ward never hides a neighbourhood inside
    it), then the boundary, so its outline stays on top."""
    sub_areas = sorted((a for a in areas if a.kind != BOUNDARY_KIND), key=lambda a: -a.geometry.area)
    return sub_areas + [a for a in areas if a.kind == BOUNDARY_KIND]


# --- Public: inputs ---------------------------------------------------------------------------


def indicator_by_area(
    indicators: pd.DataFrame, indicator: str, *, year: int | None = None
) -> dict[str, float]:
    """Values of one indicator by area name, for `area_map(choropleth=...)`.

    Uses `year`, or the latest year the indicator has. Rows without an area (whole-community
    figures) are left out.
    """
    rows = indicators[(indicators["indicator"] == indicator) & indicators["area"].map(_text).ne("")]
    if rows.empty:
        return {}
    chosen = int(rows["year"].max()) if year is None else year
    rows = rows[rows["year"] == chosen]
    return {_text(a): float(v) for a, v in zip(rows["area"], rows["value"], strict=True) if pd.notna(v)}


def filter_assets(
    assets: pd.DataFrame,
    *,
    planning_area: str | None = None,
    risk: str | None = None,
    sector: str | None = None,
) -> pd.DataFrame:
    """Assets in a planning area (key), addressing a risk (id), in a sector (key); None = any."""
    keep = pd.Series(True, index=assets.index)
    if planning_area:
        keep &= assets["planning_areas"].map(lambda keys: planning_area in _as_list(keys))
    if risk:
        keep &= assets["risks_addressed"].map(lambda ids: risk in _as_list(ids))
    if sector:
        keep &= assets["sector"].map(_text).eq(sector)
    return assets[keep]
