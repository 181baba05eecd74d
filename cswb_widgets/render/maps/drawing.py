"""The map drawn with matplotlib for printed and PDF reports: an accessible SVG, or PNG bytes.

:func:`static_map` draws what :func:`~cswb_widgets.render.maps.area_map` shows (boundary,
sub-areas shaded by a choropleth with a legend, assets as dots and partner communities' as
squares, sub-area names) and returns it as a :class:`~cswb_widgets.render.figures.Chart` with
the map's caption and data table; :func:`map_png` gives the same drawing as PNG for documents
that cannot take SVG. Kept apart from the web map: it needs matplotlib (imported when a map is
drawn) and no folium.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from ...i18n import _
from ..figures import (
    MISSING_COLOUR,
    TEXT_COLOUR,
    Chart,
    chart_style,
    figure_to_chart,
    plain_text,
)
from .captions import caption_of, map_summary_table
from .data import (
    ASSET_COLOUR,
    BOUNDARY_COLOUR,
    BOUNDARY_KIND,
    DEFAULT_TITLE,
    PARTNER_ASSET_COLOUR,
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

__all__ = ["map_png", "static_map"]

RASTERIZE_POINTS_ABOVE = 2000  # more dots than this are drawn as one image


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
    """The map as an accessible SVG for printed and PDF reports (a
    :class:`~cswb_widgets.render.figures.Chart`, with the map's caption and data table).

    Same content as :func:`~cswb_widgets.render.maps.area_map`: boundary, sub-areas (shaded by
    `choropleth` with a legend), assets as dots (partner communities' as squares). Sub-area
    names are written on the map when there are at most 30 of them (`label_areas` forces
    either way).
    """
    parsed = areas_of(areas)
    points = assets_of(assets, None, member_communities)
    shading = choropleth_of(choropleth, parsed, choropleth_label)
    title = _(title)
    caption = caption_of(title, parsed, points, shading, count_areas_without_geometry(areas))
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
    parsed = areas_of(areas)
    points = assets_of(assets, None, member_communities)
    shading = choropleth_of(choropleth, parsed, choropleth_label)
    buffer = io.BytesIO()
    with chart_style():
        figure = _static_figure(title, parsed, points, shading, width_inches, label_areas)
        figure.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()


def _static_figure(
    title: str,
    areas: list[Area],
    assets: Assets,
    shading: Choropleth | None,
    width_inches: float,
    label_areas: bool | None,
):
    from matplotlib.figure import Figure as MplFigure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch, PathPatch
    from matplotlib.path import Path as MplPath

    bounds = bounds_of(areas, assets)
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
    axes.xaxis.set_visible(False)  # no ticks to place: the title and the layout skip them
    axes.yaxis.set_visible(False)
    axes.set_title(plain_text(_(title)))

    sub_areas = [a for a in areas if a.kind != BOUNDARY_KIND]
    for area in drawing_order(areas):
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
            handles.append(Patch(facecolor=MISSING_COLOUR, edgecolor=SUB_AREA_OUTLINE, label=_("No value")))
    if assets.rows:
        handles.append(Line2D([], [], linestyle="none", marker="o", color=asset_colour, label=_("Asset")))
        if assets.partner_count:
            handles.append(
                Line2D(
                    [],
                    [],
                    linestyle="none",
                    marker="s",
                    color=PARTNER_ASSET_COLOUR,
                    label=_("Partner community asset"),
                )
            )
    if handles:
        figure.legend(
            handles=handles,
            loc="outside lower center",
            ncols=min(len(handles), 4),
            fontsize=8,
            title=plain_text(_(shading.label)) if shading is not None else None,
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
