"""Assets workbook (Tool 3): the asset inventory, its map, and the gaps and overlaps it reveals.

`AssetsWorkbook` holds the parts the notebook's cells call. Report mode prints
:mod:`cswb_widgets.render.assets`; app mode builds the panels of :mod:`cswb_widgets.widgets.assets`,
imported only there, so report kernels never load the widget libraries.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from ..i18n import _
from ..model import gaps
from ..render import assets as render_assets, service_languages as render_service_languages
from ._base import Shown, Workbook, _html, deferred


class AssetsWorkbook(Workbook):
    stage = "assets"

    def __init__(self, ws: Any, mode: str) -> None:
        super().__init__(ws, mode)
        # Which assets count for a risk in a planning area, and what each cell's status is:
        # `coverage(tables, risks="priority")` with the columns of `gaps.coverage_matrix`. The gap
        # matrix shows it for the priority risks; the capacity gaps count its gaps for every risk
        # (`risks="all"`). A notebook may set its own; apps call it again after every edit.
        self.coverage: Callable[..., pd.DataFrame] = gaps.coverage_matrix

    # -- the inventory -----------------------------------------------------------------------

    @deferred
    def inventory(self) -> Shown:
        """Every organization and program: purpose, funding, delivery, who is served, where, which risks."""
        if self.app:
            return self.records("assets", columns=render_assets.INVENTORY_COLUMNS, labels=render_assets.LABELS,
                                caption=_("Asset inventory"))
        return _html(render_assets.inventory_html(self.tables()))

    # -- bringing assets in ------------------------------------------------------------------

    @deferred
    def import_assets(self) -> Shown:
        """Upload an inventory (CSV or Excel) or an Open Referral HSDS data package (.zip)."""
        if not self.app:
            return _html(render_assets.provenance_html(self.tables()))
        from ..widgets.assets import AssetImport

        return AssetImport(self.ws, lambda: render_assets.provenance_html(self.tables()))

    # -- locations ---------------------------------------------------------------------------

    @deferred
    def missing_coordinates(self) -> Shown:
        """Assets at a site with no map point (confidential, virtual and community-wide ones need none)."""
        if not self.app:
            return _html(render_assets.missing_coordinates_html(self.tables()))
        from ..widgets.assets import CoordinateEditor

        return CoordinateEditor(self)

    @deferred
    def asset_map(self) -> Shown:
        """The boundary, wards and assets (clustered); filters by planning area, risk and sector in apps."""
        if not self.app:
            return _html(render_assets.asset_map_html(self.tables()))
        from ..widgets.assets import AssetMap

        return AssetMap(self.ws)

    # -- gaps and overlaps -------------------------------------------------------------------

    @deferred
    def gap_matrix(self) -> Shown:
        """Priority risks by planning area: gaps (nothing there) and overlaps (uncoordinated efforts)."""
        return self.live(lambda: render_assets.gap_matrix_html(self.coverage(self.tables())))

    @deferred
    def capacity_gaps(self) -> Shown:
        """Each risk's capacity gap (planning areas with no asset), which the Risk workbook scores."""
        def html() -> str:
            tables = self.tables()
            return render_assets.capacity_gaps_html(tables, self.coverage(tables, risks="all"))

        return self.live(html)

    @deferred
    def french_services(self) -> Shown:
        """For each priority risk and planning area: the assets that serve people in French."""
        return self.live(lambda: render_service_languages.language_coverage_html(gaps.language_coverage(self.tables())))
