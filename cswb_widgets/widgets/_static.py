"""The widgets' front-end code: real ES modules and stylesheets in ``static/``.

Each file is read once, when the widget module that uses it is imported, and handed to
anywidget as text, not as a ``pathlib.Path``: anywidget (0.9-0.11) turns a path into a
FileContents object on the class, and every widget made from it connects a callback that
holds the widget to that object, so no such widget is ever freed (and in an editable
install with ``ANYWIDGET_HMR=1`` a file-watching thread starts).

anywidget loads one module per widget and the module cannot import another file, so a
module that shares helpers is the helper file followed by its own (:func:`script`).

Stylesheets write the shared colours as ``var(--cswb-palette-<name>)``, one for each name in
:data:`cswb_widgets.render.PALETTE`; :func:`stylesheet` replaces each with the colour itself.
The CSS that reaches a page or a report therefore has plain colours, and the palette stays
defined once, in Python, where the tests check its contrast.
"""

from __future__ import annotations

import re
from pathlib import Path

from .. import render

STATIC_DIR = Path(__file__).with_name("static")
_PALETTE_COLOUR = re.compile(r"var\(--cswb-palette-([a-z_]+)\)")


def _read(name: str) -> str:
    return (STATIC_DIR / name).read_text(encoding="utf-8")


def script(*names: str) -> str:
    """The ES module made of these files of ``static/``, in order."""
    return "\n".join(_read(name) for name in names)


def stylesheet(name: str) -> str:
    """The stylesheet ``static/<name>`` with its palette colours filled in."""

    def colour(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in render.PALETTE:
            raise KeyError(f"{name}: var(--cswb-palette-{key}) names no colour of render.PALETTE")
        return render.PALETTE[key]

    return _PALETTE_COLOUR.sub(colour, _read(name))
