"""Community maps that work with the network cut: boundary, wards, assets, indicator by ward.

Functions over workspace DataFrames (``ws.table("areas")``, ``ws.table("assets")``, ...),
one module per concern:

- :mod:`.data`: the inputs parsed once for every rendering (areas, assets, choropleth classes,
  bounds), and :func:`indicator_by_area` and :func:`filter_assets`, which prepare them;
- :mod:`.captions`: the text alternatives, :func:`map_caption` (sentences) and
  :func:`map_summary_table` (a table);
- :mod:`.web`: the interactive map, :func:`area_map` (a ``folium.Map``), :func:`map_html` (one
  self-contained HTML document), :func:`map_frame` (in an ``<iframe srcdoc>`` for the apps) and
  :func:`screen_and_print_map` (web map on screen, drawing on paper);
- :mod:`.offline`: Leaflet and Leaflet.markercluster inlined from the installed xstatic
  packages, with the page's own script and styles, so no page loads anything from a CDN;
- :mod:`.drawing`: :func:`static_map` (SVG) and :func:`map_png`, the same map drawn with
  matplotlib for printed and PDF reports.

Offline, escaped and fast by construction: see :mod:`.web`. Importing this package loads folium
and shapely but not matplotlib, which is imported when a map is first drawn.
"""

from .captions import map_caption, map_summary_table
from .data import BOUNDARY_KIND, filter_assets, indicator_by_area
from .drawing import map_png, static_map
from .web import area_map, map_frame, map_html, screen_and_print_map

__all__ = [
    "BOUNDARY_KIND",
    "area_map",
    "filter_assets",
    "indicator_by_area",
    "map_caption",
    "map_frame",
    "map_html",
    "map_png",
    "map_summary_table",
    "screen_and_print_map",
    "static_map",
]
