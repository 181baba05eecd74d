"""What charts and maps share: the :class:`Chart` they return, their colours and style, numbers.

:mod:`cswb_widgets.render.charts` and :mod:`cswb_widgets.render.maps` both draw with
matplotlib and hand back a :class:`Chart` (an SVG string with its title, description and data
table), and both write numbers in captions and tables the same way. That common ground lives
here, below both, so that neither imports the other:

- :class:`Chart`, and :func:`figure_to_chart`, which saves a matplotlib figure as deterministic,
  accessible SVG (``<title>``/``<desc>``, ids unique per chart, no date or creator metadata);
- :func:`chart_style`, the project's matplotlib settings for one block, and the colours
  (Okabe–Ito series, ColorBrewer sequential ramp, near-black text);
- :func:`plain_text` (user text drawn literally: ``$`` never starts mathtext);
- :func:`format_number` and :func:`number_text` (published numbers, small counts as "<5").

matplotlib is imported when a figure is styled, not with this module: number formatting and
the :class:`Chart` type cost no plotting library, and an interactive map page needs none.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import io
import math
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, cast

import pandas as pd

from .. import i18n
from ..i18n import _
from ..model.privacy import SMALL_COUNT, is_small_count

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "MISSING_COLOUR",
    "MUTED_TEXT_COLOUR",
    "SEQUENTIAL_COLOURS",
    "SERIES_COLOURS",
    "TEXT_COLOUR",
    "Chart",
    "chart_style",
    "figure_to_chart",
    "fixed_decimal",
    "format_number",
    "number_text",
    "plain_text",
]

# Okabe & Ito's colour-blind-safe set, reordered so the first colours contrast at least 3:1
# with white (the yellow and sky blue come last: decorative fills only).
SERIES_COLOURS: tuple[str, ...] = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#000000",  # black
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
)
# ColorBrewer YlGnBu, 5 classes: sequential and safe for the common colour-vision deficiencies.
SEQUENTIAL_COLOURS: tuple[str, ...] = ("#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494")
TEXT_COLOUR = "#1a1a1a"  # 17:1 on white
MUTED_TEXT_COLOUR = "#595959"  # 7:1 on white: axis lines, notes
MISSING_COLOUR = "#e0e0e0"

SVG_HASH_SALT = "cswb-workbook"
FONT_STACK = ["DejaVu Sans", "Liberation Sans", "Arial", "Helvetica"]

_STYLE: dict[str, Any] = {
    "svg.hashsalt": SVG_HASH_SALT,
    "svg.fonttype": "none",  # real <text>, no embedded glyph outlines
    "font.family": "sans-serif",
    "font.sans-serif": FONT_STACK,
    "font.size": 10,
    "text.color": TEXT_COLOUR,
    "axes.labelcolor": TEXT_COLOUR,
    "axes.titlecolor": TEXT_COLOUR,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.edgecolor": MUTED_TEXT_COLOUR,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.color": MUTED_TEXT_COLOUR,
    "ytick.color": MUTED_TEXT_COLOUR,
    "xtick.labelcolor": TEXT_COLOUR,
    "ytick.labelcolor": TEXT_COLOUR,
    "legend.frameon": False,
    "hatch.color": TEXT_COLOUR,
    "hatch.linewidth": 0.8,
    "figure.dpi": 100,
    "savefig.dpi": 100,
}


class Chart(str):
    """An SVG document (this string) with its text alternatives.

    ``label`` (the chart's title: ``title`` is taken by ``str.title()``) and ``description``
    are also inside the SVG as ``<title>`` and ``<desc>``; ``table`` holds the plotted data
    as displayed (suppressed counts read "<5").
    """

    label: str
    description: str
    table: pd.DataFrame

    def __new__(cls, svg: str, *, label: str, description: str, table: pd.DataFrame) -> Chart:
        chart = super().__new__(cls, svg)
        chart.label = label
        chart.description = description
        chart.table = table
        return chart

    @property
    def svg(self) -> str:
        return str.__str__(self)

    def html(self, *, show_table: bool = False, graphic: str | None = None) -> str:
        """A ``<figure>``: the SVG (or `graphic`, markup showing the same), a caption, and the data
        table (collapsed unless asked)."""
        table = self.table.rename(columns=lambda column: _(str(column)) if str(column) else column)  # headings in the current language
        table_html = table.to_html(index=False, escape=True, border=0, na_rep="")
        details = "<details open>" if show_table else "<details>"
        summary = _("Data table: {title}").format(title=self.label)
        return (
            '<figure class="cswb-chart">'
            f"{self.svg if graphic is None else graphic}"
            f"<figcaption>{html.escape(self.description)}</figcaption>"
            f"{details}<summary>{html.escape(summary)}</summary>"
            f"{table_html}</details></figure>"
        )

    def _repr_html_(self) -> str:  # Jupyter display
        return self.html()


# --- Drawing in the project's style ---------------------------------------------------------


@contextlib.contextmanager
def chart_style() -> Iterator[None]:
    """The project's matplotlib settings, for this block only (the caller's rcParams stay)."""
    import matplotlib as mpl  # imported here, not above: see the module docstring

    with mpl.rc_context(cast(Any, _STYLE)):  # (the stubs want literal rcParam names)
        yield


def figure_to_chart(
    figure: Figure, *, title: str, description: str, table: pd.DataFrame, raster_dpi: int = 200
) -> Chart:
    """Save `figure` as inline-ready SVG with ``<title>``/``<desc>``; call inside chart_style().

    `raster_dpi` only applies to artists drawn with ``rasterized=True`` (print resolution).
    """
    from .svg_backend import SVG_BACKEND  # here, not above: see the module docstring

    buffer = io.StringIO()
    # No Date (changes every run) and no Creator (matplotlib's version and web address).
    figure.savefig(buffer, format="svg", dpi=raster_dpi, metadata={"Date": None, "Creator": None},
                   backend=SVG_BACKEND)
    return Chart(
        _accessible_svg(buffer.getvalue(), title, description),
        label=title,
        description=description,
        table=table,
    )


_PROLOG = re.compile(r"\A.*?(?=<svg\b)", re.DOTALL)  # XML declaration and DOCTYPE
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.DOTALL)
_TAG = re.compile(r"<[^<>]+>")  # text content never contains "<": matplotlib escapes it
_ID = re.compile(r'\bid="([^"]+)"')
_ID_REFERENCE = re.compile(r'(url\(#|href="#)([^)"]+)')


def _accessible_svg(svg: str, title: str, description: str) -> str:
    svg = _PROLOG.sub("", svg, count=1)  # a DOCTYPE is not allowed inside an HTML body
    svg = _METADATA.sub("", svg, count=1)  # RDF boilerplate; <title>/<desc> replace it
    # Ids are prefixed with a digest of the chart, so several charts inlined in one page never
    # share an id (a clip path of one chart must not clip another).
    prefix = "c" + hashlib.sha1(svg.encode("utf-8")).hexdigest()[:10]

    def prefixed(tag: re.Match[str]) -> str:  # inside tags only: a label may read 'id="x"'
        text = _ID.sub(lambda m: f'id="{prefix}-{m.group(1)}"', tag.group(0))
        return _ID_REFERENCE.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", text)

    svg = _TAG.sub(prefixed, svg)
    title_id, desc_id = f"{prefix}-title", f"{prefix}-desc"
    start_tag_end = svg.index(">") + 1
    # Scales down in a narrow app column instead of overflowing it.
    opening = svg[: start_tag_end - 1] + (
        f' role="img" aria-labelledby="{title_id}" aria-describedby="{desc_id}"'
        ' style="max-width: 100%; height: auto">'
    )
    alternatives = (
        f'\n <title id="{title_id}">{html.escape(title, quote=False)}</title>'
        f'\n <desc id="{desc_id}">{html.escape(description, quote=False)}</desc>'
    )
    return opening + alternatives + svg[start_tag_end:]


def plain_text(text: Any) -> str:
    """User text as matplotlib should draw it: literally (``$`` would start mathtext)."""
    return str(text).replace("$", r"\$")


# --- Numbers as published ------------------------------------------------------------------


def format_number(value: float) -> str:
    """Compact, in the current language: 12, 1,234, 0.35, 12.5 (French: 1 234, 0,35, 12,5)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if float(value).is_integer():
        return i18n.format_number(int(value))
    magnitude = abs(value)
    decimals = 1 if magnitude >= 10 else 2 if magnitude >= 1 else 3
    return i18n.format_decimal(round(float(value), decimals), decimals)


def fixed_decimal(value: float, digits: int = 1) -> str:
    """A value with exactly `digits` decimals in the current language ("3.0", "3,0"): a mean, a time."""
    point = i18n.format_decimal(0.5, 1)[1]  # the language's decimal sign
    return f"{float(value):.{digits}f}".replace(".", point)


def number_text(value: Any, unit: Any = None, *, suppress: bool = False) -> str:
    """A value for a published table or sentence: "" when missing, "<5" for a small count of
    people or events (:func:`cswb_widgets.model.privacy.is_small_count`) when `suppress`."""
    if value is None or pd.isna(value):
        return ""
    if suppress and is_small_count(value, unit):
        return f"<{SMALL_COUNT}"
    return format_number(float(value))
