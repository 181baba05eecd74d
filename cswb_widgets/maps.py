"""Community maps that work with the network cut: boundary, wards, assets, indicator by ward.

Pure functions over workspace DataFrames (``ws.table("areas")``, ``ws.table("assets")``, ...):

- :func:`area_map` builds a ``folium.Map``; :func:`map_html` renders it as one self-contained
  HTML document (for reports, and for an ``<iframe srcdoc>`` in the apps).
- :func:`map_summary_table` and :func:`map_caption` are its text alternatives: the same
  information as a table and as a sentence.
- :func:`static_map` (SVG) and :func:`map_png` draw the same map with matplotlib for printed
  and PDF reports.
- :func:`indicator_by_area` and :func:`filter_assets` prepare the inputs.

Offline by construction. folium's page would load Leaflet, jQuery, Bootstrap, Font Awesome and
awesome-markers from CDNs and tiles from OpenStreetMap. Here each map's own resource lists are
emptied and Leaflet and Leaflet.markercluster are inlined from the installed xstatic packages
(their few CSS images as ``data:`` URIs); nothing else is needed: markers are CSS circles, not
image icons. No tile layer is added unless the caller passes a URL template the user configured.

Escaped by construction. Names, organizations and addresses travel as JSON inside the page's
script (with ``<``, ``>`` and ``&`` written as ``\\u003c``... so ``</script>`` cannot end it) and
reach the page through ``textContent``, never ``innerHTML``. The legend and captions are built
in Python with ``html.escape``.

Fast with thousands of assets. folium would write several lines of JavaScript per marker (a
5,000-asset map becomes megabytes); instead the assets are one compact JSON array, turned into
markers in the browser and clustered with ``chunkedLoading``; one shared popup is filled on
demand.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import io
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import folium
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, Figure, MacroElement
from markupsafe import Markup
from folium.template import Template
from shapely.geometry.base import BaseGeometry

from cswb_widgets.render.figures import (
    MISSING_COLOUR,
    SEQUENTIAL_COLOURS,
    SERIES_COLOURS,
    TEXT_COLOUR,
    Chart,
    chart_style,
    figure_to_chart,
    format_number,
    plain_text,
)

__all__ = [
    "BOUNDARY_KIND",
    "area_map",
    "filter_assets",
    "indicator_by_area",
    "map_caption",
    "map_html",
    "map_png",
    "map_summary_table",
    "static_map",
]

BOUNDARY_KIND = "boundary"  # areas of this kind are outlined; every other kind is a sub-area
DEFAULT_TITLE = "Community map"
ASSET_COLOUR = SERIES_COLOURS[0]
PARTNER_ASSET_COLOUR = SERIES_COLOURS[1]
BOUNDARY_COLOUR = TEXT_COLOUR
SUB_AREA_OUTLINE = "#4d4d4d"
MAP_BACKGROUND = "#f5f3ef"
COORDINATE_DECIMALS = 5  # about 1 m: plenty for a web map, and shorter JSON
SIMPLIFY_FRACTION = 1 / 20000  # of the map's extent: below a screen pixel at city scale
FALLBACK_VIEW = ((50.0, -85.0), 5)  # Ontario, when there is nothing to fit the map to
MAX_CLASSES = 5
MAX_ZOOM = 19
RASTERIZE_POINTS_ABOVE = 2000  # static map: more dots than this are drawn as one image


# --- Inputs ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Area:
    name: str
    kind: str
    geometry: BaseGeometry


@dataclass(frozen=True)
class _Assets:
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
class _ColourClass:
    lower: float
    upper: float
    colour: str

    @property
    def label(self) -> str:
        if self.lower == self.upper:
            return format_number(self.lower)
        return f"{format_number(self.lower)} – {format_number(self.upper)}"


@dataclass(frozen=True)
class _Choropleth:
    label: str
    values: dict[str, float]  # area name -> value, only areas on the map with a finite value
    classes: tuple[_ColourClass, ...]
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


def _areas(areas: pd.DataFrame | None) -> list[_Area]:
    if areas is None or len(areas) == 0:
        return []
    parsed = []
    for _, row in areas.iterrows():
        geometry = _geometry(row.get("geometry"))
        if geometry is not None and not geometry.is_empty:
            parsed.append(_Area(_text(row.get("name")), _text(row.get("kind")) or "sub_area", geometry))
    return parsed


def _geometry(value: Any) -> BaseGeometry | None:
    if isinstance(value, BaseGeometry):
        return value
    if isinstance(value, Mapping):
        return shapely.geometry.shape(value)
    text = _text(value)
    return shapely.from_geojson(text) if text else None


def _areas_without_geometry(areas: pd.DataFrame | None) -> int:
    if areas is None or len(areas) == 0 or "geometry" not in areas:
        return 0 if areas is None else len(areas)
    return sum(1 for value in areas["geometry"] if _geometry(value) is None)


def _catalogue_names(list_name: str) -> dict[str, str]:
    from cswb_widgets.framework import load_catalogue

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


def _assets(
    assets: pd.DataFrame | None,
    organizations: pd.DataFrame | None,
    member_communities: pd.DataFrame | None,
) -> _Assets:
    if assets is None or len(assets) == 0:
        return _Assets([], [], [], [], [], 0, 0)
    if "latitude" not in assets or "longitude" not in assets:
        return _Assets([], [], [], [], [], len(assets), 0)
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
    return _Assets(
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


def _choropleth(values: Mapping[str, float] | None, areas: list[_Area], label: str) -> _Choropleth | None:
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
    return _Choropleth(label, kept, _classify(list(kept.values())), unmatched)


def _classify(values: list[float]) -> tuple[_ColourClass, ...]:
    """Equal-interval classes (at most five, never more than distinct values): easy to read."""
    if not values:
        return ()
    low, high = min(values), max(values)
    count = min(MAX_CLASSES, len(set(values)))
    if count == 1 or low == high:
        return (_ColourClass(low, high, SEQUENTIAL_COLOURS[2]),)
    edges = np.linspace(low, high, count + 1)
    # spread the classes over the whole ramp, so two classes are light and dark, not two lights
    ramp = [SEQUENTIAL_COLOURS[round(i)] for i in np.linspace(0, len(SEQUENTIAL_COLOURS) - 1, count)]
    return tuple(_ColourClass(float(edges[i]), float(edges[i + 1]), ramp[i]) for i in range(count))


def _class_of(value: float, classes: tuple[_ColourClass, ...]) -> _ColourClass:
    for colour_class in classes:
        if value <= colour_class.upper:
            return colour_class
    return classes[-1]


def _bounds(areas: list[_Area], assets: _Assets) -> tuple[float, float, float, float] | None:
    """(south, west, north, east) of the areas, or of the assets when there are no areas."""
    if areas:
        west, south, east, north = shapely.union_all([a.geometry.envelope for a in areas]).bounds
        return south, west, north, east
    if assets.rows:
        lat, lon = assets.latitudes, assets.longitudes
        return float(lat.min()), float(lon.min()), float(lat.max()), float(lon.max())
    return None


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


# --- Text alternatives ------------------------------------------------------------------------


def map_caption(
    areas: pd.DataFrame | None,
    *,
    assets: pd.DataFrame | None = None,
    organizations: pd.DataFrame | None = None,
    member_communities: pd.DataFrame | None = None,
    choropleth: Mapping[str, float] | None = None,
    choropleth_label: str = "Indicator value",
    title: str = DEFAULT_TITLE,
) -> str:
    """What the map shows, in plain sentences (its text alternative)."""
    parsed = _areas(areas)
    return _caption(
        title,
        parsed,
        _assets(assets, organizations, member_communities),
        _choropleth(choropleth, parsed, choropleth_label),
        _areas_without_geometry(areas),
    )


def _caption(
    title: str,
    areas: list[_Area],
    assets: _Assets,
    choropleth: _Choropleth | None,
    areas_without_geometry: int = 0,
) -> str:
    boundary = [a for a in areas if a.kind == BOUNDARY_KIND]
    sub_areas = [a for a in areas if a.kind != BOUNDARY_KIND]
    parts = [f"{title.rstrip('.')}."]
    drawn = []
    if boundary:
        drawn.append(
            "the community boundary" if len(boundary) == 1 else f"{len(boundary)} community boundaries"
        )
    if sub_areas:
        drawn.append(
            _count(len(sub_areas), _sub_area_noun(sub_areas)) + f" ({_listing([a.name for a in sub_areas])})"
        )
    parts.append(f"The map shows {' and '.join(drawn)}." if drawn else "No boundaries are drawn.")
    if areas_without_geometry:
        parts.append(f"{_count(areas_without_geometry, 'area')} without a boundary shape not drawn.")
    total = len(assets.rows) + assets.without_coordinates
    if total:
        parts.append(
            f"{_count(len(assets.rows), 'asset')} shown as points, grouped into numbered clusters "
            "where they are close together."
        )
        if assets.partner_count:
            parts.append(f"{_count(assets.partner_count, 'asset')} of partner communities shown as squares.")
        if assets.without_coordinates:
            parts.append(f"{_count(assets.without_coordinates, 'asset')} without coordinates not shown.")
    if choropleth is not None:
        if choropleth.values:
            low = min(choropleth.values, key=choropleth.values.__getitem__)
            high = max(choropleth.values, key=choropleth.values.__getitem__)
            parts.append(
                f"{_sub_area_noun(sub_areas).capitalize()}s shaded by {choropleth.label}, "
                "darker is higher: lowest "
                f"{format_number(choropleth.values[low])} in {low}, highest "
                f"{format_number(choropleth.values[high])} in {high}."
            )
        missing = len(sub_areas) - len(choropleth.values)
        if missing:
            parts.append(f"{_count(missing, _sub_area_noun(sub_areas))} without a value.")
        if choropleth.unmatched:
            parts.append(
                f"Values for {_listing(list(choropleth.unmatched))} not shown: no such area on the map."
            )
    return " ".join(parts)


def _sub_area_noun(sub_areas: list[_Area]) -> str:
    kinds = {a.kind for a in sub_areas}
    return kinds.pop().replace("_", "-") if len(kinds) == 1 else "sub-area"


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _listing(names: list[str], limit: int = 12) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def map_summary_table(
    areas: pd.DataFrame | None,
    *,
    assets: pd.DataFrame | None = None,
    choropleth: Mapping[str, float] | None = None,
    choropleth_label: str = "Indicator value",
) -> pd.DataFrame:
    """One row per area: name, kind, assets inside it (by location), and the shaded value.

    The map's companion table for screen-reader users and printed reports. Assets without
    coordinates are counted on a last row.
    """
    parsed = _areas(areas)
    points = _assets(assets, None, None)
    table = pd.DataFrame(
        {
            "Area": [a.name for a in parsed],
            "Kind": [a.kind.replace("_", " ").capitalize() for a in parsed],
        }
    )
    if assets is not None:
        longitudes, latitudes = points.longitudes, points.latitudes
        counts = []
        for area in parsed:
            shapely.prepare(area.geometry)  # point-in-polygon for thousands of points
            inside = shapely.contains_xy(area.geometry, longitudes, latitudes) if len(longitudes) else []
            counts.append(int(np.count_nonzero(inside)))
        table["Assets"] = counts
    if choropleth is not None:
        classes = _choropleth(choropleth, parsed, choropleth_label)
        assert classes is not None
        table[choropleth_label] = [
            classes.values.get(a.name) if a.kind != BOUNDARY_KIND else None for a in parsed
        ]
    if assets is not None and points.without_coordinates:
        extra = {"Area": "No coordinates (not on the map)", "Kind": "", "Assets": points.without_coordinates}
        table = pd.concat([table, pd.DataFrame([extra])], ignore_index=True)
    return table


# --- The interactive map ------------------------------------------------------------------------


def area_map(
    areas: pd.DataFrame | None,
    *,
    assets: pd.DataFrame | None = None,
    organizations: pd.DataFrame | None = None,
    member_communities: pd.DataFrame | None = None,
    choropleth: Mapping[str, float] | None = None,
    choropleth_label: str = "Indicator value",
    tiles: str | None = None,
    tiles_attribution: str | None = None,
    cluster: bool = True,
    height: int = 480,
    title: str = DEFAULT_TITLE,
    simplify: bool = True,
) -> folium.Map:
    """An offline Leaflet map of the community.

    - `areas` (the ``areas`` table): the ``boundary`` outlined, every other area (wards, ...)
      filled lightly with its name as a tooltip.
    - `assets` (the ``assets`` table): a marker per asset with coordinates, clustered (unless
      ``cluster=False``); selecting one opens its name, organization (a column ``organization``,
      or ``organization_id`` looked up in `organizations`), planning areas, sector and address.
      Assets of partner communities (``member_communities.partner``) are squares.
    - `choropleth`: area name -> value; the sub-areas are shaded (five equal-interval classes,
      colour-blind-safe) with a legend titled `choropleth_label`.
    - `tiles`: a tile URL template the user configured (with `tiles_attribution`); without
      it the map has a plain background and contacts no server.
    - `simplify`: drop boundary detail finer than a screen pixel at community scale, which
      keeps detailed ward files (tens of thousands of vertices) small in the page.

    The map fits the areas (or the assets if there are no areas). Render it with
    :func:`map_html`.
    """
    parsed_areas = _areas(areas)
    points = _assets(assets, organizations, member_communities)
    shading = _choropleth(choropleth, parsed_areas, choropleth_label)
    bounds = _bounds(parsed_areas, points)
    caption = _caption(title, parsed_areas, points, shading, _areas_without_geometry(areas))

    center, zoom = FALLBACK_VIEW
    web_map = folium.Map(
        location=center if bounds is None else None,
        zoom_start=zoom,
        tiles=None,
        width="100%",
        height=f"{int(height)}px",
        control_scale=True,
        attribution_control=tiles is not None,  # nothing to credit without tiles
    )
    # folium gives the zoom range to the tile layer only; markercluster needs it on the map.
    web_map.options["max_zoom"] = MAX_ZOOM
    # Instance attributes shadow folium's class lists of CDN links (the class stays untouched).
    web_map.default_js = []
    web_map.default_css = []
    root = cast(Figure, web_map.get_root())
    root.header.add_child(Element(f"<title>{html.escape(title)}</title>"), name="cswb_title")
    root.header.add_child(
        Element(_offline_libraries(clustered=cluster and bool(points.rows))), name="cswb_libraries"
    )

    if tiles:
        folium.TileLayer(
            tiles=tiles,
            attr=html.escape(tiles_attribution or "Map tiles configured for this workbook"),
            name="Base map",
            max_zoom=MAX_ZOOM,
        ).add_to(web_map)

    content = [caption]  # what the element ids are derived from
    layers: list[_AreaLayer | _AssetLayer] = []
    if parsed_areas:
        layers.append(_AreaLayer(_area_features(parsed_areas, shading, simplify)))
    if points.rows:
        layers.append(_AssetLayer(points, clustered=cluster))
    for layer in layers:
        layer.add_to(web_map)
        content.append(layer.data)
    legend = _legend_html(shading, points, sum(a.kind != BOUNDARY_KIND for a in parsed_areas))
    if legend:
        _Legend(legend).add_to(web_map)
    _Accessibility(title).add_to(web_map)
    # The heading and description are for screen readers; sighted readers see the map itself.
    root.html.add_child(
        Element(f'<h1 class="cswb-visually-hidden">{html.escape(title)}</h1>'), name="cswb_heading", index=0
    )
    root.html.add_child(
        Element(f'<p id="cswb-map-description" class="cswb-visually-hidden">{html.escape(caption)}</p>'),
        name="cswb_description",
    )
    if bounds is not None:
        south, west, north, east = bounds
        web_map.fit_bounds([[south, west], [north, east]], padding=(12, 12))
        web_map.add_child(_FitWhenSized([[south, west], [north, east]]))

    _stable_ids(web_map, "\n".join(content))
    return web_map


def map_html(web_map: folium.Map) -> str:
    """The map as one self-contained HTML document (no external requests).

    Adds what folium's page lacks for accessibility: a language, a main landmark, and a
    viewport that allows zooming.
    """
    page = web_map.get_root().render()
    page = page.replace("<html>", '<html lang="en">', 1)
    page = re.sub(r"<body>\s*", "<body>\n<main>\n", page, count=1)
    page = page.replace("</body>", "</main>\n</body>", 1)
    # folium forbids pinch-zoom (maximum-scale=1, user-scalable=no); WCAG 1.4.4 needs it.
    page = re.sub(
        r'<meta name="viewport" content="[^"]*"\s*/>',
        '<meta name="viewport" content="width=device-width, initial-scale=1.0" />',
        page,
        count=1,
    )
    return page


def map_frame(page_html: str, *, title: str, caption: str, height: int) -> str:
    """The map page inside an iframe (`srcdoc`: it travels with the page, nothing is fetched),
    with a title for screen readers and the caption as its text alternative."""
    return str(
        Markup(
            '<figure class="cswb-map"><iframe title="{title}" srcdoc="{page}" style="width:100%;height:{h}px;'
            'border:1px solid #767676" sandbox="allow-scripts"></iframe><figcaption>{caption}</figcaption></figure>'
        ).format(title=title, page=page_html, h=height + 10, caption=caption)
    )


# Documents read on screen and printed: the interactive map on screen, its drawing on paper
# (an iframe prints as a blank box or a cut-off view).
_SCREEN_OR_PRINT_CSS = (
    ".cswb-print-only { display: none; }"
    " @media print { .cswb-screen-only { display: none !important; } .cswb-print-only { display: block; } }"
)


def screen_and_print_map(web_map: folium.Map, drawing: Chart, *, height: int = 480) -> str:
    """One map figure for a document: `web_map` (interactive, offline) on screen, `drawing`
    (:func:`static_map` of the same map) when printed, and one caption and data table for both."""
    graphic = Markup(
        '<iframe class="cswb-screen-only" title="{title} (interactive map)" srcdoc="{page}"'
        ' style="width:100%;height:{h}px;border:1px solid #767676" sandbox="allow-scripts"></iframe>'
        '<div class="cswb-print-only">{svg}</div>'
    ).format(title=drawing.label, page=map_html(web_map), h=height + 10, svg=Markup(drawing.svg))
    return f"<style>{_SCREEN_OR_PRINT_CSS}</style>" + drawing.html(graphic=str(graphic))


def _area_features(areas: list[_Area], shading: _Choropleth | None, simplify: bool) -> dict[str, Any]:
    extent = shapely.union_all([a.geometry.envelope for a in areas]).bounds
    tolerance = max(extent[2] - extent[0], extent[3] - extent[1]) * SIMPLIFY_FRACTION if simplify else 0.0
    ordered = _drawing_order(areas)
    features = []
    for area in ordered:
        geometry = area.geometry
        if tolerance:
            geometry = shapely.simplify(geometry, tolerance, preserve_topology=True)
        # Snap to the grid first (keeps the polygon valid), then round away float noise.
        geometry = shapely.set_precision(geometry, 10.0**-COORDINATE_DECIMALS)
        geometry = shapely.transform(geometry, lambda xy: np.round(xy, COORDINATE_DECIMALS))
        if area.kind == BOUNDARY_KIND:
            style = {"color": BOUNDARY_COLOUR, "weight": 3, "fill": False, "interactive": False}
            label = ""
        elif shading is not None:
            value = shading.values.get(area.name)
            label = f"{area.name}: {'no value' if value is None else format_number(value)}"
            style = {
                "color": SUB_AREA_OUTLINE,
                "weight": 1.5,
                "fillColor": shading.colour_of(area.name) or MISSING_COLOUR,
                "fillOpacity": 0.75,
            }
        else:
            label = area.name
            style = {"color": SUB_AREA_OUTLINE, "weight": 1.5, "fillColor": ASSET_COLOUR, "fillOpacity": 0.06}
        features.append(
            {
                "type": "Feature",
                "properties": {"name": area.name, "kind": area.kind, "label": label, "style": style},
                "geometry": json.loads(shapely.to_geojson(geometry)),
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _drawing_order(areas: list[_Area]) -> list[_Area]:
    """Largest sub-areas first (a whole-city row or a ward never hides a neighbourhood inside
    it), then the boundary, so its outline stays on top."""
    sub_areas = sorted((a for a in areas if a.kind != BOUNDARY_KIND), key=lambda a: -a.geometry.area)
    return sub_areas + [a for a in areas if a.kind == BOUNDARY_KIND]


def _legend_html(shading: _Choropleth | None, assets: _Assets, sub_area_count: int) -> str:
    # Every piece of user text (the indicator label, community names) is escaped here.
    parts: list[str] = []
    if shading is not None and sub_area_count:
        parts.append(f'<div class="cswb-legend-title">{html.escape(shading.label)}</div>')
        for colour_class in shading.classes:
            parts.append(_swatch(colour_class.colour, colour_class.label))
        if len(shading.values) < sub_area_count:
            parts.append(_swatch(MISSING_COLOUR, "No value"))
    if assets.rows:
        parts.append(
            '<div class="cswb-legend-row"><span class="cswb-asset cswb-legend-marker"></span>'
            "Asset (select for details)</div>"
        )
        if assets.partner_count:
            parts.append(
                '<div class="cswb-legend-row"><span class="cswb-asset cswb-asset-partner '
                'cswb-legend-marker"></span>Partner community asset</div>'
            )
    return "".join(parts)


def _swatch(colour: str, label: str) -> str:
    return (
        f'<div class="cswb-legend-row"><span class="cswb-legend-swatch" style="background:{colour}">'
        f"</span>{html.escape(label)}</div>"
    )


def _script_json(value: Any) -> str:
    """JSON that is safe inside <script>: no '</script>', '<!--' or line separators survive."""
    return (
        json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _stable_ids(web_map: folium.Map, seed: str) -> None:
    """Name the map's elements from its content instead of at random: same data, same page."""
    prefix = hashlib.sha1(seed.encode("utf-8")).hexdigest()[:8]
    counter = 0

    def visit(element: Element) -> None:
        nonlocal counter
        element._id = f"{prefix}{counter:04d}"
        counter += 1
        for child in element._children.values():
            visit(child)

    visit(web_map)


# --- Page elements ----------------------------------------------------------------------------


class _AreaLayer(MacroElement):
    """Areas with per-feature styles; tooltips are text nodes (never parsed as HTML)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = cswb.addAreas({{ this._parent.get_name() }}, {{ this.data }});
        {% endmacro %}
        """
    )

    def __init__(self, collection: dict[str, Any]) -> None:
        super().__init__()
        self._name = "CswbAreas"
        self.data = _script_json(collection)


class _AssetLayer(MacroElement):
    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = cswb.addAssets(
            {{ this._parent.get_name() }}, {{ this.data }}, {{ this.clustered }}
        );
        {% endmacro %}
        """
    )

    def __init__(self, assets: _Assets, *, clustered: bool) -> None:
        super().__init__()
        self._name = "CswbAssets"
        self.clustered = "true" if clustered else "false"
        self.data = _script_json(
            {
                "assets": assets.rows,
                "organizations": assets.organizations,
                "planningAreas": assets.planning_areas,
                "sectors": assets.sectors,
                "communities": assets.communities,
            }
        )


class _Legend(MacroElement):
    _template = Template(
        """
        {% macro script(this, kwargs) %}
        cswb.addLegend({{ this._parent.get_name() }}, {{ this.legend }});
        {% endmacro %}
        """
    )

    def __init__(self, legend_html: str) -> None:
        super().__init__()
        self._name = "CswbLegend"
        self.legend = _script_json(legend_html)  # already escaped markup, as a JS string


class _Accessibility(MacroElement):
    _template = Template(
        """
        {% macro script(this, kwargs) %}
        cswb.describe({{ this._parent.get_name() }}, {{ this.label }}, "cswb-map-description");
        {% endmacro %}
        """
    )

    def __init__(self, title: str) -> None:
        super().__init__()
        self._name = "CswbAccessibility"
        self.label = _script_json(f"Map: {title}")


class _FitWhenSized(MacroElement):
    """Fit the community again once the map has a size: a map drawn in a frame that is not laid
    out yet (a section built while hidden) has no size at load, and Leaflet then zooms all the
    way in. Nobody can have moved a map that had no size, so re-fitting takes nothing away."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map, bounds) {
          var size = map.getSize();
          if ((size.x > 0 && size.y > 0) || !window.ResizeObserver) { return; }
          var watcher = new ResizeObserver(function () {
            var box = map.getContainer().getBoundingClientRect();
            if (box.width > 0 && box.height > 0) {
              watcher.disconnect();
              map.invalidateSize();
              map.fitBounds(bounds, {padding: [12, 12]});
            }
          });
          watcher.observe(map.getContainer());
        })({{ this._parent.get_name() }}, {{ this.bounds }});
        {% endmacro %}
        """
    )

    def __init__(self, bounds: list[list[float]]) -> None:
        super().__init__()
        self._name = "CswbFitWhenSized"
        self.bounds = json.dumps(bounds)


# --- Inlined libraries ------------------------------------------------------------------------

_SUPPORT_CSS = f"""
.leaflet-container {{
  background: {MAP_BACKGROUND};
  font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: {TEXT_COLOUR};
}}
.cswb-asset {{
  background: {ASSET_COLOUR};
  border: 2px solid #ffffff;
  border-radius: 50%;
  box-shadow: 0 0 0 1px {TEXT_COLOUR};
  box-sizing: border-box;
}}
.cswb-asset-partner {{ background: {PARTNER_ASSET_COLOUR}; border-radius: 2px; }}
.cswb-asset:focus-visible, .marker-cluster:focus-visible {{
  outline: 3px solid {TEXT_COLOUR};
  outline-offset: 2px;
}}
.marker-cluster-small, .marker-cluster-medium, .marker-cluster-large {{
  background-color: rgba(255, 255, 255, 0.55);
}}
.marker-cluster-small div, .marker-cluster-medium div, .marker-cluster-large div {{
  background-color: #ffffff;
  color: {TEXT_COLOUR};
  font-weight: 600;
  box-shadow: inset 0 0 0 2px {ASSET_COLOUR};
}}
.marker-cluster-medium div {{ box-shadow: inset 0 0 0 3px {ASSET_COLOUR}; }}
.marker-cluster-large div {{ box-shadow: inset 0 0 0 4px {ASSET_COLOUR}; }}
.cswb-legend {{
  background: rgba(255, 255, 255, 0.94);
  padding: 6px 8px;
  border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0, 0, 0, 0.3);
  max-width: 240px;
}}
.cswb-legend-title {{ font-weight: 600; margin-bottom: 4px; }}
.cswb-legend-row {{ display: flex; align-items: center; gap: 6px; margin: 2px 0; }}
.cswb-legend-swatch {{
  display: inline-block;
  width: 16px;
  height: 12px;
  border: 1px solid #595959;
  flex: none;
}}
.cswb-legend-marker {{ display: inline-block; width: 12px; height: 12px; flex: none; }}
.cswb-card-title {{ display: block; font-size: 14px; margin-bottom: 4px; }}
.cswb-card dl {{ margin: 0; }}
.cswb-card dt {{ font-weight: 600; }}
.cswb-card dd {{ margin: 0 0 4px 0; }}
.cswb-visually-hidden {{
  position: absolute;
  width: 1px;
  height: 1px;
  margin: -1px;
  padding: 0;
  overflow: hidden;
  clip: rect(0 0 0 0);
  white-space: nowrap;
  border: 0;
}}
"""

# Everything data-dependent arrives as JSON; user text only ever becomes a text node.
_SUPPORT_JS = """
var cswb = (function () {
  "use strict";
  function textElement(tag, text, className) {
    var element = document.createElement(tag);
    element.textContent = text;
    if (className) { element.className = className; }
    return element;
  }
  function assetCard(data, index) {
    var asset = data.assets[index];
    var card = document.createElement("div");
    card.className = "cswb-card";
    card.appendChild(textElement("strong", asset[2], "cswb-card-title"));
    var fields = document.createElement("dl");
    function field(label, value) {
      if (value === undefined || value === null || value === "") { return; }
      fields.appendChild(textElement("dt", label));
      fields.appendChild(textElement("dd", value));
    }
    field("Organization", data.organizations[asset[3]]);
    field("Planning areas", asset[4].map(function (i) { return data.planningAreas[i]; }).join(", "));
    field("Sector", data.sectors[asset[5]]);
    field("Address", asset[6]);
    field("Partner community", data.communities[asset[7]]);
    card.appendChild(fields);
    return card;
  }
  function addAreas(map, collection) {
    return L.geoJSON(collection, {
      style: function (feature) { return feature.properties.style; },
      onEachFeature: function (feature, layer) {
        var label = feature.properties.label;
        if (label) { layer.bindTooltip(textElement("span", label), { sticky: true }); }
      }
    }).addTo(map);
  }
  function addAssets(map, data, clustered) {
    var container = map.getContainer();
    var icons = [
      L.divIcon({ className: "cswb-asset", iconSize: [14, 14] }),
      L.divIcon({ className: "cswb-asset cswb-asset-partner", iconSize: [14, 14] })
    ];
    function loaded() { container.setAttribute("data-assets-loaded", String(data.assets.length)); }
    var group = clustered
      ? L.markerClusterGroup({
          chunkedLoading: true,
          showCoverageOnHover: false,
          chunkProgress: function (done, total) { if (done === total) { loaded(); } }
        })
      : L.featureGroup();
    var markers = data.assets.map(function (asset, index) {
      return L.marker([asset[0], asset[1]], { icon: icons[asset[8]], title: asset[2], assetIndex: index });
    });
    var popup = L.popup({ maxWidth: 320 });
    function openCard(event) {
      var index = event.layer && event.layer.options.assetIndex;
      if (index === undefined) { return; }
      popup.setLatLng(event.layer.getLatLng()).setContent(assetCard(data, index)).openOn(map);
    }
    group.on("click", openCard);
    // Enter on a focused marker, as Leaflet does for popups bound to one marker
    group.on("keypress", function (event) { if (event.originalEvent.keyCode === 13) { openCard(event); } });
    group.addTo(map);
    if (clustered) {
      group.addLayers(markers);
    } else {
      markers.forEach(function (marker) { group.addLayer(marker); });
      loaded();
    }
    return group;
  }
  function addLegend(map, legendHtml) {
    var legend = L.control({ position: "bottomright" });
    legend.onAdd = function () {
      var box = L.DomUtil.create("div", "cswb-legend");
      box.innerHTML = legendHtml;  // built and escaped in Python
      L.DomEvent.disableClickPropagation(box);
      return box;
    };
    return legend.addTo(map);
  }
  function describe(map, label, descriptionId) {
    var container = map.getContainer();
    container.setAttribute("role", "region");
    container.setAttribute("aria-label", label);
    container.setAttribute("aria-describedby", descriptionId);
  }
  return { addAreas: addAreas, addAssets: addAssets, addLegend: addLegend, describe: describe };
})();
"""


@functools.cache
def _offline_libraries(*, clustered: bool) -> str:
    """Leaflet (and markercluster) inlined from the installed xstatic packages."""
    import xstatic.pkg.leaflet as leaflet
    import xstatic.pkg.leaflet_markercluster as markercluster

    leaflet_dir, cluster_dir = Path(leaflet.BASE_DIR), Path(markercluster.BASE_DIR)
    styles = [_css_with_inline_images(leaflet_dir / "leaflet.css", leaflet_dir)]
    scripts = [_script_text(leaflet_dir / "leaflet.js")]
    if clustered:
        styles += [
            _css_with_inline_images(cluster_dir / "MarkerCluster.css", cluster_dir),
            _css_with_inline_images(cluster_dir / "MarkerCluster.Default.css", cluster_dir),
        ]
        scripts.append(_script_text(cluster_dir / "leaflet.markercluster.js"))
    styles.append(_SUPPORT_CSS)
    scripts.append(_SUPPORT_JS)
    return "".join(f"<style>\n{s}\n</style>\n" for s in styles) + "".join(
        f"<script>\n{s}\n</script>\n" for s in scripts
    )


_CSS_URL = re.compile(r"url\((?!#)['\"]?([^)'\"]+)['\"]?\)")


def _css_with_inline_images(path: Path, base: Path) -> str:
    # A relative url() would resolve against the page (or the app's URL in an iframe srcdoc).
    def inline(match: re.Match[str]) -> str:
        image = base / match.group(1)
        encoded = base64.b64encode(image.read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{encoded})"

    return _CSS_URL.sub(inline, path.read_text(encoding="utf-8"))


def _script_text(path: Path) -> str:
    code = path.read_text(encoding="utf-8")
    # The source map comment would make open developer tools fetch a file that is not there.
    code = re.sub(r"^//# sourceMappingURL=.*$", "", code, flags=re.MULTILINE)
    if re.search(r"</script|<!--", code, flags=re.IGNORECASE):
        raise RuntimeError(f"{path} cannot be inlined safely in a <script> element")
    return code


# --- Static map (print, PDF) ------------------------------------------------------------------


def static_map(
    areas: pd.DataFrame | None,
    *,
    assets: pd.DataFrame | None = None,
    member_communities: pd.DataFrame | None = None,
    choropleth: Mapping[str, float] | None = None,
    choropleth_label: str = "Indicator value",
    title: str = DEFAULT_TITLE,
    width_inches: float = 7.5,
    label_areas: bool | None = None,
) -> Chart:
    """The map as an accessible SVG for printed and PDF reports (see :mod:`cswb_widgets.render.charts`).

    Same content as :func:`area_map`: boundary, sub-areas (shaded by `choropleth` with a legend),
    assets as dots (partner communities' as squares). Sub-area names are written on the map
    when there are at most 30 of them (`label_areas` forces either way).
    """
    parsed = _areas(areas)
    points = _assets(assets, None, member_communities)
    shading = _choropleth(choropleth, parsed, choropleth_label)
    caption = _caption(title, parsed, points, shading, _areas_without_geometry(areas))
    table = map_summary_table(areas, assets=assets, choropleth=choropleth, choropleth_label=choropleth_label)
    with chart_style():
        figure = _static_figure(title, parsed, points, shading, width_inches, label_areas)
        return figure_to_chart(figure, title=title, description=caption, table=table)


def map_png(
    areas: pd.DataFrame | None,
    *,
    assets: pd.DataFrame | None = None,
    member_communities: pd.DataFrame | None = None,
    choropleth: Mapping[str, float] | None = None,
    choropleth_label: str = "Indicator value",
    title: str = DEFAULT_TITLE,
    width_inches: float = 7.5,
    dpi: int = 200,
    label_areas: bool | None = None,
) -> bytes:
    """The static map as PNG bytes (for documents that cannot take SVG)."""
    parsed = _areas(areas)
    points = _assets(assets, None, member_communities)
    shading = _choropleth(choropleth, parsed, choropleth_label)
    buffer = io.BytesIO()
    with chart_style():
        figure = _static_figure(title, parsed, points, shading, width_inches, label_areas)
        figure.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()


def _static_figure(
    title: str,
    areas: list[_Area],
    assets: _Assets,
    shading: _Choropleth | None,
    width_inches: float,
    label_areas: bool | None,
):
    from matplotlib.figure import Figure as MplFigure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch, PathPatch
    from matplotlib.path import Path as MplPath

    bounds = _bounds(areas, assets)
    south, west, north, east = bounds if bounds is not None else (0.0, 0.0, 1.0, 1.0)
    # Equirectangular with the width scaled by cos(latitude): true shapes at community scale.
    aspect = 1 / max(math.cos(math.radians((south + north) / 2)), 0.05)
    span_x = max((east - west) / aspect, 1e-9)
    span_y = max(north - south, 1e-9)
    map_height = min(width_inches * 0.8 * span_y / span_x, 9.0)
    figure = MplFigure(figsize=(width_inches, max(map_height, 2.5) + 0.9), layout="constrained")
    axes = figure.add_subplot()
    axes.set_aspect(aspect)
    axes.set_axis_off()
    axes.set_title(plain_text(title))

    sub_areas = [a for a in areas if a.kind != BOUNDARY_KIND]
    for area in _drawing_order(areas):
        if area.kind == BOUNDARY_KIND:
            style = {"facecolor": "none", "edgecolor": BOUNDARY_COLOUR, "linewidth": 2.0}
        else:
            fill = (shading.colour_of(area.name) or MISSING_COLOUR) if shading else "#ffffff"
            style = {"facecolor": fill, "edgecolor": SUB_AREA_OUTLINE, "linewidth": 0.8}
        axes.add_patch(PathPatch(_mpl_path(area.geometry, MplPath), **style))
    # On a choropleth's dark classes blue dots vanish: near-black dots read on every class.
    asset_colour = TEXT_COLOUR if shading is not None else ASSET_COLOUR
    if assets.rows:
        partner = np.array([r[8] for r in assets.rows], dtype=bool)
        lon, lat = assets.longitudes, assets.latitudes
        size = 10 if len(assets.rows) < 500 else 4
        # Thousands of vector dots make a multi-megabyte SVG; one print-resolution image does not.
        many = len(assets.rows) > RASTERIZE_POINTS_ABOVE
        axes.scatter(
            lon[~partner],
            lat[~partner],
            s=size,
            c=asset_colour,
            edgecolors="#ffffff",
            linewidths=0.3,
            zorder=3,
            marker="o",
            rasterized=many,
        )
        if partner.any():
            axes.scatter(
                lon[partner],
                lat[partner],
                s=size,
                c=PARTNER_ASSET_COLOUR,
                edgecolors="#ffffff",
                linewidths=0.3,
                zorder=3,
                marker="s",
                rasterized=many,
            )
    if label_areas if label_areas is not None else len(sub_areas) <= 30:
        for area in sub_areas:
            point = area.geometry.representative_point()
            axes.annotate(
                plain_text(area.name),
                (point.x, point.y),
                ha="center",
                va="center",
                fontsize=7,
                zorder=4,
                bbox={
                    "boxstyle": "round,pad=0.15",
                    "facecolor": "#ffffff",
                    "alpha": 0.8,
                    "edgecolor": "none",
                },
            )
    if bounds is not None:
        pad_x, pad_y = (east - west) * 0.02, (north - south) * 0.02
        axes.set_xlim(west - pad_x, east + pad_x)
        axes.set_ylim(south - pad_y, north + pad_y)

    handles: list[Any] = []
    if shading is not None:
        handles += [
            Patch(facecolor=c.colour, edgecolor=SUB_AREA_OUTLINE, label=c.label) for c in shading.classes
        ]
        if len(shading.values) < len(sub_areas):
            handles.append(Patch(facecolor=MISSING_COLOUR, edgecolor=SUB_AREA_OUTLINE, label="No value"))
    if assets.rows:
        handles.append(Line2D([], [], linestyle="none", marker="o", color=asset_colour, label="Asset"))
        if assets.partner_count:
            handles.append(
                Line2D(
                    [],
                    [],
                    linestyle="none",
                    marker="s",
                    color=PARTNER_ASSET_COLOUR,
                    label="Partner community asset",
                )
            )
    if handles:
        figure.legend(
            handles=handles,
            loc="outside lower center",
            ncols=min(len(handles), 4),
            fontsize=8,
            title=plain_text(shading.label) if shading is not None else None,
            title_fontsize=8,
        )
    return figure


def _mpl_path(geometry: BaseGeometry, path_class: Any) -> Any:
    """A (multi)polygon with holes as one matplotlib path (even-odd filling keeps the holes)."""
    vertices: list[np.ndarray] = []
    codes: list[np.ndarray] = []
    for polygon in shapely.get_parts(geometry):
        if polygon.geom_type != "Polygon":
            continue
        for ring in [polygon.exterior, *polygon.interiors]:
            coords = np.asarray(ring.coords)[:, :2]
            ring_codes = np.full(len(coords), path_class.LINETO, dtype=np.uint8)
            ring_codes[0], ring_codes[-1] = path_class.MOVETO, path_class.CLOSEPOLY
            vertices.append(coords)
            codes.append(ring_codes)
    if not vertices:
        return path_class(np.empty((0, 2)))
    return path_class(np.concatenate(vertices), np.concatenate(codes))
