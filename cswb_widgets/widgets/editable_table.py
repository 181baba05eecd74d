"""EditableTable: a workspace table as an accessible HTML table, saved at every edit.

The browser side (``_table_front.py``) only shows rows and sends what the user
did as messages; every decision - validation, saving, undo, paging - is made
here, through the workspace API, so it is the same as in scripts and imports.
Tests drive the widget by calling :meth:`EditableTable.handle` with the
messages the browser would send.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import anywidget
import traitlets

from .. import render
from ..errors import InputError, Problem
from ..i18n import _, format_number
from ..store.schema import Column, table as table_spec
from ..store.validation import is_blank, join_list
from . import _failures, _sync
from ._table_front import TABLE_CSS, TABLE_ESM
from .record_form import MULTILINE_COLUMNS

if TYPE_CHECKING:
    from ..store.workspace import Workspace

MAX_PAGE_SIZE = 500  # rows on one page; more would send a whole large table to the browser at once
MAX_SEARCH = 200  # characters of a search; the box is for a few words
KEY_LIKE = re.compile(r"[a-z0-9]+(_[a-z0-9]+)+")  # how a stored key looks, as opposed to words typed


def cell_key(record_id: str, column: str) -> str:
    """The key of one cell in `cell_errors` (ids never contain '/')."""
    return f"{record_id}/{column}"


def _control(column: Column, choices: str | None = None) -> str:
    """The browser control for a column: text, number, date, select or multi (checkboxes)."""
    if column.kind == "list":
        return "multi" if (choices or column.ref) else "text"
    if choices or column.ref or column.kind == "bool":
        return "select"
    return {"int": "number", "float": "number", "date": "date"}.get(column.kind, "text")


def _to_wire(column: Column, value: Any, choices: str | None = None) -> str | list[str]:
    """A stored value as the browser control holds it: keys and ids, numbers as plain text."""
    if column.kind == "list":
        items = [str(v) for v in value] if isinstance(value, (list, tuple)) else []
        return items if (choices or column.ref) else join_list(items)
    if is_blank(value):
        return ""
    if column.kind == "bool":
        return "yes" if bool(value) else "no"
    if column.kind in ("int", "float", "date"):
        return render.display_value(column, value)
    return str(value)


def _from_wire(value: Any) -> Any:
    """What the browser sent, as a raw value for the workspace to validate ('' is blank)."""
    if isinstance(value, list):
        return [str(v) for v in value]
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return value


def _text(column: Column, value: Any, choices: str | None, ref_labels: Mapping[str, str]) -> str:
    """A stored value as the list shows it: catalogue names and record labels, never keys or ids."""
    if choices and not column.choices:  # a free-text column holding catalogue keys
        items = value if isinstance(value, (list, tuple)) else ([] if is_blank(value) else [value])
        return ", ".join(_own_choice_name(choices, str(item)) for item in items)
    return render.display_value(column, value, ref_labels)


def _own_choice_name(choices: str, key: str) -> str:
    """A catalogue name; a community's own key (water_safety) read as words (Water safety)."""
    name = render.choice_name(choices, key)
    if name == key and KEY_LIKE.fullmatch(key):
        return key.replace("_", " ").capitalize()
    return name


def _sort_key(column: Column, value: Any, text: str) -> tuple[int, Any]:
    """Numbers by size, everything else by its shown text; blanks last either way (see _view)."""
    if column.kind in ("int", "float") and not is_blank(value):
        return (0, float(value))
    return (0, text.casefold()) if text else (1, "")


class EditableTable(anywidget.AnyWidget):
    """Add, edit and delete the records of one workspace table; every change is saved at once.

    ``where`` shows only matching rows (its columns are hidden and given to new
    rows); ``defaults`` fills new rows; ``labels`` renames column headings;
    ``readonly`` columns are shown but not editable.
    """

    _esm = TABLE_ESM
    _css = TABLE_CSS

    caption = traitlets.Unicode("").tag(sync=True)
    column_specs = traitlets.List(traitlets.Dict()).tag(sync=True)
    rows = traitlets.List(traitlets.Dict()).tag(sync=True)
    new_row = traitlets.Dict().tag(sync=True)  # values the Add row starts with
    cell_errors = traitlets.Dict().tag(sync=True)  # cell_key -> {"message", "value"}
    add_errors = traitlets.Dict().tag(sync=True)  # column -> message
    draft = traitlets.Dict().tag(sync=True)  # the refused Add row, as typed
    added_count = traitlets.Int(0).tag(sync=True)  # bumps after each add: the browser clears the row
    status = traitlets.Unicode("").tag(sync=True)
    status_kind = traitlets.Unicode("").tag(sync=True)  # "saved", "error" or "info"
    undo_label = traitlets.Unicode("").tag(sync=True)  # what Undo would bring back; "" hides it
    page = traitlets.Int(0).tag(sync=True)
    page_count = traitlets.Int(1).tag(sync=True)
    row_count = traitlets.Int(0).tag(sync=True)
    page_size = traitlets.Int(25).tag(sync=True)
    can_add = traitlets.Bool(True).tag(sync=True)
    can_delete = traitlets.Bool(True).tag(sync=True)
    refresh_seconds = traitlets.Float(5.0).tag(sync=True)  # browser polls when no cell is focused
    # The compact list: its columns, and how it is sorted, searched and filtered (set by "view").
    main_columns = traitlets.List(traitlets.Unicode()).tag(sync=True)
    sort_column = traitlets.Unicode("").tag(sync=True)
    sort_descending = traitlets.Bool(False).tag(sync=True)
    search = traitlets.Unicode("").tag(sync=True)
    filters = traitlets.Dict().tag(sync=True)  # column -> key (or id, or "yes"/"no") its rows must hold
    total_count = traitlets.Int(0).tag(sync=True)  # rows before search and filters
    # The record in the form: {"id", "n", "label", "values"} with every shown column, {} for none.
    selected = traitlets.Dict().tag(sync=True)

    # Synced traits can be set by anyone with the page, over the websocket: numbers the paging
    # divides by or slices with are brought back into range, never trusted.
    @traitlets.validate("page_size")
    def _valid_page_size(self, proposal: traitlets.Bunch) -> int:
        return min(max(proposal["value"], 1), MAX_PAGE_SIZE)

    @traitlets.validate("page")
    def _valid_page(self, proposal: traitlets.Bunch) -> int:
        return max(proposal["value"], 0)  # past the end: _reload clamps to the last page

    @traitlets.validate("refresh_seconds")
    def _valid_refresh(self, proposal: traitlets.Bunch) -> float:
        return _sync.refresh_interval(proposal["value"])

    @traitlets.observe("page_size")
    def _page_size_changed(self, _change: traitlets.Bunch) -> None:
        if self._shown:
            self._reload(self.page)

    def __init__(
        self,
        ws: Workspace,
        table: str,
        *,
        columns: Sequence[str] | None = None,
        where: Mapping[str, Any] | None = None,
        defaults: Mapping[str, Any] | None = None,
        labels: Mapping[str, str] | None = None,
        readonly: Iterable[str] = (),
        page_size: int = 25,
        caption: str | None = None,
        cascade_delete: bool = False,
        refresh_seconds: float = 5.0,
    ) -> None:
        spec = table_spec(table)
        if spec.singleton:
            raise ValueError(f"'{table}' holds a single record; edit it with RecordForm(..., record_id=...)")
        self._ws = ws
        self._spec = spec
        self._where = dict(where or {})
        self._defaults = dict(defaults or {})
        self._labels = {key: _(label) for key, label in (labels or {}).items()}  # constants are marked N_
        self._readonly = frozenset(readonly)
        self._cascade_delete = cascade_delete
        self._columns = self._shown_columns(columns)
        self._version: str | None = None  # the workspace's last change when rows were read
        self._undo: list[tuple[str, str]] = []  # (change id, label) of this widget's deletes
        self._labels_by_id: dict[str, tuple[int, str]] = {}  # record id -> (row number, label)
        self._choices = {name: render.choice_list(spec.name, spec.column(name)) for name in self._columns}
        self._records: list[dict[str, Any]] = []  # every record of the table (or `where` view)
        self._records_version: str | None = None
        self._texts: dict[str, list[str]] = {}  # column -> the list's text of each record, read lazily
        self._record_labels: list[str] = []  # how messages name each record
        self._refs: dict[str, dict[str, str]] = {}  # referenced table -> {id: label}, read once per change
        self._selected_id = ""
        self._shown = False  # rows are read once __init__ is done
        super().__init__(
            caption=_(caption) if caption is not None else _(spec.title),
            page_size=page_size,
            refresh_seconds=refresh_seconds,
            main_columns=list(render.main_columns(spec.name, self._columns)),
        )
        self.on_msg(self._on_browser_message)
        _sync.subscribe(ws, self._refresh_if_changed)
        self.refresh()
        self._shown = True

    # -- public API ------------------------------------------------------------------------

    @property
    def table_name(self) -> str:
        return self._spec.name

    @property
    def shown_columns(self) -> tuple[str, ...]:
        return self._columns

    def refresh(self) -> None:
        """Reload rows and dropdown options from the workspace (edits from anyone)."""
        self._reload(self.page)

    def _reload(self, page: int) -> None:
        version = self._ws.last_change()
        if version != self._records_version:
            frame = render.select_rows(self._ws.table(self.table_name), self._where)
            self._records = frame.to_dict("records")
            self._records_version = version
            self._texts = {}
            self._refs = {}
            self._record_labels = [render.record_label(self._spec, r) for r in self._records]
            # Choices of reference columns change with the workspace only: read once per change.
            self.column_specs = [self._column_spec(self._spec.column(name)) for name in self._columns]
        self._version = version
        records = self._records
        view = self._view()
        self.total_count = len(records)
        self.row_count = len(view)
        self.page_count = max(1, math.ceil(len(view) / self.page_size))
        self.page = min(max(page, 0), self.page_count - 1)
        start = self.page * self.page_size
        number = {index: n for n, index in enumerate(view, start=1)}
        self._labels_by_id = {
            str(r["id"]): (number.get(i, 0), label) for i, (r, label) in enumerate(zip(records, self._record_labels, strict=True))
        }
        self.new_row = {name: self._wire(name, self._defaults.get(name)) for name in self._columns}
        main = self.main_columns
        self.rows = [
            {
                "id": str(records[i]["id"]),
                "n": n,
                "values": {name: self._wire(name, records[i][name]) for name in self._columns},
                "text": {name: self._text_at(name, i) for name in main},
            }
            for n, i in enumerate(view[start : start + self.page_size], start=start + 1)
        ]
        # A refused value stays on screen until fixed, unless its row is gone.
        live_ids = set(self._labels_by_id)
        self.cell_errors = {k: v for k, v in self.cell_errors.items() if k.split("/", 1)[0] in live_ids}
        self._show_selected()

    def _view(self) -> list[int]:
        """Indexes of the records the list shows, filtered, searched and sorted."""
        indexes: list[int] = list(range(len(self._records)))
        for name, wanted in self.filters.items():
            wires = [self._wire(name, self._records[i][name]) for i in indexes]
            indexes = [
                i for i, wire in zip(indexes, wires, strict=True)
                if wanted == wire or (isinstance(wire, list) and wanted in wire)
            ]
        words = self.search.casefold().split()
        if words:
            haystacks = [" ".join(texts) for texts in zip(*(self._texts_of(n) for n in self._columns), strict=True)]
            indexes = [i for i in indexes if all(word in haystacks[i].casefold() for word in words)]
        view = list(indexes)
        if self.sort_column:
            column = self._spec.column(self.sort_column)
            texts = self._texts_of(column.name)
            keys = {i: _sort_key(column, self._records[i][column.name], texts[i]) for i in view}
            filled = sorted((i for i in view if keys[i][0] == 0), key=keys.__getitem__, reverse=self.sort_descending)
            view = filled + [i for i in view if keys[i][0] == 1]
        return view

    def _texts_of(self, name: str) -> list[str]:
        """The list's text of a column for every record (for sorting and search), read once per change."""
        if name not in self._texts:
            column = self._spec.column(name)
            if column.kind == "text" and not column.ref and not self._choices.get(name):  # most columns: as typed
                self._texts[name] = [v if isinstance(v, str) else "" if is_blank(v) else str(v) for v in (r[name] for r in self._records)]
                return self._texts[name]
            refs = self._ref_labels(column.ref)
            self._texts[name] = [_text(column, r[name], self._choices.get(name), refs) for r in self._records]
        return self._texts[name]

    def _text_at(self, name: str, index: int) -> str:
        """One record's text of a column: a page needs 25 of them, not the whole column."""
        if name in self._texts:
            return self._texts[name][index]
        column = self._spec.column(name)
        return _text(column, self._records[index][name], self._choices.get(name), self._ref_labels(column.ref))

    def _ref_labels(self, ref: str | None) -> dict[str, str]:
        if not ref:
            return {}
        if ref not in self._refs:
            self._refs[ref] = {rid: label for label, rid in render.ref_options(self._ws, ref)}
        return self._refs[ref]

    def _wire(self, name: str, value: Any) -> str | list[str]:
        return _to_wire(self._spec.column(name), value, self._choices.get(name))

    def _show_selected(self) -> None:
        """Fill the form's record from the rows just read; a deleted record closes the form."""
        record = next((r for r in self._records if str(r["id"]) == self._selected_id), None) if self._selected_id else None
        if record is None:
            self._selected_id = ""
            self.selected = {}
            return
        number = self._labels_by_id.get(self._selected_id, (0, ""))[0]
        self.selected = {
            "id": self._selected_id,
            "n": number,
            "label": self._row_words(self._selected_id),
            "values": {name: self._wire(name, record[name]) for name in self._columns},
        }

    def select(self, record_id: str) -> None:
        """Open a record in the form ("" closes it)."""
        self._selected_id = record_id if record_id in self._labels_by_id else ""
        self._show_selected()

    def set_view(self, *, sort: str = "", descending: bool = False, search: str = "",
                 filters: Mapping[str, Any] | None = None) -> None:
        """Sort by a main column, search every shown column's text, keep rows whose filtered
        columns hold the chosen keys; back to page 1. Unknown columns are ignored (the browser
        may remember a view from an older version of the table)."""
        filterable = {s["name"] for s in self.column_specs if s.get("filter")}
        # One message to the browser: its arrow never shows a sort its rows do not have yet.
        with self.hold_sync():
            self.sort_column = sort if sort in self.main_columns else ""
            self.sort_descending = bool(descending) and bool(self.sort_column)
            self.search = str(search or "")[:MAX_SEARCH]
            self.filters = {
                str(k): str(v) for k, v in (filters or {}).items() if k in filterable and isinstance(v, str) and v
            }
            self._reload(0)
        shown = (_("{count} of {total} rows").format(count=format_number(self.row_count), total=format_number(self.total_count))
                 if self.row_count != self.total_count else _("all {total} rows").format(total=format_number(self.total_count)))
        self._say("info", _("Showing {shown}.").format(shown=shown))

    def to_html(self) -> str:
        """The same rows as static HTML, for report mode (private columns left out)."""
        return render.records_html(
            self._ws,
            self.table_name,
            columns=self._columns,
            where=self._where,
            labels=self._labels,
            caption=self.caption,
        )

    def handle(self, message: Mapping[str, Any]) -> None:
        """Act on one message from the browser (this is what the front end calls).

        Whatever fails is said in the table's status line, never only in a log.
        """
        try:
            self._dispatch(message)
        except Exception as error:  # noqa: BLE001 - the widget boundary: shown, and logged
            self._say("error", _("Something went wrong: {value}").format(value=_failures.words(error, f'table {self.table_name}')))

    def _dispatch(self, message: Mapping[str, Any]) -> None:
        action = message.get("type")
        if action == "edit":
            self._edit(str(message.get("id", "")), str(message.get("column", "")), message.get("value"))
        elif action == "add":
            values = message.get("values")
            self._add(values if isinstance(values, Mapping) else {})
        elif action == "delete":
            self._delete(str(message.get("id", "")))
        elif action == "undo":
            self._undo_last()
        elif action == "page":
            self._go_to_page(message.get("page"))
        elif action == "refresh":
            self._refresh_if_changed()
        elif action == "select":
            self.select(str(message.get("id", "")))
        elif action == "view":
            filters = message.get("filters")
            self.set_view(
                sort=str(message.get("sort", "")),
                descending=bool(message.get("descending")),
                search=str(message.get("search", "")),
                filters=filters if isinstance(filters, Mapping) else {},
            )

    # -- actions ---------------------------------------------------------------------------

    def _edit(self, record_id: str, column_name: str, raw: Any) -> None:
        if column_name not in self._columns or column_name in self._readonly:
            self._say("error", _("Not saved: '{column_name}' cannot be edited here.").format(column_name=column_name))
            return
        key = cell_key(record_id, column_name)
        where = self._cell_words(record_id, column_name)
        try:
            self._ws.update(self.table_name, record_id, **{column_name: _from_wire(raw)})
        except InputError as error:
            message = _message_for(error.problems, column_name)
            # Keep what the user typed next to the message, so nothing they wrote is lost.
            self.cell_errors = {**self.cell_errors, key: {"message": message, "value": raw}}
            self._say("error", _("Not saved: {where}: {message}").format(where=where, message=message))
            self._refresh_if_changed()
            return
        except Exception as error:  # noqa: BLE001 - said in the status line (and logged if unexpected)
            self._say("error", _("Not saved: {where}: {value}").format(where=where, value=_failures.words(error, f'edit of {self.table_name}')))
            return
        self.cell_errors = {k: v for k, v in self.cell_errors.items() if k != key}
        self.refresh()  # first, so the message names the row as it reads now
        self._after_save(_("Saved {value}.").format(value=self._cell_words(record_id, column_name)), reload=False)

    def _add(self, sent: Mapping[str, Any]) -> None:
        if not self.can_add:
            return
        typed = {k: v for k, v in sent.items() if k in self._columns and k not in self._readonly}
        record = {**self._defaults}
        record.update({k: _from_wire(v) for k, v in typed.items() if _from_wire(v) not in (None, [])})
        record.update(self._where)  # a new row must stay in this filtered view
        try:
            record_id = self._ws.add(self.table_name, **record)
        except InputError as error:
            by_column: dict[str, str] = {}
            for problem in error.problems:
                if problem.column is not None and problem.column in self._columns:
                    by_column.setdefault(problem.column, problem.message)
            self.add_errors = by_column
            self.draft = dict(typed)
            self._say("error", _("Not added: {describe}").format(describe=_describe(error.problems, self._labels)))
            return
        except Exception as error:  # noqa: BLE001
            self._say("error", _("Not added: {value}").format(value=_failures.words(error, f'add to {self.table_name}')))
            return
        self.add_errors = {}
        self.draft = {}
        self._selected_id = record_id  # the new record opens in the form, on its page of the list
        self._reload(self.page)
        number = self._labels_by_id.get(record_id, (0, ""))[0]
        if number and (number - 1) // self.page_size != self.page:
            self._reload((number - 1) // self.page_size)
        self.added_count += 1
        self._after_save(_("Added {value}.").format(value=self._row_words(record_id)), reload=False)

    def _delete(self, record_id: str) -> None:
        if not self.can_delete:
            return
        label = self._row_words(record_id)
        try:
            change_id = self._ws.delete(self.table_name, record_id, cascade=self._cascade_delete)
        except Exception as error:  # noqa: BLE001
            self._say("error", _("Not deleted: {value}").format(value=_failures.words(error, f'delete from {self.table_name}')))
            return
        self._undo.append((change_id, label))
        self.undo_label = label
        self._after_save(_("Deleted {label}. Use Undo to bring it back.").format(label=label))

    def _undo_last(self) -> None:
        if not self._undo:
            return
        change_id, label = self._undo[-1]
        try:
            self._ws.undo(change_id)
        except Exception as error:  # noqa: BLE001
            self._say("error", _("Could not undo: {value}").format(value=_failures.words(error, f'undo in {self.table_name}')))
            return
        self._undo.pop()
        self.undo_label = self._undo[-1][1] if self._undo else ""
        self._after_save(_("Restored {label}.").format(label=label))

    def _go_to_page(self, page: Any) -> None:
        try:
            wanted = int(page)
        except (TypeError, ValueError):
            return
        self._reload(wanted)
        first = self.page * self.page_size + 1
        last = min(first + self.page_size - 1, self.row_count)
        self._say("info", _("Page {value} of {page_count}: rows {first} to {last}.").format(value=self.page + 1, page_count=self.page_count, first=first, last=last))

    # -- helpers ---------------------------------------------------------------------------

    def _after_save(self, words: str, *, reload: bool = True) -> None:
        if reload:
            self.refresh()
        self._say("saved", words)
        _sync.notify_saved(self._ws, self)

    def _refresh_if_changed(self) -> None:
        """Reload if the workspace changed; a failure is said here (it may come from another widget's save)."""
        try:
            if self._ws.last_change() != self._version:
                self.refresh()
        except Exception as error:  # noqa: BLE001
            self._say("error", _("Could not reload the table: {value}").format(value=_failures.words(error, f'reload of {self.table_name}')))

    def _say(self, kind: str, words: str) -> None:
        self.status_kind = kind
        self.status = words

    def _row_words(self, record_id: str) -> str:
        """How messages name a row: "Ana (row 3)", or "row 3" for records without a name."""
        number, label = self._labels_by_id.get(record_id, (0, record_id))
        if not number:
            return label
        return _("row {number}").format(number=number) if label == record_id else _("{label} (row {number})").format(label=label, number=number)

    def _cell_words(self, record_id: str, column_name: str) -> str:
        return _("{column} of {row}").format(column=render.column_label(column_name, self._labels), row=self._row_words(record_id))

    def _shown_columns(self, columns: Sequence[str] | None) -> tuple[str, ...]:
        if columns is not None:
            for name in columns:
                self._spec.column(name)  # KeyError naming the table for a typo
            return tuple(columns)
        return tuple(render.default_columns(self.table_name, exclude=self._where))

    def _column_spec(self, column: Column) -> dict[str, Any]:
        choices = self._choices.get(column.name)
        control = _control(column, choices)
        spec: dict[str, Any] = {
            "name": column.name,
            "label": render.column_label(column, self._labels),
            "control": control,
            "required": column.required,
            "readonly": column.name in self._readonly,
            "integer": column.kind == "int",
            "hint": _hint(column, control),
            "main": column.name in self.main_columns,
            "filter": column.name in self.main_columns and control in ("select", "multi"),
            "multiline": column.name in MULTILINE_COLUMNS,
        }
        if control in ("select", "multi"):
            options = [[value, name] for name, value in _options(self._ws, column, choices)]
            if choices and not column.choices:  # keys of the community's own, kept and offered again
                known = {value for value, __ in options}
                stored = {str(i) for r in self._records for i in _items(r[column.name])} - known
                options += [[key, _own_choice_name(choices, key)] for key in sorted(stored)]
            spec["options"] = options
        return spec

    def _on_browser_message(self, _widget: object, content: Any, _buffers: object) -> None:
        if isinstance(content, Mapping):
            self.handle(content)


def _options(ws: Workspace, column: Column, choices: str | None) -> list[tuple[str, str]]:
    if column.kind == "bool":
        return [(_("Yes"), "yes"), (_("No"), "no")]
    if choices:
        return render.choice_options(choices)
    if column.ref:
        return render.ref_options(ws, column.ref)
    return []


def _items(value: Any) -> list[Any]:
    if isinstance(value, (list, tuple)):
        return list(value)
    return [] if is_blank(value) else [value]


def _hint(column: Column, control: str) -> str:
    """A note by the field where the control alone does not tell how to type."""
    if control == "date":
        return _("yyyy-mm-dd")
    return _("separate items with ;") if control == "text" and column.kind == "list" else ""


def _message_for(problems: list[Problem], column: str) -> str:
    """The message about one column, else the first message (e.g. a duplicate, or a gone record)."""
    for problem in problems:
        if problem.column == column:
            return problem.message
    return problems[0].message if problems else "refused"


def _describe(problems: list[Problem], labels: Mapping[str, str]) -> str:
    return "; ".join((f"{render.column_label(p.column, labels)}: " if p.column else "") + p.message for p in problems)
