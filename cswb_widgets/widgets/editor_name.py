"""Who is editing: the name is asked once per browser and kept across workbooks and reloads.

The browser keeps it (localStorage, per server address) and hands it to each page's kernel,
which names it in the change history (`Workspace.actor`) until a hosted sign-in replaces it.
The name arrives from the browser, so it is tidied and cut to a bound here, never trusted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import anywidget
import traitlets

from ..model.voting import clean_participant
from . import _static

if TYPE_CHECKING:
    from ..store.workspace import Workspace

DEFAULT_ACTOR = "workshop participant"
MAX_NAME_CHARACTERS = 80
EDITOR_ESM = _static.script("dom.js", "editor_name.js")
EDITOR_CSS = _static.stylesheet("editor_name.css")


class EditorName(anywidget.AnyWidget):
    """The "Your name" line of every app; setting `name` (from the browser or Python) sets the actor."""

    _esm = EDITOR_ESM
    _css = EDITOR_CSS

    name = traitlets.Unicode("").tag(sync=True)
    max_length = traitlets.Int(MAX_NAME_CHARACTERS).tag(sync=True)

    def __init__(self, ws: Workspace) -> None:
        self._ws = ws
        super().__init__()
        self.add_class("cswb-editor-name")

    @traitlets.validate("name")
    def _tidy(self, proposal: traitlets.Bunch) -> str:
        return clean_participant(proposal["value"])[:MAX_NAME_CHARACTERS]

    @traitlets.observe("name")
    def _set_actor(self, change: traitlets.Bunch) -> None:
        self._ws.actor = change["new"] or DEFAULT_ACTOR
