"""matplotlib's SVG writer, with each text measured once per process rather than once per drawing.

Used as ``figure.savefig(..., backend=SVG_BACKEND)`` (matplotlib's documented way to save with
another backend's canvas). matplotlib measures every text of a figure afresh for each renderer:
once for the layout, once more for the drawing, and again for the next chart with the same tick
labels, group names and risk categories. Measuring is FreeType laying the string out (0.2-3 ms a
text here); a report kernel drew about 100 texts per community, six in ten of them the same
strings as in the previous community's charts. The drawing is unchanged: the same numbers come
from the same FreeType call, only remembered (keyed by the string and everything that chooses
the font and its size).
"""

from __future__ import annotations

from typing import Any

import matplotlib as mpl
from matplotlib import cbook
from matplotlib.backends.backend_mixed import MixedModeRenderer
from matplotlib.backends.backend_svg import FigureCanvasSVG, RendererSVG
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextToPath

__all__ = ["SVG_BACKEND", "FigureCanvas", "text_extent"]

SVG_BACKEND = f"module://{__name__}"
MEASURED_TEXTS_KEPT = 8192  # about 2 MB at most; a province's labels fit many times over
GENERIC_FAMILIES = frozenset({"serif", "sans-serif", "cursive", "fantasy", "monospace"})

_measurer = TextToPath()


def text_extent(text: str, prop: FontProperties) -> tuple[float, float, float]:
    """(width, height, descent) in points of one line of `text` in `prop`, as matplotlib's SVG
    writer measures it (remembered for the process)."""
    key = (text, _font_key(prop))
    extent = _extents.get(key)
    if extent is None:
        if len(_extents) >= MEASURED_TEXTS_KEPT:  # bounded: start afresh rather than grow
            _extents.clear()
        extent = _extents[key] = _measurer.get_text_width_height_descent(text, prop, ismath=False)
    return extent


_extents: dict[tuple[Any, ...], tuple[float, float, float]] = {}


def _font_key(prop: FontProperties) -> tuple[Any, ...]:
    """All that chooses the font and its size: the properties, the families a generic name stands for
    in the current settings (chart_style's), and the kerning setting."""
    settings: Any = mpl.rcParams  # (its stubs want literal names)
    families = tuple(prop.get_family())
    generic = tuple(tuple(settings[f"font.{family}"]) for family in families if family in GENERIC_FAMILIES)
    return (families, generic, prop.get_style(), prop.get_variant(), prop.get_weight(), prop.get_stretch(),
            prop.get_size_in_points(), str(prop.get_file()), settings["text.kerning_factor"],
            str(settings["text.language"]))


class _RendererSVG(RendererSVG):
    def get_text_width_height_descent(self, s: str, prop: FontProperties, ismath: Any) -> tuple[float, float, float]:
        if ismath:  # mathtext and TeX as matplotlib measures them (charts escape "$": not used here)
            return super().get_text_width_height_descent(s, prop, ismath)
        return text_extent(s, prop)


class FigureCanvas(FigureCanvasSVG):
    """FigureCanvasSVG drawing with `_RendererSVG` (its print_svg, with that one class changed)."""

    def print_svg(self, filename: Any, *, bbox_inches_restore: Any = None, metadata: Any = None,
                  **_applied: Any) -> None:  # dpi, facecolor...: savefig applied them to the figure already
        fh: Any
        with cbook.open_file_cm(filename, "w", encoding="utf-8") as fh:
            if not cbook.file_requires_unicode(fh):
                import codecs

                fh = codecs.getwriter("utf-8")(fh)
            dpi = self.figure.dpi
            self.figure.dpi = 72
            width, height = self.figure.get_size_inches()
            w, h = width * 72, height * 72
            renderer: Any = MixedModeRenderer(
                self.figure, width, height, dpi, _RendererSVG(w, h, fh, image_dpi=dpi, metadata=metadata),
                bbox_inches_restore=bbox_inches_restore)
            self.figure.draw(renderer)
            renderer.finalize()
