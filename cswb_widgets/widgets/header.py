"""StageHeader: the plan's identity and the six workbooks in order, with each one's completion."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import quote

import ipywidgets

from .. import render
from ..framework import load_catalogue
from ..i18n import _
from ..model.readiness import Tables, assess
from . import _failures, _sync
from .sections import alert_html

if TYPE_CHECKING:
    from ..store.workspace import Workspace


def default_link(ws: Workspace) -> Callable[[str], str]:
    """Links to the sibling notebooks, naming the workspace by its folder (the server resolves it)."""
    name = quote(ws.path.name, safe="")
    return lambda stage: f"{stage}.ipynb?workspace={name}"


class StageHeader(ipywidgets.HTML):
    """Plain HTML in an ``ipywidgets.HTML``: links and text, nothing to operate but links.

    With `background`, the first computation runs in a thread: a served page is sent without
    waiting for it (the stage's readiness reads every table: ~0.2 s of the page's time before its
    first control), and it is done while the browser loads the page's scripts, before the
    widgets are drawn. `ready` is set once the header holds its content.
    """

    def __init__(
        self, ws: Workspace, current_stage: str, *, link: Callable[[str], str | None] | None = None,
        tables: Callable[[], Tables] | None = None, background: bool = False,
    ) -> None:
        """`tables` gives the workspace's tables each time the header is recomputed (a workbook
        passes its page's shared snapshot); by default the header reads them itself."""
        load_catalogue().get("stages", current_stage)  # a clear error for a misspelt stage
        self._ws = ws
        self.current_stage = current_stage
        self._link = link or default_link(ws)
        self._tables = tables or (lambda: render.WorkspaceTables(ws))
        self._computing = threading.Lock()  # one computation at a time: the latest data wins
        self.ready = threading.Event()
        super().__init__(value="")
        self.add_class("cswb-stage-header")
        if background:
            threading.Thread(target=self._first_refresh, name="cswb-stage-header", daemon=True).start()
        else:
            self.refresh()
        _sync.subscribe(ws, self.refresh)

    def refresh(self) -> None:
        """Re-read the profile and recompute each stage's completion."""
        with self._computing:
            self.value = self.to_html()
            self.ready.set()

    def _first_refresh(self) -> None:
        with self._computing:
            try:
                self.value = self.to_html()
            except Exception as error:  # noqa: BLE001 - a thread's failure: said in the header, not in a log
                self.value = alert_html(_("Could not recompute this: {value}").format(
                    value=_failures.words(error, "stage header")))
            self.ready.set()

    def to_html(self) -> str:
        summaries = assess(self._tables())
        return render.header_html(self._ws.community, summaries, self.current_stage, self._link, next_steps=True)
