"""MapPanel: the community's boundary, sub-areas and assets on an offline Leaflet map."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ipywidgets

from ..i18n import _
from ..render import maps
from . import _sync

if TYPE_CHECKING:
    from ..store.workspace import Workspace


class MapPanel(ipywidgets.HTML):
    """Boundaries and sub-areas from the workspace, with its assets when asked; redrawn after saves."""

    def __init__(self, ws: Workspace, *, with_assets: bool = True, title: str = _("Community map"), height: int = 420) -> None:
        self._ws = ws
        self._with_assets = with_assets
        self._title = title
        self._height = height
        super().__init__()
        self.add_class("cswb-map-panel")
        self.refresh()
        _sync.subscribe(ws, self.refresh)

    def _layers(self) -> dict[str, Any]:
        ws = self._ws
        layers: dict[str, Any] = {"areas": ws.table("areas"), "member_communities": ws.table("member_communities")}
        if self._with_assets:
            layers |= {"assets": ws.table("assets"), "organizations": ws.table("organizations")}
        return layers

    def refresh(self) -> None:
        layers = self._layers()
        areas = layers.pop("areas")
        page = maps.map_html(maps.area_map(areas, title=self._title, height=self._height, **layers))
        caption = maps.map_caption(areas, title=self._title, **layers)
        self.value = maps.map_frame(page, title=self._title, caption=caption, height=self._height)

    def to_html(self) -> str:
        return self.value
