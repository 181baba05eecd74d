"""Workspace rows as people read them: labels, names instead of keys, static tables."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..framework import load_catalogue
from ..i18n import _
from ..model.sovereignty import published_tables
from ..store import labels
from ..store.labels import readable_column
from ..store.schema import SCHEMA_CHOICES, TABLES, TABLES_BY_NAME, Column, Table, table as table_spec
from ..store.validation import choice_keys, is_blank, join_list
from ._html import escape, with_style

if TYPE_CHECKING:
    from ..store.workspace import Workspace


def column_label(column: Column | str, labels: Mapping[str, str] | None = None) -> str:
    """The heading a person sees, in the current language: an explicit label, else the column name made readable."""
    name = column if isinstance(column, str) else column.name
    text = labels[name] if labels and name in labels else readable_column(name)
    return _(text) if text else text  # gettext("") would be the catalogue's header


def choice_options(list_name: str) -> list[tuple[str, str]]:
    """(display name, stored key) pairs of a choice list, in catalogue order."""
    return [(choice_name(list_name, key), key) for key in choice_keys(list_name)]


def choice_name(list_name: str, key: str) -> str:
    """The display name of a stored key (the key itself if the list does not know it)."""
    if list_name in SCHEMA_CHOICES:
        return _(key.replace("_", " ").capitalize()) if key in SCHEMA_CHOICES[list_name] else key
    try:
        return _(load_catalogue().name_of(list_name, key))
    except KeyError:
        return key


def record_label(spec: Table | str, record: Mapping[str, Any]) -> str:
    """A short human name for a record, for dropdowns of references and status messages."""
    return labels.record_label(spec, record)


def ref_options(ws: Workspace | WorkspaceTables, table_name: str) -> list[tuple[str, str]]:
    """(label, id) of every live record of a table, sorted by label for easy finding."""
    frame = frame_of(ws, table_name)
    spec = table_spec(table_name)
    pairs = [(record_label(spec, row), str(row["id"])) for row in frame.to_dict("records")]
    return sorted(pairs, key=lambda pair: (pair[0].casefold(), pair[1]))


def frame_of(source: Workspace | WorkspaceTables, table_name: str) -> pd.DataFrame:
    return source[table_name] if isinstance(source, WorkspaceTables) else source.table(table_name)


def _format_number(value: float) -> str:
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return format(float(value), ".15g")


def display_value(column: Column, value: Any, ref_labels: Mapping[str, str] | None = None) -> str:
    """A stored value as plain text for people: names instead of keys and ids."""
    if column.kind == "list":
        items = list(value) if isinstance(value, (list, tuple)) else []
        if column.choices:
            return ", ".join(choice_name(column.choices, str(i)) for i in items)
        if column.ref:
            return ", ".join((ref_labels or {}).get(str(i), str(i)) for i in items)
        return join_list([str(i) for i in items])
    if is_blank(value):
        return ""
    if column.kind == "bool":
        return _("Yes") if bool(value) else _("No")
    if column.kind == "date":
        return pd.Timestamp(value).date().isoformat()
    if column.kind in ("int", "float"):
        return _format_number(float(value))
    if column.kind == "geojson":
        return _("(shape)")
    if column.choices:
        return choice_name(column.choices, str(value))
    if column.ref:
        return (ref_labels or {}).get(str(value), str(value))
    return str(value)


# --- Rows ------------------------------------------------------------------------------------


def select_rows(frame: pd.DataFrame, where: Mapping[str, Any] | None) -> pd.DataFrame:
    """Rows whose columns equal the given values (for a list column: contain the value)."""
    if not where:
        return frame
    keep = pd.Series(True, index=frame.index)
    for name, wanted in where.items():
        series = frame[name]
        if series.map(lambda v: isinstance(v, list)).any():
            keep &= series.map(lambda items, w=wanted: isinstance(items, list) and w in items)
        elif is_blank(wanted):
            keep &= series.isna()
        else:
            keep &= series.astype("object").eq(wanted).fillna(False).astype(bool)
    return frame[keep]


PRIVATE_COLUMNS: frozenset[str] = frozenset(c.name for t in TABLES for c in t.columns if c.private)
"""Personal contact columns of the schema; no static (published) table ever shows them."""


def _public(columns: Iterable[str]) -> list[str]:
    return [c for c in columns if c not in PRIVATE_COLUMNS]


class WorkspaceTables(Mapping[str, pd.DataFrame]):
    """The workspace's tables as the mapping `readiness` expects, each read once, on first use.

    `published` (plans and progress reports): indicators and measures as their owners let them be
    published (`model.sovereignty`): withheld ones absent, "aggregated only" ones without sub-areas.
    """

    def __init__(self, ws: Workspace, *, published: bool = False, frames: dict[str, pd.DataFrame] | None = None):
        self._ws = ws
        # `frames`: what other readers of the same data (and the same `published`) read already, and
        # where this one's reads go for them (report kernels: workbooks._base._report_tables).
        self._frames: dict[str, pd.DataFrame] = {} if frames is None else frames
        self._published = published_tables(WorkspaceTables(ws)) if published else None

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in TABLES_BY_NAME:
            raise KeyError(name)
        if name not in self._frames:
            self._frames[name] = self._published[name] if self._published is not None else self._ws.table(name)
        return self._frames[name]

    def __iter__(self) -> Iterator[str]:
        return iter(TABLES_BY_NAME)

    def __len__(self) -> int:
        return len(TABLES_BY_NAME)


def default_columns(table_name: str, exclude: Iterable[str] = ()) -> list[str]:
    """The columns a table or form shows unless told otherwise: all but shapes and `exclude`
    (columns fixed by a filter or a default)."""
    skip = set(exclude)
    return [c.name for c in table_spec(table_name).columns if c.kind != "geojson" and c.name not in skip]


def display_frame(
    ws: Workspace | WorkspaceTables,
    table_name: str,
    *,
    columns: Sequence[str] | None = None,
    where: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """A table's rows as display text (names, labels), filtered by `where`, without private columns."""
    spec = table_spec(table_name)
    frame = select_rows(frame_of(ws, table_name), where)
    shown = _public(columns or default_columns(table_name, exclude=where or {}))
    labels_by_table = {
        c.ref: {rid: label for label, rid in ref_options(ws, c.ref)}
        for c in (spec.column(n) for n in shown)
        if c.ref
    }
    out = pd.DataFrame(index=frame.index)
    for name in shown:
        column = spec.column(name)
        refs = labels_by_table.get(column.ref) if column.ref else None
        out[name] = [display_value(column, v, refs) for v in frame[name]]
    return out.reset_index(drop=True)


# --- Tables ----------------------------------------------------------------------------------


def table_html(
    frame: pd.DataFrame,
    columns: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
    caption: str | None = None,
    *,
    row_header: str | None = None,
    empty_text: str = "No records yet.",
    style: bool = True,
) -> str:
    """An accessible static table: a caption, column headers with scope, every cell escaped.

    Private columns (email, phone) are dropped even when asked for by name.
    `row_header` names the column whose cells become ``<th scope="row">``.
    """
    shown = _public(columns if columns is not None else [str(c) for c in frame.columns])
    parts = _table_start("cswb-table cswb-static", caption, shown, labels)
    parts.append("<tbody>")
    if frame.empty:
        parts.append(f'<tr><td class="cswb-empty" colspan="{max(len(shown), 1)}">{escape(_(empty_text))}</td></tr>')
    for row in frame[shown].itertuples(index=False, name=None):
        parts.append("<tr>")
        for name, value in zip(shown, row, strict=True):
            text = "" if is_blank(value) else value
            tag = 'th scope="row"' if name == row_header else "td"
            parts.append(f"<{tag}>{escape(text)}</{tag.split()[0]}>")
        parts.append("</tr>")
    parts.append("</tbody></table>")
    return with_style("".join(parts), style)


def _table_start(css_class: str, caption: str | None, shown: Sequence[str],
                 labels: Mapping[str, str] | None) -> list[str]:
    """A table's opening markup: its class, the caption (escaped) and the column headers, in the
    current language (a caption or label the catalogue knows is translated here, once for every table)."""
    parts = [f'<table class="{css_class}">']
    if caption:
        parts.append(f"<caption>{escape(_(caption))}</caption>")
    parts.append("<thead><tr>")
    parts.extend(f'<th scope="col">{escape(column_label(c, labels))}</th>' for c in shown)
    parts.append("</tr></thead>")
    return parts


def detailed_table_html(
    frame: pd.DataFrame,
    columns: Sequence[str],
    details: Sequence[str],
    labels: Mapping[str, str] | None = None,
    caption: str | None = None,
    *,
    row_header: str | None = None,
    nowrap: Sequence[str] = (),
    empty_text: str = "No records yet.",
    style: bool = True,
) -> str:
    """A table narrow enough for a printed page: `columns` side by side, and each row's `details`
    (label: value, the blank ones left out) in a full-width row below it, so no column is squeezed
    until words break. Each record is its own ``<tbody>``, kept together on a page. `nowrap`
    columns (dates) never wrap: a hyphen in a date is a place a browser would break it."""
    shown = _public(columns)
    extra = _public(details)
    parts = _table_start("cswb-table cswb-static cswb-detailed", caption, shown, labels)
    if frame.empty:
        parts.append(f'<tbody><tr><td class="cswb-empty" colspan="{max(len(shown), 1)}">{escape(_(empty_text))}</td></tr></tbody>')
    for record in frame.to_dict("records"):
        parts.append('<tbody class="cswb-record" style="break-inside: avoid"><tr>')
        for name in shown:
            value = record.get(name)
            text = "" if is_blank(value) else value
            tag = 'th scope="row"' if name == row_header else "td"
            keep = ' style="white-space: nowrap"' if name in nowrap else ""
            parts.append(f"<{tag}{keep}>{escape(text)}</{tag.split()[0]}>")
        parts.append("</tr>")
        facts = [(column_label(c, labels), record.get(c)) for c in extra if not is_blank(record.get(c)) and str(record.get(c)).strip()]
        if facts:
            items = "".join(f"<li><strong>{escape(_('{label}:').format(label=label))}</strong> {escape(value)}</li>"
                            for label, value in facts)
            parts.append(f'<tr class="cswb-record-details"><td colspan="{len(shown)}"><ul class="cswb-details-list">{items}</ul></td></tr>')
        parts.append("</tbody>")
    parts.append("</table>")
    return with_style("".join(parts), style)


def records_html(
    ws: Workspace | WorkspaceTables,
    table_name: str,
    *,
    columns: Sequence[str] | None = None,
    where: Mapping[str, Any] | None = None,
    labels: Mapping[str, str] | None = None,
    caption: str | None = None,
    style: bool = True,
) -> str:
    """A workspace table as static HTML: the report-mode twin of ``EditableTable``."""
    spec = table_spec(table_name)
    frame = display_frame(ws, table_name, columns=columns, where=where)
    first = next(iter(frame.columns), None)
    return table_html(
        frame,
        list(frame.columns),
        labels,
        caption if caption is not None else spec.title,
        row_header=first if first in ("name", "title") else None,
        style=style,
    )
