"""StageHeader: the plan's identity and the six workbooks in order, with each one's completion."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import quote

import ipywidgets

from .. import render
from ..framework import load_catalogue
from . import _sync

if TYPE_CHECKING:
    from ..store.workspace import Workspace


def default_link(ws: Workspace) -> Callable[[str], str]:
    """Links to the sibling notebooks, naming the workspace by its folder (the server resolves it)."""
    name = quote(ws.path.name, safe="")
    return lambda stage: f"{stage}.ipynb?workspace={name}"


class StageHeader(ipywidgets.HTML):
    """Plain HTML in an ``ipywidgets.HTML``: links and text, nothing to operate but links."""

    def __init__(self, ws: Workspace, current_stage: str, *, link: Callable[[str], str | None] | None = None) -> None:
        load_catalogue().get("stages", current_stage)  # a clear error for a misspelt stage
        self._ws = ws
        self.current_stage = current_stage
        self._link = link or default_link(ws)
        super().__init__(value="")
        self.add_class("cswb-stage-header")
        self.refresh()
        _sync.subscribe(ws, self.refresh)

    def refresh(self) -> None:
        """Re-read the profile and recompute each stage's completion."""
        self.value = self.to_html()

    def to_html(self) -> str:
        return render.workspace_header_html(self._ws, self.current_stage, self._link, next_steps=True)
