"""Accessible, deterministic SVG charts for apps and printed reports: bars, heatmap, ranked
scores, lines, Gantt.

Every chart function returns a :class:`~cswb_widgets.render.figures.Chart`: the SVG document
as text (a ``str``, ready to inline in HTML or write to a file), which also carries the chart's
title, a plain-language description and the data as a table — the text alternative a
screen-reader user or a reader of the printed plan needs. ``chart.html()`` wraps both in a
``<figure>``. The ``Chart`` type, the style, the colours and number formatting live in
:mod:`cswb_widgets.render.figures`, which the maps' static drawing shares.

Why the output looks the way it does:

- Self-contained: no external fonts or images. Text stays real ``<text>`` (searchable,
  selectable) in a generic sans-serif stack that every browser and PDF printer has.
- Deterministic: same input, same bytes (a fixed ``svg.hashsalt``, no date or creator in the
  metadata, ids derived from the content), so reports can be diffed and tests compare output.
- Colour-blind safe: the Okabe–Ito colours (darkest first) and ColorBrewer sequential ramps,
  never colour alone (markers, hatches, or direct labels as well); text is near-black on white,
  or black/white on a cell whichever contrasts more (always at least 4.5:1).
- Escaped: labels are user text. matplotlib escapes XML, and ``$`` is escaped here so a label
  such as "$5 meals" is never parsed as mathematics.
- Published counts below a threshold are shown as "<5", never drawn (``suppress_below``).

matplotlib's object API is used directly (no ``pyplot``): no global figure state, no backend
switch in the caller's notebook.
"""

from __future__ import annotations

import datetime as dt
import math
import textwrap
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.colors import BoundaryNorm, ListedColormap, to_hex
from matplotlib.dates import AutoDateLocator, date2num, num2date
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator
from matplotlib.transforms import ScaledTranslation, blended_transform_factory

from .. import i18n
from ..i18n import _, ngettext
from ..model.privacy import is_small_count
from ._html import readable_text_colour
from .figures import (
    MISSING_COLOUR,
    MUTED_TEXT_COLOUR,
    SEQUENTIAL_COLOURS,
    SERIES_COLOURS,
    TEXT_COLOUR,
    Chart,
    chart_style,
    figure_to_chart,
    format_number,
    plain_text,
)
from .svg_backend import text_extent

__all__ = ["bar_chart", "gantt", "heatmap", "line_chart", "ranked_scores"]

SERIES_MARKERS: tuple[str, ...] = ("o", "s", "^", "D", "v", "P", "X", "*")
SERIES_HATCHES: tuple[str, ...] = ("", "//", "..", "\\\\", "xx", "--", "||", "++")

WIDTH_INCHES = 7.5  # fits a letter-size page with margins
LABEL_WRAP = 34  # characters per line of a category label before it wraps
LABEL_MAX_LINES = 2


def _display_label(text: Any, width: int = LABEL_WRAP) -> str:
    # Long names wrap onto two lines and are then shortened; the data table keeps them whole.
    lines = textwrap.wrap(str(text), width=width) or [""]
    if len(lines) > LABEL_MAX_LINES:
        lines = lines[:LABEL_MAX_LINES]
        lines[-1] = lines[-1][: width - 1].rstrip() + "…"
    return plain_text("\n".join(lines))


TITLE_WRAP = 60  # characters per line of a chart's title: a longer line ran past the drawing and was cut


def _chart_title(text: Any) -> str:
    """A chart's title as drawn: wrapped onto more lines rather than cut off at the drawing's edge."""
    return plain_text("\n".join(textwrap.wrap(str(text), width=TITLE_WRAP)) or str(text))


def _phrase(label: str) -> str:
    """A label inside a sentence: "Mentions" -> "mentions", but "ED visits" stays."""
    if len(label) > 1 and label[0].isupper() and not label[1].isupper():
        return label[0].lower() + label[1:]
    return label


def _count(number: int, singular: str, plural: str) -> str:
    """"3 tasks": `singular` and `plural` are ngettext's, each with `{n}` for the number."""
    return ngettext(singular, plural, number).format(n=i18n.format_number(number))


def _figure(height_inches: float, width_inches: float = WIDTH_INCHES) -> Figure:
    return Figure(figsize=(width_inches, height_inches), layout="constrained")


# Measured layout (bars, Gantt): sizes in points of the style's text (figures.chart_style).
TEXT_POINTS = 10
TITLE_POINTS = 12
LINE_SPACING = 1.2  # matplotlib's default, between the lines of one text
ROW_LABEL_GAP = 4  # points between a row's label and the axes
MARGIN = 0.1  # inches of white around the drawing
X_TICKS_HEIGHT = (3.5 + 3.5 + TEXT_POINTS * LINE_SPACING) / 72  # tick, its pad, its label


def _lines_height(text: str, points: float) -> float:
    """Height in inches of `text` (lines split at newlines) at `points`."""
    return (text.count("\n") + 1) * points * LINE_SPACING / 72


def _measured_axes(*, height: float, left: float, right: float, top: float, bottom: float,
                   width: float = WIDTH_INCHES) -> tuple[Figure, Any]:
    """A figure of `width` x `height` inches whose one axes leaves the given margins (inches)."""
    figure = Figure(figsize=(width, height))
    axes = figure.add_axes((left / width, bottom / height, 1 - (left + right) / width, 1 - (top + bottom) / height))
    return figure, axes


def _row_labels(axes: Any, positions: Iterable[float], labels: Iterable[str], bold: Iterable[bool] = ()) -> None:
    """Each row's label left of the axes, right-aligned: plain texts, not y ticks (a tick is four
    artists, and thirty of them were a third of a chart's drawing time)."""
    axes.set_yticks([])
    place = blended_transform_factory(axes.transAxes, axes.transData) + ScaledTranslation(
        -ROW_LABEL_GAP / 72, 0, axes.figure.dpi_scale_trans)
    weights = list(bold)
    for index, (position, label) in enumerate(zip(positions, labels, strict=True)):
        strong = index < len(weights) and weights[index]
        axes.text(0, position, label, transform=place, ha="right", va="center",
                  fontweight="bold" if strong else "normal", clip_on=False)


def _numbers_in_language(axis: Any, *, whole: bool) -> None:
    """Tick labels written as the text writes numbers ("2,5" and "1 234" in French, not "2.5");
    a `whole` axis (counts) gets whole-number ticks only."""
    if whole:
        axis.set_major_locator(MaxNLocator(integer=True))
    axis.set_major_formatter(FuncFormatter(lambda value, _pos: format_number(value)))


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


def _finite(values: Iterable[Any], what: str) -> list[float]:
    numbers = []
    for value in values:
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"{what} must be numbers; got {value!r}") from None
        _require(math.isfinite(number), f"{what} must be finite numbers; got {value!r}")
        numbers.append(number)
    return numbers


# --- Bar chart ---------------------------------------------------------------------------------


def bar_chart(
    labels: Sequence[Any],
    values: Sequence[float],
    *,
    title: str,
    xlabel: str,
    suppress_below: int | None = None,
    sort: bool = True,
    category_label: str = "Category",
) -> Chart:
    """Horizontal bars, e.g. how often each theme came up in engagement feedback.

    With ``suppress_below=5`` every value under 5 reads "<5" — in the drawing, the
    description and the table — and gets no bar, so published output never reveals a small
    count. Sorted largest first (ties and suppressed items keep their given order, so the
    order does not leak which small count is larger).
    """
    _require(len(labels) == len(values), f"{len(labels)} labels but {len(values)} values")
    title, xlabel, category_label = _(title), _(xlabel), _(category_label)  # the caller's English, translated
    numbers = _finite(values, "bar values")
    _require(all(v >= 0 for v in numbers), "bar values must not be negative")
    threshold = suppress_below if suppress_below is not None else 0
    rows = [(str(label), value, value < threshold) for label, value in zip(labels, numbers, strict=True)]
    if sort:
        exact = sorted((r for r in rows if not r[2]), key=lambda r: -r[1])
        rows = exact + [r for r in rows if r[2]]
    marker = f"<{threshold}"

    with chart_style():
        row_labels = [_display_label(label) for label, _value, _hidden in rows]
        note = (
            "\n" + _("{marker}: fewer than {threshold}, not shown to protect privacy").format(
                marker=marker, threshold=threshold)
            if any(r[2] for r in rows)
            else ""
        )
        x_title, chart_title = plain_text(xlabel) + note, _chart_title(title)
        # Margins measured from the labels, not found by a layout engine: the engine measured every
        # text again before the drawing measured it once more (a 24-category chart: 0.26 -> 0.07 s).
        figure, axes = _measured_axes(
            height=1.1 + 0.34 * max(len(rows), 1),
            left=max((_text_width_inches(t) for t in row_labels), default=0.0) + ROW_LABEL_GAP / 72 + MARGIN,
            top=_lines_height(chart_title, TITLE_POINTS) + 6 / 72 + MARGIN,
            bottom=X_TICKS_HEIGHT + _lines_height(x_title, TEXT_POINTS) + 4 / 72 + MARGIN,
            right=0.3,
        )
        positions = np.arange(len(rows))
        bars = [
            (position, value)
            for position, (_label, value, suppressed) in zip(positions, rows, strict=True)
            if not suppressed
        ]
        if bars:  # a suppressed count gets no bar at all, not even one of zero length
            axes.barh([p for p, _value in bars], [v for _position, v in bars], color=SERIES_COLOURS[0], height=0.65)
        largest = max((v for _position, v in bars), default=0.0) or 1.0
        for position, (_label, value, suppressed) in zip(positions, rows, strict=True):
            axes.annotate(
                marker if suppressed else format_number(value),
                xy=(0 if suppressed else value, position),
                xytext=(4, 0),
                textcoords="offset points",
                va="center",
                fontstyle="italic" if suppressed else "normal",
            )
        _row_labels(axes, positions, row_labels)
        axes.set_ylim(len(rows) - 0.5, -0.5)  # first (largest) at the top
        axes.set_xlim(0, largest * 1.15)
        _numbers_in_language(axes.xaxis, whole=all(float(v).is_integer() for v in numbers))
        axes.set_xlabel(x_title)
        axes.set_title(chart_title)

        table = pd.DataFrame(
            {
                category_label: [label for label, _value, _hidden in rows],
                xlabel: [marker if suppressed else format_number(value) for _label, value, suppressed in rows],
            }
        )
        description = _bar_description(rows, xlabel, marker, threshold)
        return figure_to_chart(figure, title=title, description=description, table=table)


def _bar_description(rows: list[tuple[str, float, bool]], xlabel: str, marker: str, threshold: int) -> str:
    shown = [r for r in rows if not r[2]]
    parts = [_("Horizontal bar chart of {what} for {categories}.").format(
        what=_phrase(xlabel), categories=_count(len(rows), "{n} category", "{n} categories"))]
    if shown:
        listed = "; ".join(_("{label}: {value}").format(label=label, value=format_number(value))
                           for label, value, _suppressed in shown[:5])
        more = _(" and {n} more").format(n=len(shown) - 5) if len(shown) > 5 else ""
        parts.append(f"{listed}{more}.")
    suppressed = len(rows) - len(shown)
    if suppressed:
        parts.append(_("{n} with fewer than {threshold} shown as {marker}.").format(
            n=suppressed, threshold=threshold, marker=marker))
    return " ".join(parts)


# --- Heatmap -----------------------------------------------------------------------------------


def heatmap(
    frame: pd.DataFrame,
    *,
    title: str,
    value_label: str = "Value",
    annotate: bool | None = None,
) -> Chart:
    """Rows (e.g. risks) by columns (e.g. prioritization criteria), darker = higher.

    Five equal-interval colour classes (the maps' ramp), drawn as vector cells so print stays
    sharp; the exact value is written in each cell (when they fit) in black or white,
    whichever is more readable on that cell. Missing values are light grey with an en dash.
    """
    _require(frame.shape[0] > 0 and frame.shape[1] > 0, "the heatmap needs at least one row and one column")
    title, value_label = _(title), _(value_label)
    values = frame.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    finite = values[np.isfinite(values)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    top = high if high > low else low + 1.0
    colour_map = ListedColormap(SEQUENTIAL_COLOURS, name="cswb_classes")
    norm = BoundaryNorm(np.linspace(low, top, len(SEQUENTIAL_COLOURS) + 1), len(SEQUENTIAL_COLOURS))
    rows, columns = frame.shape
    if annotate is None:
        annotate = rows * columns <= 400 and columns <= 16

    with chart_style():
        figure = _figure(
            height_inches=1.6 + 0.34 * rows,
            width_inches=min(max(WIDTH_INCHES, 2.5 + 0.9 * columns), 14.0),
        )
        axes = figure.add_subplot()
        axes.set_facecolor(MISSING_COLOUR)  # masked (missing) cells let this show through
        mesh = axes.pcolormesh(
            np.ma.masked_invalid(values), cmap=colour_map, norm=norm, edgecolors="#ffffff", linewidth=1
        )
        axes.set_xticks(np.arange(columns) + 0.5, [_display_label(c, 14) for c in frame.columns])
        axes.set_yticks(np.arange(rows) + 0.5, [_display_label(r) for r in frame.index])
        axes.invert_yaxis()
        axes.xaxis.tick_top()
        axes.tick_params(length=0)
        for spine in axes.spines.values():
            spine.set_visible(False)
        if annotate:
            for (row, column), value in np.ndenumerate(values):
                if math.isfinite(value):
                    text, colour = format_number(value), readable_text_colour(to_hex(colour_map(norm(value))))
                else:
                    text, colour = "–", TEXT_COLOUR
                axes.text(column + 0.5, row + 0.5, text, ha="center", va="center", color=colour, fontsize=9)
        colour_bar = figure.colorbar(mesh, ax=axes, shrink=0.8, pad=0.02)
        colour_bar.set_label(plain_text(value_label))
        colour_bar.outline.set_visible(False)
        _numbers_in_language(colour_bar.ax.yaxis, whole=False)
        axes.set_title(_chart_title(title), pad=12)

        table = frame.copy()
        table.insert(0, _(str(frame.index.name or "Row")), [str(i) for i in frame.index])
        table = table.reset_index(drop=True)
        description = _("Heatmap of {what} for {rows} by {columns} ({names}); values from {low} to {high}, "
                        "darker cells are higher.").format(
            what=_phrase(value_label), rows=_count(rows, "{n} row", "{n} rows"),
            columns=_count(columns, "{n} column", "{n} columns"),
            names=", ".join(str(c) for c in frame.columns[:8]) + ("…" if columns > 8 else ""),
            low=format_number(low), high=format_number(high))
        if finite.size < values.size:
            description += " " + _count(values.size - finite.size, "{n} cell without a value.",
                                        "{n} cells without a value.")
        return figure_to_chart(figure, title=title, description=description, table=table)


# --- Ranked scores ----------------------------------------------------------------------------


def ranked_scores(
    scores: pd.Series | pd.DataFrame | Mapping[str, float],
    *,
    title: str,
    xlabel: str = "Priority score",
    top: int | None = None,
    highlight: Iterable[str] = (),
) -> Chart:
    """Items ranked by score, highest first, each labelled with its rank and score.

    Pass a DataFrame of weighted criterion contributions (rows = items, columns = criteria)
    to show how each score is built: the bars are stacked, one colour and hatch per criterion,
    so no part of the ranking is hidden. ``highlight`` names items (e.g. chosen priority
    risks) whose labels are drawn bold and marked "(priority)".
    """
    title, xlabel = _(title), _(xlabel)
    contributions = _as_contributions(scores)
    totals = contributions.sum(axis=1)
    order = totals.sort_values(ascending=False, kind="stable").index
    contributions, totals = contributions.loc[order], totals.loc[order]
    if top is not None:
        contributions, totals = contributions.iloc[:top], totals.iloc[:top]
    marked = {str(h) for h in highlight}
    labels = [
        f"{rank}. {name}" + (_(" (priority)") if str(name) in marked else "")
        for rank, name in enumerate(totals.index, start=1)
    ]
    stacked = contributions.shape[1] > 1

    with chart_style():
        figure = _figure(height_inches=1.3 + 0.34 * max(len(totals), 1) + (0.4 if stacked else 0))
        axes = figure.add_subplot()
        positions = np.arange(len(totals))
        left = np.zeros(len(totals))
        for index, criterion in enumerate(contributions.columns):
            widths = contributions[criterion].to_numpy(dtype=float)
            axes.barh(
                positions,
                widths,
                left=left,
                height=0.65,
                color=SERIES_COLOURS[index % len(SERIES_COLOURS)],
                hatch=SERIES_HATCHES[index % len(SERIES_HATCHES)],  # not colour alone
                edgecolor="#ffffff",
                linewidth=0.6,
                label=plain_text(criterion),
            )
            left += widths
        for position, total in zip(positions, totals, strict=True):
            axes.annotate(
                format_number(float(total)),
                xy=(max(float(total), 0), position),
                xytext=(4, 0),
                textcoords="offset points",
                va="center",
            )
        axes.set_yticks(positions, [_display_label(label) for label in labels])
        for tick, name in zip(axes.get_yticklabels(), totals.index, strict=True):
            if str(name) in marked:
                tick.set_fontweight("bold")
        axes.invert_yaxis()
        axes.set_xlim(
            min(0.0, float(left.min(initial=0))), max(float(totals.max()) * 1.15, 1e-9) if len(totals) else 1
        )
        _numbers_in_language(axes.xaxis, whole=False)
        axes.set_xlabel(plain_text(xlabel))
        axes.tick_params(axis="y", length=0)
        title_pad = 6.0
        if stacked:  # the legend sits between the title and the bars
            legend_rows = math.ceil(contributions.shape[1] / 4)
            axes.legend(
                loc="lower center",
                bbox_to_anchor=(0.5, 1.0),
                ncols=min(4, contributions.shape[1]),
                fontsize=8,
            )
            title_pad = 10.0 + 16.0 * legend_rows
        axes.set_title(_chart_title(title), pad=title_pad)

        table = contributions.copy()
        rank, item, score = _("Rank"), _("Item"), _("Score")
        table.insert(0, rank, range(1, len(totals) + 1))
        table.insert(1, item, [str(i) for i in totals.index])
        table[score] = totals.to_numpy()
        if not stacked:
            table = table[[rank, item, score]]
        table = table.reset_index(drop=True)
        listed = "; ".join(
            f"{rank}. {name} ({format_number(float(total))})"
            for rank, (name, total) in enumerate(totals.iloc[:5].items(), start=1)
        )
        built = (" " + _("Each score is the sum of {criteria}.").format(
            criteria=", ".join(map(str, contributions.columns)))) if stacked else ""
        description = _("Ranking of {items} by {what}, highest first: {listed}.").format(
            items=_count(len(totals), "{n} item", "{n} items"), what=_phrase(xlabel), listed=listed) + built
        return figure_to_chart(figure, title=title, description=description, table=table)


def _as_contributions(scores: pd.Series | pd.DataFrame | Mapping[str, float]) -> pd.DataFrame:
    if isinstance(scores, pd.DataFrame):
        frame = scores.apply(pd.to_numeric, errors="raise").astype(float)
    else:
        series = scores if isinstance(scores, pd.Series) else pd.Series(dict(scores), dtype=float)
        frame = series.astype(float).to_frame(name=series.name or _("Score"))
    _require(len(frame) > 0, "there are no scores to rank")
    _require(bool(np.isfinite(frame.to_numpy()).all()), "scores must be finite numbers")
    return frame


# --- Line chart -------------------------------------------------------------------------------


def line_chart(
    series: pd.DataFrame | Mapping[str, Mapping[Any, float]],
    *,
    title: str,
    ylabel: str,
    xlabel: str = "Year",
    baseline: float | None = None,
    target: float | None = None,
    comparator: Mapping[Any, float] | None = None,
    comparator_label: str = "Comparator",
    suppress_below: int | None = None,
) -> Chart:
    """Indicator trends: one line per series (DataFrame columns, index = years or dates).

    ``baseline`` and ``target`` are drawn as labelled horizontal lines; ``comparator`` (e.g.
    the provincial value by year) as a dashed grey line. Each series has its own colour and
    marker shape, so the lines can be told apart without colour. With ``suppress_below=5``
    (published counts) values from above 0 to under 5 are not drawn and read "<5" in the table
    and the description; so do a baseline or target in that range.
    """
    title, ylabel, xlabel, comparator_label = _(title), _(ylabel), _(xlabel), _(comparator_label)
    frame = pd.DataFrame(series) if not isinstance(series, pd.DataFrame) else series.copy()
    _require(
        frame.shape[1] > 0 and frame.shape[0] > 0, "the line chart needs at least one series with values"
    )
    frame = frame.sort_index().apply(pd.to_numeric, errors="coerce")
    threshold = suppress_below or 0

    def hidden(value: Any) -> bool:
        return is_small_count(value, None, threshold)  # no unit: the caller chose to suppress

    def shown(value: Any) -> str:
        return f"<{threshold}" if hidden(value) else format_number(float(value))

    small = (frame > 0) & (frame < threshold)  # all False without a threshold
    drawn = frame.mask(small)
    x_values = list(frame.index)
    integer_x = all(isinstance(x, (int, np.integer)) for x in x_values)

    with chart_style():
        figure = _figure(height_inches=3.6)
        axes = figure.add_subplot()
        for index, column in enumerate(drawn.columns):
            points = drawn[column].dropna()
            axes.plot(
                list(points.index),
                points.to_numpy(dtype=float),
                color=SERIES_COLOURS[index % len(SERIES_COLOURS)],
                marker=SERIES_MARKERS[index % len(SERIES_MARKERS)],
                linewidth=2,
                markersize=6,
                label=plain_text(column),
            )
        if comparator:
            points = pd.Series(dict(comparator), dtype=float).sort_index()
            axes.plot(
                list(points.index),
                points.to_numpy(),
                color=MUTED_TEXT_COLOUR,
                linestyle="--",
                linewidth=1.5,
                label=plain_text(comparator_label),
            )
        for value, name, style in ((baseline, _("Baseline {value}"), ":"), (target, _("Target {value}"), "-.")):
            if value is not None and not hidden(value):
                axes.axhline(value, color=TEXT_COLOUR, linestyle=style, linewidth=1.2)
                axes.annotate(
                    name.format(value=format_number(value)),
                    xy=(1.0, value),
                    xycoords=("axes fraction", "data"),
                    xytext=(-2, 3),
                    textcoords="offset points",
                    ha="right",
                    va="bottom",
                    fontsize=8,
                )
        if integer_x:
            axes.set_xticks(sorted({int(x) for x in x_values}))
            axes.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: f"{int(x)}"))
        _numbers_in_language(axes.yaxis, whole=False)
        axes.set_xlabel(plain_text(xlabel))
        axes.set_ylabel(plain_text(ylabel))
        axes.set_title(_chart_title(title))
        axes.grid(axis="y", color="#d9d9d9", linewidth=0.6)
        axes.set_axisbelow(True)
        if frame.shape[1] > 1 or comparator:
            axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)

        table = frame.astype(object).where(~small, f"<{threshold}") if threshold else frame.copy()
        if comparator:
            table[comparator_label] = pd.Series(dict(comparator), dtype=float)
        table.insert(0, xlabel, [_x_text(x) for x in table.index])
        table = table.reset_index(drop=True)
        description = _line_description(frame, ylabel, baseline, target, shown)
        return figure_to_chart(figure, title=title, description=description, table=table)


def _x_text(value: Any) -> str:
    if isinstance(value, (dt.date, pd.Timestamp)):
        return value.strftime("%Y-%m-%d")
    return str(value)


def _line_description(
    frame: pd.DataFrame, ylabel: str, baseline: float | None, target: float | None, shown: Callable[[Any], str]
) -> str:
    parts = [_("Line chart of {what} over time, {series}.").format(
        what=_phrase(ylabel), series=_count(frame.shape[1], "{n} series", "{n} series"))]
    for column in frame.columns[:6]:
        points = frame[column].dropna()
        if len(points):
            parts.append(_("{series}: {first} in {first_x}, {last} in {last_x}.").format(
                series=column, first=shown(points.iloc[0]), first_x=_x_text(points.index[0]),
                last=shown(points.iloc[-1]), last_x=_x_text(points.index[-1])))
    if baseline is not None:
        parts.append(_("Baseline {value}").format(value=shown(baseline)) + ".")
    if target is not None:
        parts.append(_("Target {value}").format(value=shown(target)) + ".")
    return " ".join(parts)


# --- Gantt -------------------------------------------------------------------------------------

STATUS_STYLES: dict[str, tuple[str, str]] = {  # status key -> (colour, hatch)
    "not_started": ("#bdbdbd", "//"),
    "in_progress": ("#0072B2", ""),
    "completed": ("#009E73", ""),
    "delayed": ("#D55E00", "\\\\"),
    "cancelled": ("#ffffff", "xx"),
    "planned": ("#0072B2", ""),  # a plan's schedule: no status yet
}
PLANNED = "planned"
UNKNOWN_STATUS_STYLE = ("#CC79A7", "..")


def gantt(
    tasks: pd.DataFrame,
    *,
    title: str,
    label_column: str = "title",
    group_column: str = "group",
    today: dt.date | None = None,
    group_order: Sequence[str] | None = None,
    status_names: Mapping[str, str] | None = None,
    show_status: bool = True,
) -> Chart:
    """Tasks as bars from ``start`` to ``end``, grouped (e.g. by planning area), by status.

    `tasks` needs columns `label_column`, ``start``, ``end``, `group_column` and ``status``.
    Each status has a colour and a hatch. Tasks without both dates are listed in the table and
    the description but not drawn. ``today`` (if given) draws a "Today" line; it is a parameter,
    not the clock, so output stays reproducible. Without `show_status` (a plan's schedule) every
    bar is drawn alike and neither the table nor the description speaks of status.
    """
    title = _(title)
    if not show_status:
        tasks = tasks.assign(status=PLANNED)
        status_names = {PLANNED: _("Planned")}
    missing = [c for c in (label_column, "start", "end", group_column, "status") if c not in tasks.columns]
    _require(not missing, f"gantt tasks need the columns {', '.join(missing)}")
    names = {key: _(name) if name else name for key, name in (status_names or _catalogue_status_names()).items()}
    frame = tasks[[label_column, "start", "end", group_column, "status"]].copy()
    frame["start"] = pd.to_datetime(frame["start"], errors="coerce")
    frame["end"] = pd.to_datetime(frame["end"], errors="coerce")
    # Group names (the planning areas) in the current language; the community's own groups stay as written.
    frame[group_column] = [_(g) if g else _("(no group)") for g in frame[group_column].fillna("").astype(str)]
    frame["status"] = frame["status"].fillna("").astype(str)
    order = [_(g) if g else g for g in group_order or []]
    groups = list(dict.fromkeys(order + sorted(frame[group_column].unique())))
    dated = frame.dropna(subset=["start", "end"])
    groups = [g for g in groups if (dated[group_column] == g).any()]
    undated = len(frame) - len(dated)

    # One row per task, with a header row per group: y positions top to bottom.
    rows: list[tuple[str, pd.Series | None]] = []
    for group in groups:
        rows.append((group, None))
        members = dated[dated[group_column] == group].sort_values(["start", "end"], kind="stable")
        rows.extend((str(task[label_column]), task) for _text, task in members.iterrows())

    used = list(dict.fromkeys(dated["status"]))
    used.sort(key=lambda s: list(STATUS_STYLES).index(s) if s in STATUS_STYLES else 99)
    tick_labels = [_display_label(label if task is None else "  " + label, 40) for label, task in rows]

    with chart_style():
        # Margins are measured, not left to a layout engine: with thirty task labels the engine's
        # repeated text measuring took most of a second per chart, and a plan has one per priority.
        left = max((_text_width_inches(t, bold=task is None) for t, (_text, task) in zip(tick_labels, rows, strict=True)),
                   default=0.0) + 0.2
        title_lines = plain_text(title).count("\n") + 1
        top = ((30 if used else 6) + 10 + 15 * title_lines) / 72  # title (points) above the legend row
        bottom, right = 0.45, 0.45
        row_height = 0.42 if any("\n" in t for t in tick_labels) else 0.3  # two-line labels must not touch
        height = top + bottom + row_height * max(len(rows), 1)
        figure, axes = _measured_axes(height=height, left=left, right=right, top=top, bottom=bottom)
        for status in used:  # one bar call per status, not per task
            positions = [n for n, (_text, task) in enumerate(rows) if task is not None and task["status"] == status]
            tasks = [task for _text, task in rows if task is not None and task["status"] == status]
            starts = np.array([date2num(task["start"]) for task in tasks])
            ends = np.array([date2num(task["end"]) for task in tasks])
            colour, hatch = STATUS_STYLES.get(status, UNKNOWN_STATUS_STYLE)
            axes.barh(
                positions,
                np.maximum(ends - starts, 1.0),  # a one-day task stays visible
                left=starts,
                height=0.6,
                color=colour,
                hatch=hatch,
                edgecolor=TEXT_COLOUR,
                linewidth=0.6,
            )
        _row_labels(axes, range(len(rows)), tick_labels, [task is None for _text, task in rows])
        axes.set_ylim(len(rows) - 0.5, -0.5)
        axes.xaxis_date()
        axes.xaxis.set_major_locator(AutoDateLocator(minticks=3, maxticks=6))  # "Jan 2026" labels must not overlap
        axes.xaxis.set_major_formatter(FuncFormatter(_month_year))
        axes.grid(axis="x", color="#d9d9d9", linewidth=0.6)
        axes.set_axisbelow(True)
        if today is not None:
            axes.axvline(date2num(pd.Timestamp(today)), color=TEXT_COLOUR, linestyle="--", linewidth=1)
            axes.annotate(
                _("Today"),
                xy=(date2num(pd.Timestamp(today)), 1.0),
                xycoords=("data", "axes fraction"),
                xytext=(3, -10),
                textcoords="offset points",
                fontsize=8,
            )
        handles = [
            Patch(
                facecolor=STATUS_STYLES.get(s, UNKNOWN_STATUS_STYLE)[0],
                hatch=STATUS_STYLES.get(s, UNKNOWN_STATUS_STYLE)[1],
                edgecolor=TEXT_COLOUR,
                label=plain_text(names.get(s, s or _("No status"))),
            )
            for s in used
        ]
        if handles:
            axes.legend(  # right-aligned: it may reach over the row labels, not off the figure
                handles=handles,
                loc="lower right",
                bbox_to_anchor=(1.0, 1.0),
                ncols=min(5, len(handles)),
                fontsize=8,
            )
        axes.set_title(plain_text(title), pad=30 if handles else 6)

        table = pd.DataFrame(
            {
                _("Task"): frame[label_column].astype(str).to_numpy(),
                _("Group"): frame[group_column].to_numpy(),
                _("Start"): [_date_text(d) for d in frame["start"]],
                _("End"): [_date_text(d) for d in frame["end"]],
                _("Status"): [names.get(s, s) for s in frame["status"]],
            }
        )
        if not show_status:
            table = table.drop(columns=_("Status"))
        description = _gantt_description(dated, groups, group_column, undated, names, show_status=show_status)
        return figure_to_chart(figure, title=title, description=description, table=table)


def _text_width_inches(text: str, *, bold: bool = False) -> float:
    """Width of `text` (lines split at newlines) at the current font size, as the drawing measures it."""
    properties = FontProperties(weight="bold" if bold else "normal")
    return max((text_extent(line, properties)[0] for line in text.split("\n")), default=0.0) / 72


def _month_year(value: float, _position: Any = None) -> str:
    """An axis tick: "Jan 2026" / "janv. 2026", in the current language."""
    return i18n.format_date(num2date(value).date(), "MMM y")


def _date_text(value: Any) -> str:
    return "" if pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def _catalogue_status_names() -> dict[str, str]:
    from cswb_widgets.framework import load_catalogue

    return {entry.key: _(entry.name) for entry in load_catalogue().action_statuses}


def _gantt_description(
    dated: pd.DataFrame, groups: list[str], group_column: str, undated: int, names: Mapping[str, str],
    *, show_status: bool = True,
) -> str:
    parts = [_("Timeline of {tasks} in {groups}.").format(
        tasks=_count(len(dated), "{n} task", "{n} tasks"), groups=_count(len(groups), "{n} group", "{n} groups"))]
    if len(dated):
        parts.append(_("From {start} to {end}.").format(start=_date_text(dated["start"].min()),
                                                          end=_date_text(dated["end"].max())))
    if len(dated) and show_status:
        counts = dated["status"].value_counts()
        parts.append(_("Status: {counts}.").format(
            counts=", ".join(f"{names.get(s, s or _('No status')).lower()} {n}" for s, n in counts.items())))
    for group in groups[:6]:
        parts.append(_("{label}: {value}").format(
            label=group, value=_count(int((dated[group_column] == group).sum()), "{n} task", "{n} tasks")) + ".")
    if undated:
        parts.append(_count(undated, "{n} task without start and end dates listed in the table only.",
                            "{n} tasks without start and end dates listed in the table only."))
    return " ".join(parts)
