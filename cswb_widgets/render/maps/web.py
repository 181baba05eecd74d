"""The interactive map: an offline folium/Leaflet page of the community.

:func:`area_map` builds a ``folium.Map`` (boundary, sub-areas shaded or not, clustered asset
markers, legend); :func:`map_html` renders it as one self-contained HTML document;
:func:`map_frame` puts that page in an ``<iframe srcdoc>`` for the apps, and
:func:`screen_and_print_map` pairs it with the printed drawing for documents.

Offline: folium's CDN links are removed from each map (its class lists stay untouched) and the
libraries come from :mod:`.offline`; no tile layer is added unless the caller passes a URL
template the user configured.

Escaped: names, organizations and addresses travel as JSON inside the page's script (with
``<``, ``>`` and ``&`` written as ``\\u003c``... so ``</script>`` cannot end it) and reach the
page through ``textContent``; the legend is built here with ``html.escape``.

Fast with thousands of assets: instead of several lines of JavaScript per marker, the assets
are one compact JSON array, turned into markers in the browser and clustered with
``chunkedLoading``; one shared popup is filled on demand. Element ids derive from the content,
so the same data gives the same page.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Mapping
from typing import Any, cast

import folium
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, Figure, MacroElement
from folium.template import Template
from markupsafe import Markup

from ...i18n import _, current_language
from ..figures import MISSING_COLOUR, Chart, format_number
from .captions import caption_of
from .data import (
    ASSET_COLOUR,
    BOUNDARY_COLOUR,
    BOUNDARY_KIND,
    COORDINATE_DECIMALS,
    DEFAULT_TITLE,
    SUB_AREA_OUTLINE,
    Area,
    Assets,
    Choropleth,
    areas_of,
    assets_of,
    bounds_of,
    choropleth_of,
    count_areas_without_geometry,
    drawing_order,
)
from .offline import offline_libraries

__all__ = ["area_map", "map_frame", "map_html", "screen_and_print_map"]

SIMPLIFY_FRACTION = 1 / 20000  # of the map's extent: below a screen pixel at city scale
FALLBACK_VIEW = ((50.0, -85.0), 5)  # Ontario, when there is nothing to fit the map to
MAX_ZOOM = 19


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
    parsed_areas = areas_of(areas)
    points = assets_of(assets, organizations, member_communities)
    shading = choropleth_of(choropleth, parsed_areas, choropleth_label)
    bounds = bounds_of(parsed_areas, points)
    title = _(title)
    caption = caption_of(title, parsed_areas, points, shading, count_areas_without_geometry(areas))

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
        Element(offline_libraries(clustered=cluster and bool(points.rows))), name="cswb_libraries"
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
    page = page.replace("<html>", f'<html lang="{current_language()}">', 1)
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
    (:func:`~cswb_widgets.render.maps.static_map` of the same map) when printed, and one
    caption and data table for both."""
    graphic = Markup(
        '<iframe class="cswb-screen-only" title="{title}" srcdoc="{page}"'
        ' style="width:100%;height:{h}px;border:1px solid #767676" sandbox="allow-scripts"></iframe>'
        '<div class="cswb-print-only">{svg}</div>'
    ).format(title=_("{title} (interactive map)").format(title=drawing.label), page=map_html(web_map), h=height + 10, svg=Markup(drawing.svg))
    return f"<style>{_SCREEN_OR_PRINT_CSS}</style>" + drawing.html(graphic=str(graphic))


def _area_features(areas: list[Area], shading: Choropleth | None, simplify: bool) -> dict[str, Any]:
    extent = shapely.union_all([a.geometry.envelope for a in areas]).bounds
    tolerance = max(extent[2] - extent[0], extent[3] - extent[1]) * SIMPLIFY_FRACTION if simplify else 0.0
    ordered = drawing_order(areas)
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


def _legend_html(shading: Choropleth | None, assets: Assets, sub_area_count: int) -> str:
    # Every piece of user text (the indicator label, community names) is escaped here.
    parts: list[str] = []
    if shading is not None and sub_area_count:
        parts.append(f'<div class="cswb-legend-title">{html.escape(_(shading.label))}</div>')
        for colour_class in shading.classes:
            parts.append(_swatch(colour_class.colour, colour_class.label))
        if len(shading.values) < sub_area_count:
            parts.append(_swatch(MISSING_COLOUR, _("No value")))
    if assets.rows:
        parts.append(
            '<div class="cswb-legend-row"><span class="cswb-asset cswb-legend-marker"></span>'
            f"{html.escape(_('Asset (select for details)'))}</div>"
        )
        if assets.partner_count:
            parts.append(
                '<div class="cswb-legend-row"><span class="cswb-asset cswb-asset-partner '
                'cswb-legend-marker"></span>' + html.escape(_("Partner community asset")) + "</div>"
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

    def __init__(self, assets: Assets, *, clustered: bool) -> None:
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
        self.label = _script_json(_("Map: {title}").format(title=title))


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
