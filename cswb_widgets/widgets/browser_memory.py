"""BrowserMemory: choices a page keeps in the browser, so a reload (a new kernel) shows them again."""

from __future__ import annotations

import anywidget
import traitlets

from ._static import script

MEMORY_ESM = script("browser_memory.js")


class BrowserMemory(anywidget.AnyWidget):
    """A dict of small values kept in this browser's storage under `key` (per page and workspace).

    Set ``value`` from Python when a choice changes; when the page is loaded again the browser
    sends the kept dict back as ``value``, so observe it and apply what you understand.
    """

    _esm = MEMORY_ESM

    key = traitlets.Unicode("").tag(sync=True)
    value = traitlets.Dict().tag(sync=True)

    def __init__(self, key: str) -> None:
        super().__init__(key=key)
        self.layout.display = "none"  # nothing to see
