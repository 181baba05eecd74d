"""Static, widget-free output for workspace data (HTML, charts, maps): the report mode of
every widget.

The widgets in :mod:`cswb_widgets.widgets` and the report notebooks share this
package, so a table, a coverage check or the stage header shows the same rows,
the same labels and the same privacy rules whether it is interactive or printed.

Rules kept here, once:

* every piece of user or catalogue text goes through :func:`escape`;
* static tables never show personal contact columns (:data:`PRIVATE_COLUMNS`);
* published counts below five are shown as "<5" (:func:`suppress_small_counts`, from
  :mod:`cswb_widgets.model.privacy`);
* colours meet WCAG AA contrast (4.5:1), and no state is told by colour alone.

Nothing here imports ipywidgets; it reads a workspace only through
``ws.table(name)`` and ``ws.community``.

Charts and maps are imported by name, not from here, because they pull libraries an HTML
table does not need: :mod:`.charts` (SVG charts; matplotlib) and :mod:`.maps` (offline web
maps and their printed drawing; folium, shapely, matplotlib when drawn), as in
``from cswb_widgets.render import charts, maps``. Both build on :mod:`.figures` (the ``Chart``
type, style, colours and number formatting), so neither imports the other.
"""

from ..model.privacy import SMALL_COUNT, suppress_small_counts
from ._html import PALETTE, contrast_ratio, escape, readable_text_colour, safe_colour, safe_logo, stylesheet
from .coverage import CoverageItem, coverage_html, coverage_items, coverage_list, exemption_reasons
from .guidance import STAGE_SUCCESS_FACTORS, guidance_html
from .header import DEFAULT_PRIMARY, DEFAULT_SECONDARY, header_html, workspace_header_html
from .list_columns import choice_list, main_columns
from .records import (
    PRIVATE_COLUMNS,
    WorkspaceTables,
    choice_name,
    choice_options,
    column_label,
    default_columns,
    display_frame,
    display_value,
    record_label,
    records_html,
    ref_options,
    select_rows,
    table_html,
)

__all__ = [
    "DEFAULT_PRIMARY",
    "DEFAULT_SECONDARY",
    "PALETTE",
    "PRIVATE_COLUMNS",
    "SMALL_COUNT",
    "STAGE_SUCCESS_FACTORS",
    "CoverageItem",
    "WorkspaceTables",
    "choice_list",
    "choice_name",
    "choice_options",
    "column_label",
    "contrast_ratio",
    "coverage_html",
    "coverage_items",
    "coverage_list",
    "default_columns",
    "display_frame",
    "display_value",
    "escape",
    "exemption_reasons",
    "guidance_html",
    "header_html",
    "main_columns",
    "readable_text_colour",
    "record_label",
    "records_html",
    "ref_options",
    "safe_colour",
    "safe_logo",
    "select_rows",
    "stylesheet",
    "suppress_small_counts",
    "table_html",
    "workspace_header_html",
]
