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

from ... import i18n
from ...i18n import N_, _, ngettext
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
    title = _(title)
    parts = [f"{title.rstrip('.')}."]
    drawn = []
    if boundary:
        drawn.append(_count(len(boundary), "the community boundary", "{n} community boundaries"))
    if sub_areas:
        drawn.append(_count(len(sub_areas), *_sub_area_nouns(sub_areas))
                     + f" ({_listing([a.name for a in sub_areas])})")
    parts.append(_("The map shows {what}.").format(what=_(" and ").join(drawn)) if drawn
                 else _("No boundaries are drawn."))
    if areas_without_geometry:
        parts.append(_count(areas_without_geometry, "{n} area without a boundary shape not drawn.",
                            "{n} areas without a boundary shape not drawn."))
    total = len(assets.rows) + assets.without_coordinates
    if total:
        parts.append(_count(len(assets.rows),
                            "{n} asset shown as points, grouped into numbered clusters where they are close together.",
                            "{n} assets shown as points, grouped into numbered clusters where they are close together."))
        if assets.partner_count:
            parts.append(_count(assets.partner_count, "{n} asset of partner communities shown as squares.",
                                "{n} assets of partner communities shown as squares."))
        if assets.without_coordinates:
            parts.append(_count(assets.without_coordinates, "{n} asset without coordinates not shown.",
                                "{n} assets without coordinates not shown."))
    if choropleth is not None:
        if choropleth.values:
            low = min(choropleth.values, key=choropleth.values.__getitem__)
            high = max(choropleth.values, key=choropleth.values.__getitem__)
            plural = _sub_area_nouns(sub_areas)[1].replace("{n} ", "")
            parts.append(_("{areas} shaded by {label}, darker is higher: lowest {low} in {low_area}, highest "
                           "{high} in {high_area}.").format(
                areas=plural[:1].upper() + plural[1:], label=_(choropleth.label),
                low=format_number(choropleth.values[low]), low_area=low,
                high=format_number(choropleth.values[high]), high_area=high))
        missing = len(sub_areas) - len(choropleth.values)
        if missing:
            singular, plural = _sub_area_nouns(sub_areas)
            parts.append(_("{areas} without a value.").format(areas=_count(missing, singular, plural)))
        if choropleth.unmatched:
            parts.append(_("Values for {areas} not shown: no such area on the map.").format(
                areas=_listing(list(choropleth.unmatched))))
    return " ".join(parts)


# Each kind of sub-area in a sentence, singular and plural (`{n}`: how many), for ngettext.
_SUB_AREA_NOUNS = {
    "ward": (N_("{n} ward"), N_("{n} wards")),
    "neighbourhood": (N_("{n} neighbourhood"), N_("{n} neighbourhoods")),
    "sub_area": (N_("{n} sub-area"), N_("{n} sub-areas")),
}


def _sub_area_nouns(sub_areas: list[Area]) -> tuple[str, str]:
    kinds = {a.kind for a in sub_areas}
    kind = kinds.pop() if len(kinds) == 1 else "sub_area"
    return _SUB_AREA_NOUNS.get(kind, _SUB_AREA_NOUNS["sub_area"])


def _count(number: int, singular: str, plural: str) -> str:
    """The form of `singular`/`plural` (ngettext's) that fits `number`, with `{n}` filled in."""
    return ngettext(singular, plural, number).format(n=i18n.format_number(number))


def _listing(names: list[str], limit: int = 12) -> str:
    shown = ", ".join(names[:limit])
    return shown + (_(" and {n} more").format(n=len(names) - limit) if len(names) > limit else "")


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
    area_heading, kind, assets_heading = _("Area"), _("Kind"), _("Assets")
    table = pd.DataFrame(
        {
            area_heading: [a.name for a in parsed],
            kind: [_(a.kind.replace("_", " ").capitalize()) for a in parsed],
        }
    )
    if assets is not None:
        longitudes, latitudes = points.longitudes, points.latitudes
        counts = []
        for area in parsed:
            shapely.prepare(area.geometry)  # point-in-polygon for thousands of points
            inside = shapely.contains_xy(area.geometry, longitudes, latitudes) if len(longitudes) else []
            counts.append(int(np.count_nonzero(inside)))
        table[assets_heading] = counts
    if choropleth is not None:
        classes = choropleth_of(choropleth, parsed, choropleth_label)
        assert classes is not None
        table[_(choropleth_label)] = [
            classes.values.get(a.name) if a.kind != BOUNDARY_KIND else None for a in parsed
        ]
    if assets is not None and points.without_coordinates:
        extra = {area_heading: _("No coordinates (not on the map)"), kind: "", assets_heading: points.without_coordinates}
        table = pd.concat([table, pd.DataFrame([extra])], ignore_index=True)
    return table
