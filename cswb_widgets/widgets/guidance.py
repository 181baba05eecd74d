"""GuidancePanel: what this step is for, in plain words, from the framework catalogue."""

from __future__ import annotations

import ipywidgets

from .. import render


class GuidancePanel(ipywidgets.HTML):
    """A native ``<details>`` disclosure: keyboard- and screen-reader-friendly, and cheap."""

    def __init__(self, stage_key: str, *, open: bool = False) -> None:
        self.stage_key = stage_key
        self._open = open
        super().__init__(value=self.to_html())
        self.add_class("cswb-guidance-panel")

    def to_html(self) -> str:
        return render.guidance_html(self.stage_key, open=self._open)
