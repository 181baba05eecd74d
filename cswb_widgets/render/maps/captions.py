"""The map's text alternatives: what it shows as sentences, and as a table.

:func:`map_caption` describes the map in plain sentences (boundary, sub-areas by name, how many
assets are drawn and how many lack coordinates, the lowest and highest shaded values);
:func:`map_summary_table` gives one row per area with the assets inside it and its value. The
web map uses the caption as its screen-reader description, and the printed drawing uses both as
its ``<desc>`` and data table, so every form of the map says the same.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import shapely

from ..figures import format_number
from .data import (
    BOUNDARY_KIND,
    DEFAULT_TITLE,
    Area,
    Assets,
    Choropleth,
    areas_of,
    assets_of,
    choropleth_of,
    count_areas_without_geometry,
)

__all__ = ["caption_of", "map_caption", "map_summary_table"]


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
    parsed = areas_of(areas)
    return caption_of(
        title,
        parsed,
        assets_of(assets, organizations, member_communities),
        choropleth_of(choropleth, parsed, choropleth_label),
        count_areas_without_geometry(areas),
    )


def caption_of(
    title: str,
    areas: list[Area],
    assets: Assets,
    choropleth: Choropleth | None,
    areas_without_geometry: int = 0,
) -> str:
    """The caption from inputs already parsed (:mod:`.data`), so the web map and the drawing
    parse each table once."""
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


def _sub_area_noun(sub_areas: list[Area]) -> str:
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
    parsed = areas_of(areas)
    points = assets_of(assets, None, None)
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
        classes = choropleth_of(choropleth, parsed, choropleth_label)
        assert classes is not None
        table[choropleth_label] = [
            classes.values.get(a.name) if a.kind != BOUNDARY_KIND else None for a in parsed
        ]
    if assets is not None and points.without_coordinates:
        extra = {"Area": "No coordinates (not on the map)", "Kind": "", "Assets": points.without_coordinates}
        table = pd.concat([table, pd.DataFrame([extra])], ignore_index=True)
    return table
