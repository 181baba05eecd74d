"""ColourField: a colour picked with the browser's own picker, under a real label."""

from __future__ import annotations

import anywidget
import traitlets

from ._static import script

COLOUR_ESM = script("dom.js", "colour_field.js")
COLOUR_CSS = ".cswb-colour { display: flex; gap: 0.5rem; align-items: center; margin: 2px 0; }"


class ColourField(anywidget.AnyWidget):
    """``value`` is a ``#rrggbb`` colour; ``description`` labels the picker (ipywidgets' concise
    ColorPicker leaves its colour input without a label)."""

    _esm = COLOUR_ESM
    _css = COLOUR_CSS

    value = traitlets.Unicode("#000000").tag(sync=True)
    description = traitlets.Unicode("").tag(sync=True)

    @traitlets.validate("value")
    def _hex_only(self, proposal: traitlets.Bunch) -> str:
        from .. import render

        return render.safe_colour(proposal["value"], self.value)
